#pragma once
// Upgrade jobs and their execution counts, in PostgreSQL.
#include "pgstorage/pg_connection.h"
#include "store/repositories.h"

namespace ota {

class PgJobs : public JobRepository {
 public:
  explicit PgJobs(PgConnection& db) : db_(db) {}

  void insert_job(Job& job) override;
  std::optional<Job> find_job(const std::string& id) override;
  std::vector<Job> list_jobs(const std::optional<std::string>& product, const std::optional<JobState>& state,
                             int64_t before_seq, int limit) override;
  std::vector<Job> in_progress_jobs() override;
  void set_job_state(const std::string& id, JobState state, std::optional<int64_t> finished_at) override;
  void set_next_send_at(const std::string& id, int64_t at) override;
  void set_fill_cursor(const std::string& id, const std::optional<std::string>& cursor) override;
  std::vector<std::string> expired_job_ids(int64_t now_ms) override;
  std::vector<std::string> aborted_job_ids_with_queued() override;
  void add_to_count(const std::string& job_id, ExecState state, int64_t n) override;
  int64_t unfinished_execution_count() override;

 private:
  PgConnection& db_;
};

}  // namespace ota
