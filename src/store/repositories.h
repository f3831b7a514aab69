#pragma once
// The store, as the OTA flow and the admin commands see it: one repository per
// stored entity, and transactions. Nothing here says how or where data is kept;
// a backend (src/storage/ for SQLite) implements these, and the backend contract
// tests (tests/unit/store/) hold any backend to the same behaviour.
//
// Each repository comes in two parts: a Reader, which only reads (what admin
// queries are given), and the repository, which also writes (the OTA flow's,
// inside the worker's transaction).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "protocol/reports.h"
#include "store/cluster.h"
#include "store/records.h"

namespace ota {

// The last entries of an execution's history that are kept (SPEC "Bounded history").
inline constexpr int64_t kExecutionHistoryKept = 1000;

// One transaction at a time, with savepoints inside it, so that one event (or
// one admin command inside its request) that fails part-way leaves nothing
// behind. Savepoints nest.
class Transactions {
 public:
  virtual ~Transactions() = default;
  virtual void begin() = 0;
  // Writes whatever the repositories buffered, then commits.
  virtual void commit() = 0;
  virtual void rollback() = 0;
  virtual void savepoint() = 0;
  virtual void release() = 0;      // keeps what was done since the innermost savepoint
  virtual void rollback_to() = 0;  // undoes it, buffered writes included, and ends that savepoint
};

class DeviceReader {
 public:
  virtual ~DeviceReader() = default;
  virtual std::optional<DeviceRecord> find_device(const DeviceKey& device) = 0;
  // Devices of a product ordered by name, after `after` (exclusive), at most `limit`.
  std::vector<DeviceRecord> list_devices(const std::string& product, const std::string& after, int limit,
                                         const std::optional<VersionFilter>& filter);
  // The same rows, one at a time, until `visit` returns false: a caller that
  // stops early never holds the rest in memory.
  virtual void visit_devices(const std::string& product, const std::string& after, int limit,
                             const std::optional<VersionFilter>& filter,
                             const std::function<bool(DeviceRecord&&)>& visit) = 0;
  virtual bool is_known(const DeviceKey& device) = 0;
  // The device's current value of a status key, if it reported one.
  virtual std::optional<std::string> device_version(const DeviceKey& device, const std::string& version_key) = 0;
};

class DeviceRepository : public DeviceReader {
 public:
  // Keeps the device's status and the versions in it. False, changing nothing,
  // when the status the device holds came with this message id.
  virtual bool save_status(const DeviceKey& device, const std::string& message_id, const StatusPayload& status,
                           int64_t at) = 0;
  // A hint, changing no answer: the calls that follow in this transaction save
  // statuses of these devices (a backend where each read is a round trip reads
  // what it needs of them at once).
  virtual void prefetch(const std::vector<DeviceKey>& /*devices*/) {}
};

class ProgressReader {
 public:
  virtual ~ProgressReader() = default;
  // The device's newest progress reports, newest first.
  virtual std::vector<ProgressRecord> recent_progress(const DeviceKey& device, int limit) = 0;
};

class ProgressRepository : public ProgressReader {
 public:
  // Each device keeps its last `progress_history` reports; the oldest go as new ones come.
  virtual void append_progress(const DeviceKey& device, const std::string& message_id,
                               const ProgressPayload& progress, int64_t at) = 0;
  // The ids of the device's newest progress reports, newest first: at least the
  // last kRecentIdsPerDevice, even past progress_history (duplicate detection).
  virtual std::vector<std::string> recent_progress_ids(const DeviceKey& device, int limit) = 0;
  // The same for each of `devices`, in their order (a backend where each read
  // is a round trip answers them all in one).
  virtual std::vector<std::vector<std::string>> recent_progress_ids(const std::vector<DeviceKey>& devices, int limit);
};


class JobReader {
 public:
  virtual ~JobReader() = default;
  virtual std::optional<Job> find_job(const std::string& id) = 0;
  // Newest first, older than `before_seq` (0: from the newest).
  virtual std::vector<Job> list_jobs(const std::optional<std::string>& product, const std::optional<JobState>& state,
                                     int64_t before_seq, int limit) = 0;
};

class JobRepository : public JobReader {
 public:
  virtual void insert_job(Job& job) = 0;  // assigns seq, above every job's before it
  virtual std::vector<Job> in_progress_jobs() = 0;
  virtual void set_job_state(const std::string& id, JobState state, std::optional<int64_t> finished_at) = 0;
  virtual void set_next_send_at(const std::string& id, int64_t at) = 0;
  virtual void set_fill_cursor(const std::string& id, const std::optional<std::string>& cursor) = 0;
  virtual std::vector<std::string> expired_job_ids(int64_t now_ms) = 0;
  // Aborted jobs whose queued executions are still being canceled.
  virtual std::vector<std::string> aborted_job_ids_with_queued() = 0;
  // Moves one execution between states in the job's counts (from empty: a new execution).
  void count_change(const std::string& job_id, std::optional<ExecState> from, ExecState to);
  virtual void add_to_count(const std::string& job_id, ExecState state, int64_t n) = 0;
  // Unfinished executions of all jobs, from the jobs' counts.
  virtual int64_t unfinished_execution_count() = 0;
};

class ExecutionReader {
 public:
  virtual ~ExecutionReader() = default;
  virtual std::optional<Execution> find_execution(const std::string& job_id, const std::string& device) = 0;
  // Newest first.
  virtual std::vector<Execution> recent_executions(const DeviceKey& device, int limit) = 0;
  // A job's executions ordered by device, after `after_device`, in `state` when given.
  virtual std::vector<Execution> job_executions(const std::string& job_id, const std::optional<ExecState>& state,
                                                const std::string& after_device, int limit) = 0;
};

class ExecutionRepository : public ExecutionReader {
 public:
  virtual void insert_execution(Execution& e) = 0;  // assigns id
  virtual void update_execution(const Execution& e) = 0;
  // The device's unfinished executions, oldest first.
  virtual std::vector<Execution> unfinished_executions(const DeviceKey& device) = 0;
  // Those a status report can still move (awaits_status), oldest first.
  virtual std::vector<Execution> executions_awaiting_status(const DeviceKey& device) = 0;
  // Devices of the product with an unfinished execution of this type (once per such execution).
  virtual std::vector<std::string> busy_devices(const std::string& product, const std::string& type) = 0;
  // Oldest due first, at most `limit`.
  virtual std::vector<Execution> due_for_resend(int64_t now_ms, int limit) = 0;
  virtual std::vector<Execution> past_deadline(int64_t now_ms, int limit) = 0;

