#pragma once
// The OTA flow (SPEC "Execution states"): creates jobs, sends each device its
// command, moves executions on progress and status, re-sends, times out,
// cancels and completes jobs. Worker thread only.
#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "ota/effects.h"
#include "ota/presence.h"
#include "ota/send_pace.h"
#include "protocol/options.h"
#include "protocol/reports.h"
#include "store/repositories.h"

namespace ota {

struct CreateResult : TargetCounts {
  std::string job_id;
};

class Upgrades {
 public:
  Upgrades(const Repositories& store, const Presence& presence, const Options& options);

  CreateResult create(const JobSpec& spec, int64_t now, Effects& out);
  // Cancels every unfinished execution of an in-progress job; returns how many.
  int64_t cancel(const std::string& job_id, int64_t now, Effects& out);

  void on_status(const DeviceKey& device, const StatusPayload& status, int64_t now, Effects& out);
  void on_progress(const DeviceKey& device, const ProgressPayload& progress, int64_t now, Effects& out);
  void on_connect(const DeviceKey& device, int64_t now, Effects& out);
  // Timers: expiry, timeouts, re-sends, rate-limited sends, a chunk of each
  // filling job. Stops between executions once `deadline` passed: what is left
  // is still due at the next tick.
  void tick(int64_t now, Effects& out,
            std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());
  // True while a job may have sends to make on its own (rate-limited, or still
  // creating its executions): the worker then ticks often.
  bool needs_fast_ticks() const;
  // True while some execution is unfinished: a report may move it (and cost far more than one that does not).
  bool under_way() const { return unfinished_ > 0; }
  // Executions a job over a whole product creates per step at most (tests make it small).
  void set_fill_chunk(int devices) { fill_chunk_ = devices; }
  // How long one such step may take: the chunk is sized from the time the last ones took.
  void set_fill_budget(std::chrono::microseconds budget) { fill_budget_ = budget; }
  // At most this many first commands a second (ota/send_pace.h); 0: no limit.
  void set_send_rate(double per_second);
  // The store was rolled back: what is cached of jobs is read again from it.
  void reload();

 private:
  // What makes a command go out: a new execution, the device connecting or
  // reporting status, the re-send timer, a rate-limited job's next slot.
  enum class Trigger { Create, Connect, Status, Timer, Rate };

  // The job from the cache, loading it first if needed; null for an unknown id.
  Job* cached(const std::string& id);
  void set_job_state(const std::string& id, JobState state, int64_t now);
  // A new queued execution, sent at once if the device is online. `counted`:
  // false when the caller adds it to the job's counts itself (in bulk).
  void add_execution(const Job& job, const DeviceKey& device, int64_t now, Effects& out, bool counted = true);
  void try_join(const Job& job, const DeviceKey& device, const StatusPayload& status, int64_t now, Effects& out);
  bool take_send_slot(Job& job, int64_t now);
  void deliver(Execution& e, Trigger trigger, int64_t now, Effects& out);
  void send_command(const Execution& e, const std::string& topic, const std::string& payload, Effects& out);
  void move(Execution& e, ExecState to, const std::string& reason, int64_t now, Effects& out);
  // After an execution finished: abort the job at its threshold, or complete it.
  void after_finish(const std::string& job_id, int64_t now, Effects& out);
  // Cancels the job's queued executions a page at a time until none are left
  // (true) or the deadline has passed (false: the timers go on with the rest),
  // so that stopping a huge job never holds the worker for long.
  bool cancel_queued(const std::string& job_id, const std::string& reason, int64_t now, Effects& out,
                     std::chrono::steady_clock::time_point deadline);
  // Until the step's deadline.
  void send_rate_limited(Job& job, int64_t now, Effects& out, std::chrono::steady_clock::time_point deadline);
  void hold_back(const std::string& job_id);
  // createUpgrade with a device list, and over a whole product.
  void target_listed(const Job& job, CreateResult& result, int64_t now, Effects& out);
  void target_fleet(Job& job, CreateResult& result, int64_t now, Effects& out);
  void fill_next_chunk(Job& job, int64_t now, Effects& out);
  void stop_filling(Job& job, int64_t now, Effects& out);

  DeviceRepository& devices_;
  JobRepository& jobs_;
  ExecutionRepository& executions_;
  HistoryRepository& history_;
  const Presence& presence_;
  const Options& options_;
  // Job parameters, state and send slot by id (every in-progress job, and finished
  // ones once looked up); the counts live in the database.
  std::unordered_map<std::string, Job> job_cache_;
  // Where each rate-limited job's scan for a queued, online device resumes.
  std::unordered_map<std::string, std::string> rate_cursor_;
  SendPace pace_;
  // Jobs with queued executions of online devices that the pace held back,
  // scanned on each tick as a rate-limited job is, a pass from the first
  // device to the last, until a pass ends with none held back since it began
  // (true: one was).
  std::unordered_map<std::string, bool> paced_jobs_;
  // Unfinished executions of all jobs: while there are none, a progress report
  // needs no lookup (the common case between rollouts).
  int64_t unfinished_ = 0;
  int fill_chunk_ = 20000;
  std::chrono::microseconds fill_budget_ = std::chrono::microseconds::max();
  double fill_us_per_device_ = 10;  // measured on each chunk
};

}  // namespace ota
