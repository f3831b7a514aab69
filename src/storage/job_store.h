#pragma once
// Storage of jobs, executions and execution history. Shares the Store's
// connection; used on the worker thread only.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/jobs.h"
#include "storage/sqlite.h"

namespace ota {

inline constexpr int64_t kExecutionHistoryKept = 1000;

class JobStore {
 public:
  explicit JobStore(Db& db);
  ~JobStore();

  void insert_job(Job& job);  // assigns seq
  std::optional<Job> find_job(const std::string& id);
  std::vector<Job> in_progress_jobs();
  int64_t unfinished_execution_count();
  void set_next_send_at(const std::string& id, int64_t at);
  // Newest first, older than `before_seq` (0: from the newest).
  std::vector<Job> list_jobs(const std::optional<std::string>& product, const std::optional<JobState>& state,
                             int64_t before_seq, int limit);
  std::vector<std::string> expired_job_ids(int64_t now_ms);
  // Aborted jobs whose queued executions are still being canceled.
  std::vector<std::string> aborted_job_ids_with_queued();
  void set_job_state(const std::string& id, JobState state, std::optional<int64_t> finished_at);
  // Moves one execution between states in the job's counts (from empty: a new execution).
  void count_change(const std::string& job_id, std::optional<ExecState> from, ExecState to);
  void add_to_count(const std::string& job_id, ExecState state, int64_t n);
  // Devices of the product with an unfinished execution of this type.
  std::vector<std::string> busy_devices(const std::string& product, const std::string& type);

  // createUpgrade over every known device of the job's product. A device is a
  // target when it is not at the target version, is in fromVersions (when given)
  // and has no unfinished execution of the type.
  using FleetTargets = TargetCounts;
  FleetTargets count_fleet_targets(const Job& job);
  // The device that ends a chunk of `chunk` devices after `after`; none when fewer remain.
  std::optional<std::string> fleet_chunk_end(const std::string& product, const std::string& after, int chunk);
  // Queued executions for the targets in (after, upto]; returns how many.
  int64_t insert_fleet_chunk(const Job& job, const std::string& after, const std::optional<std::string>& upto,
                             int64_t now);
  void set_fill_cursor(const std::string& id, const std::optional<std::string>& cursor);

  void insert_execution(Execution& e);  // assigns id
  void update_execution(const Execution& e);
  std::optional<Execution> find_execution(const std::string& job_id, const std::string& device);
  // The device's unfinished executions, oldest first.
  std::vector<Execution> unfinished_executions(const DeviceKey& device);
  // Unfinished, failed and timed-out executions: those a status report can still move.
  std::vector<Execution> executions_awaiting_status(const DeviceKey& device);
  std::vector<Execution> recent_executions(const DeviceKey& device, int limit);
  std::vector<Execution> job_executions(const std::string& job_id, const std::optional<ExecState>& state,
                                        const std::string& after_device, int limit);
  std::vector<Execution> due_for_resend(int64_t now_ms, int limit);
  std::vector<Execution> past_deadline(int64_t now_ms, int limit);

  // Keeps the execution's newest kExecutionHistoryKept entries (SPEC "Bounded history").
  void append_history(int64_t execution_id, const HistoryEntry& entry);
  std::vector<HistoryEntry> history(int64_t execution_id);
  // Newest first, older than entry `before_id` (0: from the newest), at most `limit`.
  std::vector<HistoryEntry> history_page(int64_t execution_id, int64_t before_id, int limit);

 private:
  struct Statements;
  std::unique_ptr<Statements> st_;
};

}  // namespace ota
