#pragma once
// Executions of jobs on devices, and the fleet queries of a job over a whole
// product, in PostgreSQL.
#include "pgstorage/pg_connection.h"
#include "store/repositories.h"

namespace ota {

class PgExecutions : public ExecutionRepository {
 public:
  explicit PgExecutions(PgConnection& db) : db_(db) {}

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

 private:
  PgConnection& db_;
};

}  // namespace ota
