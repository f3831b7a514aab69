#include "storage/jobs.h"

#include <cstdint>

#include "storage/rows.h"

namespace ota {
namespace {

constexpr const char* kJobColumns =
    "id, seq, product, type, version, version_key, url, md5, size, sha256, from_versions, timeout_seconds, "
    "expires_at, state, created_at, finished_at, n_queued, n_sent, n_downloading, n_installing, n_succeeded, "
    "n_failed, n_timed_out, n_canceled, max_per_minute, next_send_at, abort_failure_percent, abort_min_finished, "
    "dynamic, fill_cursor, image_signature";

std::string select_jobs(const char* where_and_order) {
  return std::string("SELECT ") + kJobColumns + " FROM jobs " + where_and_order;
}

// Versions never hold control bytes, so a newline separates them safely.
std::string join_lines(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += '\n';
    out += item;
  }
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

Job read_job(const Statement& s) {
  Job j;
  j.id = s.text_at(0);
  j.seq = s.int_at(1);
  j.spec.product = s.text_at(2);
  j.spec.type = s.text_at(3);
  j.spec.version = s.text_at(4);
  j.spec.version_key = s.text_at(5);
  j.spec.url = s.text_at(6);
  j.spec.md5 = s.text_at(7);
  j.spec.size = s.int_at(8);
  j.spec.sha256 = s.text_at(9);
  if (!s.null_at(10)) j.spec.from_versions = split_lines(s.text_at(10));
  j.spec.timeout_seconds = s.int_at(11);
  j.spec.expires_at = s.optional_int_at(12);
  j.state = job_state_from(s.text_at(13)).value_or(JobState::InProgress);
  j.created_at = s.int_at(14);
  j.finished_at = s.optional_int_at(15);
  for (int i = 0; i < kExecStateCount; ++i) j.counts[static_cast<size_t>(i)] = s.int_at(16 + i);
  j.spec.max_per_minute = s.optional_int_at(24);
  j.next_send_at = s.optional_int_at(25);
  j.spec.abort_failure_percent = s.optional_double_at(26);
  j.spec.abort_min_finished = s.optional_int_at(27);
  j.spec.dynamic = s.int_at(28) != 0;
  if (!s.null_at(29)) j.fill_cursor = s.text_at(29);
  j.spec.image_signature = s.text_at(30);
  return j;
}

}  // namespace

struct SqliteJobs::Statements {
  explicit Statements(Db& db)
      : insert_job(db,
                   "INSERT INTO jobs (id, seq, product, type, version, version_key, url, md5, size, sha256, "
                   "from_versions, timeout_seconds, expires_at, state, created_at, max_per_minute, "
                   "abort_failure_percent, abort_min_finished, dynamic, image_signature) "
                   "VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                   "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) RETURNING seq"),
        in_progress_jobs(db, select_jobs("WHERE state = 'in_progress' ORDER BY seq").c_str()),
        unfinished_count(db, unfinished_count_sql().c_str()),
        set_next_send_at(db, "UPDATE jobs SET next_send_at = ?2 WHERE id = ?1"),
        set_fill_cursor(db, "UPDATE jobs SET fill_cursor = ?2 WHERE id = ?1"),
        find_job(db, select_jobs("WHERE id = ?1").c_str()),
        list_jobs(db, select_jobs("WHERE (?1 IS NULL OR product = ?1) AND (?2 IS NULL OR state = ?2) "
                                  "AND seq < ?3 ORDER BY seq DESC LIMIT ?4")
                          .c_str()),
        expired_jobs(db,
                     "SELECT id FROM jobs WHERE state = 'in_progress' AND expires_at IS NOT NULL "
                     "AND expires_at <= ?1"),
        aborted_with_queued(db, "SELECT id FROM jobs WHERE state = 'aborted' AND n_queued > 0"),
        set_job_state(db, "UPDATE jobs SET state = ?2, finished_at = ?3 WHERE id = ?1") {
    for (int i = 0; i < kExecStateCount; ++i) {
      std::string column = count_column(static_cast<ExecState>(i));
      std::string sql = "UPDATE jobs SET " + column + " = " + column + " + ?2 WHERE id = ?1";
      count.push_back(std::make_unique<Statement>(db, sql.c_str()));
    }
  }

