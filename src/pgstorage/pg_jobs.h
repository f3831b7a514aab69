#pragma once
// Upgrade jobs and their execution counts, in PostgreSQL. Within a
// transaction the count changes are held back (a PgBuffer) and written in one
// statement per job, and each job is read once: every execution that moves
// changes its job's counts, and most read them back (is the job over?).
#include <array>
#include <map>
#include <unordered_map>

#include "pgstorage/pg_connection.h"
#include "store/repositories.h"

namespace ota {

class PgJobs : public JobRepository, public PgBuffer {
 public:
  explicit PgJobs(PgConnection& db);
  PgJobs(const PgJobs&) = delete;
  PgJobs& operator=(const PgJobs&) = delete;

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

  bool empty() const override { return held_.empty(); }
  void flush() override;
  void discard() override;

 private:
  using Counts = std::array<int64_t, kExecStateCount>;
  // A job read in this transaction, as it is now (held changes included).
  Job* known(const std::string& id);

  PgConnection& db_;
  std::map<std::string, Counts> held_;  // count changes by job, in id order
  std::unordered_map<std::string, Job> known_;
};

}  // namespace ota