  // A job over a whole product (createUpgrade without devices). A device of the
  // product is a target when is_fleet_target() says so (ota/targeting.h): it
  // is not at the target version, is in fromVersions when given, and has no
  // unfinished execution of the job's type.
  virtual TargetCounts count_fleet_targets(const Job& job) = 0;
  // The device that ends a chunk of `chunk` devices after `after`; none when fewer remain.
  virtual std::optional<std::string> fleet_chunk_end(const std::string& product, const std::string& after,
                                                     int chunk) = 0;
  // Queued executions for the targets in (after, upto] (upto none: to the end); returns how many.
  virtual int64_t insert_fleet_chunk(const Job& job, const std::string& after,
                                     const std::optional<std::string>& upto, int64_t now) = 0;
  // A hint, changing no answer: the calls that follow in this transaction ask
  // about these devices' unfinished executions (a backend where each read is
  // a round trip reads them all at once).
  virtual void prefetch(const std::vector<DeviceKey>& /*devices*/) {}
};

class HistoryReader {
 public:
  virtual ~HistoryReader() = default;
  // Oldest first.
  virtual std::vector<HistoryEntry> history(int64_t execution_id) = 0;
  // Newest first, older than entry `before_id` (0: from the newest), at most `limit`.
  virtual std::vector<HistoryEntry> history_page(int64_t execution_id, int64_t before_id, int limit) = 0;
};

class HistoryRepository : public HistoryReader {
 public:
  // Keeps the execution's newest kExecutionHistoryKept entries.
  virtual void append_history(int64_t execution_id, const HistoryEntry& entry) = 0;
};

// The answers given to admin requests that changed state, by request key, so
// that a repeated QoS 2 request gets the same answer (runtime/admin_replay.h).
class AdminRequestRepository {
 public:
  virtual ~AdminRequestRepository() = default;
  // The answer remembered for `key` at or after `since_ms`, if any.
  virtual std::optional<std::string> answer_of(const std::string& key, int64_t since_ms) = 0;
  virtual void remember(const std::string& key, const std::string& response, int64_t at_ms) = 0;
  virtual void forget_before(int64_t ms) = 0;
};

// What admin queries read.
struct StoreReaders {
  DeviceReader& devices;
  ProgressReader& progress;
  JobReader& jobs;
  ExecutionReader& executions;
  HistoryReader& history;
};

// What the worker thread reads and writes, inside its transactions.
struct Repositories {
  Transactions& transactions;
  DeviceRepository& devices;
  ProgressRepository& progress;
  JobRepository& jobs;
  ExecutionRepository& executions;
  HistoryRepository& history;
  AdminRequestRepository& admin_requests;

  StoreReaders readers() const { return {devices, progress, jobs, executions, history}; }
};

// A backend as a whole, as the worker thread drives it: its repositories and
// transactions, and the upkeep it needs between transactions.
class Store {
 public:
  virtual ~Store() = default;
  virtual Repositories repositories() = 0;
  // Called by the worker when it starts and between its transactions (SQLite:
  // WAL checkpoints, on a thread of their own). Why the last upkeep failed,
  // once; empty when it did not. Never throws.
  virtual std::string upkeep() = 0;
  // What the log calls it: the file, or the URL without its password.
  virtual std::string name() const = 0;
  // A store several brokers share (store/cluster.h); none for one broker's own.
  virtual ClusterRepository* cluster() { return nullptr; }
};

}  // namespace ota