  // A job's count of executions in a state: the column n_{state}. Column
  // names come from the state names, never from input.
  static std::string count_column(ExecState s) { return std::string("n_") + to_string(s); }
  static std::string unfinished_count_sql() {
    std::string sum;
    for (ExecState s : states_where(is_unfinished)) sum += (sum.empty() ? "" : " + ") + count_column(s);
    return "SELECT COALESCE(SUM(" + sum + "), 0) FROM jobs";
  }

  Statement insert_job, in_progress_jobs, unfinished_count, set_next_send_at, set_fill_cursor, find_job, list_jobs,
      expired_jobs, aborted_with_queued, set_job_state;
  std::vector<std::unique_ptr<Statement>> count;
};

SqliteJobs::SqliteJobs(Db& db) : st_(std::make_unique<Statements>(db)) {}
SqliteJobs::~SqliteJobs() = default;

void SqliteJobs::insert_job(Job& job) {
  const JobSpec& s = job.spec;
  std::optional<std::string> from;
  if (s.from_versions) from = join_lines(*s.from_versions);
  auto& st = st_->insert_job.with(job.id, s.product, s.type, s.version, s.version_key, s.url, s.md5, s.size,
                                  non_empty(s.sha256), from, s.timeout_seconds, s.expires_at, to_string(job.state),
                                  job.created_at, s.max_per_minute, s.abort_failure_percent, s.abort_min_finished,
                                  s.dynamic, non_empty(s.image_signature));
  st.step();
  job.seq = st.int_at(0);
  st.run();
}

std::optional<Job> SqliteJobs::find_job(const std::string& id) {
  auto& s = st_->find_job.with(id);
  if (!s.step()) return std::nullopt;
  Job job = read_job(s);
  s.finish();
  return job;
}

std::vector<Job> SqliteJobs::list_jobs(const std::optional<std::string>& product, const std::optional<JobState>& state,
                                     int64_t before_seq, int limit) {
  std::optional<std::string> state_name;
  if (state) state_name = to_string(*state);
  auto& s = st_->list_jobs.with(product, state_name, before_seq > 0 ? before_seq : INT64_MAX, limit);
  return read_all(s, read_job);
}

std::vector<Job> SqliteJobs::in_progress_jobs() { return read_all(st_->in_progress_jobs.with(), read_job); }

int64_t SqliteJobs::unfinished_execution_count() {
  auto& s = st_->unfinished_count.with();
  s.step();
  int64_t n = s.int_at(0);
  s.finish();
  return n;
}

void SqliteJobs::set_next_send_at(const std::string& id, int64_t at) { st_->set_next_send_at.with(id, at).run(); }

std::vector<std::string> SqliteJobs::expired_job_ids(int64_t now_ms) {
  auto& s = st_->expired_jobs.with(now_ms);
  return read_all(s, [](const Statement& st) { return st.text_at(0); });
}

std::vector<std::string> SqliteJobs::aborted_job_ids_with_queued() {
  return read_all(st_->aborted_with_queued.with(), [](const Statement& st) { return st.text_at(0); });
}

void SqliteJobs::set_job_state(const std::string& id, JobState state, std::optional<int64_t> finished_at) {
  st_->set_job_state.with(id, to_string(state), finished_at).run();
}

void SqliteJobs::add_to_count(const std::string& job_id, ExecState state, int64_t n) {
  st_->count[static_cast<size_t>(state)]->with(job_id, n).run();
}

void SqliteJobs::set_fill_cursor(const std::string& id, const std::optional<std::string>& cursor) {
  st_->set_fill_cursor.with(id, cursor).run();
}

}  // namespace ota
