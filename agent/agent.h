#pragma once
// The device side of the OTA protocol (docs/protocol.md 3.8): reports its
// status, takes upgrade and cancel commands, downloads, verifies, installs.
// Commands arrive on the MQTT thread; one worker (the thread that calls run)
// works on one upgrade at a time.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "command.h"
#include "config.h"
#include "keys.h"
#include "mqtt_session.h"
#include "protocol/mutex.h"
#include "protocol/thread_annotations.h"
#include "state.h"

namespace ota_agent {

class Agent {
 public:
  // Throws std::runtime_error when the state file cannot be read.
  Agent(Config config, std::optional<TrustedKeys> broker_key, std::optional<TrustedKeys> vendor_keys);
  ~Agent();

  // Runs until `stop` is set (a download in progress is kept for a resume).
  void run(const std::atomic<bool>& stop);

 private:
  void on_connect();
  void on_message(const std::string& topic, const std::string& payload);
  void handle(const std::string& topic, const std::string& payload);
  void handle_upgrade(const Command& command, const std::string& topic, const std::string& payload);
  void work_on_current();
  // True when a valid $ota_cancel for `request_id` waits in the inbox.
  bool cancel_waiting(const std::string& request_id) const REQUIRES(mutex_);
  // Why the command's signature is refused; empty when it verifies or no broker key is configured.
  std::string signature_problem(const Command& command) const;
  std::string image_path(const std::string& request_id) const;
  // The request is done (whatever came of it): remembered as handled, its file deleted.
  void finish(const std::string& request_id);
  // Saves state_ (mutex_ held); a failure is logged, the agent goes on.
  void persist() REQUIRES(mutex_);
  void report_progress(const Command& command, int progress, const std::string& desc);
  void report_status();

  Config config_;
  std::optional<TrustedKeys> broker_key_;
  std::optional<TrustedKeys> vendor_keys_;
  std::unique_ptr<MqttSession> session_;

  ota::Mutex mutex_;  // what the MQTT thread shares with the worker
  std::condition_variable wake_;
  std::deque<std::pair<std::string, std::string>> inbox_ GUARDED_BY(mutex_);  // (topic, payload)
  State state_ GUARDED_BY(mutex_);
  bool connected_ GUARDED_BY(mutex_) = false;
  std::string active_request_ GUARDED_BY(mutex_);  // the upgrade the worker is on
  bool installing_ GUARDED_BY(mutex_) = false;
  std::atomic<bool> cancel_{false};
  const std::atomic<bool>* stop_ = nullptr;
};

}  // namespace ota_agent
