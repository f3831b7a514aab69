#pragma once
// The executions of jobs, one per device and job, and the targets of a job over a whole product, in SQLite.
#include <memory>

#include "storage/sqlite.h"
#include "store/repositories.h"

namespace ota {

class SqliteExecutions : public ExecutionRepository {
 public:
  explicit SqliteExecutions(Db& db);
  ~SqliteExecutions() override;

  std::optional<Execution> find_execution(const std::string& job_id, const std::string& device) override;
  std::vector<Execution> recent_executions(const DeviceKey& device, int limit) override;
  std::vector<Execution> job_executions(const std::string& job_id, const std::optional<ExecState>& state,
                                        const std::string& after_device, int limit) override;
  void insert_execution(Execution& e) override;
  void update_execution(const Execution& e) override;
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
  struct Statements;
  std::unique_ptr<Statements> st_;
};

}  // namespace ota
