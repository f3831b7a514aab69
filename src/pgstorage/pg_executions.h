#pragma once
// Executions of jobs on devices, and the fleet queries of a job over a whole
// product, in PostgreSQL. Within a transaction the updates are held back (a
// PgBuffer) and written in one statement whatever their number, and each
// device's executions that a report can still move are read once (or a batch
// of devices at once, prefetch()): a rollout reads and moves an execution at
// every report.
#include <map>
#include <unordered_map>
#include <vector>

#include "pgstorage/pg_connection.h"
#include "store/repositories.h"

namespace ota {

class PgExecutions : public ExecutionRepository, public PgBuffer {
 public:
  explicit PgExecutions(PgConnection& db);
  PgExecutions(const PgExecutions&) = delete;
  PgExecutions& operator=(const PgExecutions&) = delete;


  void insert_execution(Execution& e) override;
  void update_execution(const Execution& e) override;
  std::optional<Execution> find_execution(const std::string& job_id, const std::string& device) override;
  std::vector<Execution> recent_executions(const DeviceKey& device, int limit) override;
  std::vector<Execution> job_executions(const std::string& job_id, const std::optional<ExecState>& state,
                                        const std::string& after_device, int limit) override;
  std::vector<Execution> unfinished_executions(const DeviceKey& device) override;
  std::vector<Execution> executions_awaiting_status(const DeviceKey& device) override;
  std::vector<std::string> busy_devices(const std::string& product, const std::string& type) override;
  std::vector<Execution> due_for_resend(int64_t now_ms, int limit) override;
  std::vector<Execution> past_deadline(int64_t now_ms, int limit) override;

  TargetCounts count_fleet_targets(const Job& job) override;
  std::optional<std::string> fleet_chunk_end(const std::string& product, const std::string& after,
                                             int chunk) override;
  int64_t insert_fleet_chunk(const Job& job, const std::string& after, const std::optional<std::string>& upto,
                             int64_t now) override;
  void prefetch(const std::vector<DeviceKey>& devices) override;

  bool empty() const override { return held_.empty(); }
  void flush() override;
  void discard() override;

 private:
  using Open = std::vector<Execution>;  // a device's executions that await status, oldest first
  // The device's, as they are now in this transaction; read when first needed.
  const Open& open_of(const DeviceKey& device);
  // Reads those of `devices` (not known yet) in one statement.
  void load(const std::vector<DeviceKey>& devices);
  void remember(const Execution& e);
  void analyze_if_stale();
  // A fill inserts the executions of a whole fleet, far faster than
  // autovacuum's ANALYZE follows (a minute apart by default): planned on the
  // statistics of a table still empty, the timers' reads (past deadline, due
  // for resend) scanned every execution at each tick. So the fills analyze the
  // table themselves each time it doubled, on a small sample (a few ms even at
  // millions of rows): what the plans need is its size.
  void analyze_as_filled(int64_t added);

  PgConnection& db_;
  int64_t filled_ = 0;  // executions the fills inserted since the store opened
  int64_t analyze_when_filled_ = 10000;
  std::map<int64_t, Execution> held_;  // updates by id, written in id order
  std::unordered_map<DeviceKey, Open, DeviceKeyHash> open_;
};

}  // namespace ota
