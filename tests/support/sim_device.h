#pragma once
// A simulated IotHub device: logs in as {product}/{device}, reports its status
// at boot, does not subscribe to cmd/... (the plugin sends commands straight to
// its session), and reports progress and its new version when the test says so.
#include <optional>
#include <string>
#include <vector>

#include "mqtt_client.h"

namespace ota_test {

struct OtaCommand {
  std::string kind;        // "$ota_upgrade" or "$ota_cancel"
  std::string request_id;
  std::string expires_at;  // unix seconds, when the topic carries it
  std::string topic;
  std::string payload;
  std::chrono::steady_clock::time_point received;
};

class SimDevice {
 public:
  SimDevice(int port, std::string product, std::string device, std::string firmware_ver,
            std::string client_suffix = "", std::string password = kPassword);

  // Connects and reports {"firmware_ver": ...} as IotHub devices do at boot.
  void boot();
  void disconnect() { client_->disconnect(); }
  // The n-th command received (0-based) of this kind, waiting for it.
  std::optional<OtaCommand> wait_command(size_t n = 0, const std::string& kind = "$ota_upgrade",
                                         std::chrono::milliseconds timeout = kWait);
  std::vector<OtaCommand> commands(const std::string& kind = "$ota_upgrade") const;
  int progress(const std::string& version, int progress, const std::string& desc = "");
  int report_version(const std::string& firmware_ver);

  MqttClient& mqtt() { return *client_; }
  const std::string& name() const { return device_; }

 private:
  std::string next_message_id();

  std::string product_, device_, firmware_ver_;
  std::unique_ptr<MqttClient> client_;
  int message_counter_ = 0;
};

}  // namespace ota_test
