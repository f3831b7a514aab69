#pragma once
// The OTA flow (SPEC "Execution states"): creates jobs, sends each device its
// command, moves executions on progress and status, re-sends, times out,
// cancels and completes jobs. Worker thread only.
#include <cstdint>
#include <string>
#include <unordered_map>

#include "mosquitto_ota/effects.h"
#include "mosquitto_ota/job_store.h"
#include "mosquitto_ota/options.h"
#include "mosquitto_ota/presence.h"
#include "mosquitto_ota/reports.h"
#include "mosquitto_ota/store.h"

namespace ota {

struct CreateResult {
  std::string job_id;
  int64_t targeted = 0;
  int64_t already_at_version = 0;
  int64_t busy = 0;
  int64_t unknown = 0;
  int64_t not_in_from_versions = 0;
};

class Upgrades {
 public:
  Upgrades(Store& store, JobStore& jobs, const Presence& presence, const Options& options);

  CreateResult create(const JobSpec& spec, int64_t now, Effects& out);
  // Cancels every unfinished execution of an in-progress job; returns how many.
  int64_t cancel(const std::string& job_id, int64_t now, Effects& out);

  void on_status(const DeviceKey& device, const StatusPayload& status, int64_t now, Effects& out);
  void on_progress(const DeviceKey& device, const ProgressPayload& progress, int64_t now, Effects& out);
  void on_connect(const DeviceKey& device, int64_t now, Effects& out);
  // Timers: expiry, timeouts, re-sends.
  void tick(int64_t now, Effects& out);

 private:
  enum class Trigger { Create, Device, Timer };

  const Job* job(const std::string& id);
  void deliver(Execution& e, Trigger trigger, int64_t now, Effects& out);
  void send_command(const Execution& e, const std::string& topic, const std::string& payload, Effects& out);
  void move(Execution& e, ExecState to, const std::string& reason, int64_t now, Effects& out);
  void finish_job_if_done(const std::string& job_id, int64_t now);
  void cancel_queued(const Job& job, const std::string& reason, int64_t now, Effects& out);

  Store& store_;
  JobStore& jobs_;
  const Presence& presence_;
  const Options& options_;
  // Job parameters and state by id; counts live in the database.
  std::unordered_map<std::string, Job> job_cache_;
};

}  // namespace ota
