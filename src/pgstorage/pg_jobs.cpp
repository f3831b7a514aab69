#include "pgstorage/pg_jobs.h"

#include <cstdint>

#include "pgstorage/pg_rows.h"
#include "protocol/json.h"

namespace ota {
namespace {

// from_versions comes back as JSON: PostgreSQL's array text form has quoting
// rules of its own, JSON's are the ones this project already reads.
constexpr const char* kJobColumns =
    "id, seq, product, type, version, version_key, url, md5, size, sha256, array_to_json(from_versions)::text, "
    "timeout_seconds, expires_at, state, created_at, finished_at, n_queued, n_sent, n_downloading, n_installing, "
    "n_succeeded, n_failed, n_timed_out, n_canceled, max_per_minute, next_send_at, abort_failure_percent, "
    "abort_min_finished, dynamic, fill_cursor, image_signature";

std::string select_jobs(const char* where_and_order) {
  return std::string("SELECT ") + kJobColumns + " FROM jobs " + where_and_order;
}

std::vector<std::string> strings_of(const std::string& json_array) {
  rapidjson::Document doc;
  std::vector<std::string> out;
  rapidjson::Value v = parse_json(json_array, doc.GetAllocator());
  if (!v.IsArray()) return out;
  for (const auto& item : v.GetArray()) {
    if (item.IsString()) out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

Job read_job(const PgResult& r, int i) {
  Job j;
  j.id = r.text_at(i, 0);
  j.seq = r.int_at(i, 1);
  j.spec.product = r.text_at(i, 2);
  j.spec.type = r.text_at(i, 3);
  j.spec.version = r.text_at(i, 4);
  j.spec.version_key = r.text_at(i, 5);
  j.spec.url = r.text_at(i, 6);
  j.spec.md5 = r.text_at(i, 7);
  j.spec.size = r.int_at(i, 8);
  j.spec.sha256 = r.text_at(i, 9);
  // array_to_json of an empty array is "[]"; of NULL, NULL.
  if (!r.null_at(i, 10)) j.spec.from_versions = strings_of(r.text_at(i, 10));
  j.spec.timeout_seconds = r.int_at(i, 11);
  j.spec.expires_at = r.optional_int_at(i, 12);
  j.state = job_state_from(r.text_at(i, 13)).value_or(JobState::InProgress);
  j.created_at = r.int_at(i, 14);
  j.finished_at = r.optional_int_at(i, 15);
  for (int s = 0; s < kExecStateCount; ++s) j.counts[static_cast<size_t>(s)] = r.int_at(i, 16 + s);
  j.spec.max_per_minute = r.optional_int_at(i, 24);
  j.next_send_at = r.optional_int_at(i, 25);
  j.spec.abort_failure_percent = r.optional_double_at(i, 26);
  j.spec.abort_min_finished = r.optional_int_at(i, 27);
  j.spec.dynamic = r.bool_at(i, 28);
  if (!r.null_at(i, 29)) j.fill_cursor = r.text_at(i, 29);
  j.spec.image_signature = r.text_at(i, 30);
  return j;
}

// A job's count of executions in a state: the column n_{state}. Column names
// come from the state names, never from input.
std::string count_column(ExecState s) { return std::string("n_") + to_string(s); }

// One job's changes to all its counts: $1 the job, $2.. one per state.
std::string add_counts_sql() {
  std::string sql = "UPDATE jobs SET ";
  for (int s = 0; s < kExecStateCount; ++s) {
    const std::string column = count_column(static_cast<ExecState>(s));
    sql += (s ? ", " : "") + column + " = " + column + " + $" + std::to_string(s + 2);
  }
  return sql + " WHERE id = $1";
}

}  // namespace

PgJobs::PgJobs(PgConnection& db) : db_(db) { db_.add_buffer(*this, {"jobs"}); }

Job* PgJobs::known(const std::string& id) {
  auto it = known_.find(id);
  return it == known_.end() ? nullptr : &it->second;
}

void PgJobs::flush() {
  static const std::string sql = add_counts_sql();
  std::map<std::string, Counts> held;
  held.swap(held_);  // whatever happens: a failed statement fails the transaction
  for (const auto& [id, counts] : held) {
    std::vector<PgValue> values{id};
    for (int64_t n : counts) values.push_back(pg_value(n));
    db_.run_direct(sql, values);
  }
}

void PgJobs::discard() {
  held_.clear();
  known_.clear();
}

void PgJobs::insert_job(Job& job) {
  const JobSpec& s = job.spec;
  PgValue from;
  if (s.from_versions) from = pg_text_array(*s.from_versions);
  PgResult r = db_.query_direct(
      "INSERT INTO jobs (id, product, type, version, version_key, url, md5, size, sha256, from_versions, "
      "timeout_seconds, expires_at, state, created_at, max_per_minute, abort_failure_percent, abort_min_finished, "
      "dynamic, image_signature) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[], $11, $12, $13, $14, $15, "
      "$16, $17, $18, $19) RETURNING seq",
      job.id, s.product, s.type, s.version, s.version_key, s.url, s.md5, s.size, pg_non_empty(s.sha256), from,
      s.timeout_seconds, s.expires_at, to_string(job.state), job.created_at, s.max_per_minute,
      s.abort_failure_percent, s.abort_min_finished, s.dynamic, pg_non_empty(s.image_signature));
  job.seq = r.int_at(0, 0);
}

std::optional<Job> PgJobs::find_job(const std::string& id) {
  if (const Job* j = known(id)) return *j;
  PgResult r = db_.query(select_jobs("WHERE id = $1"), id);
  if (r.rows() == 0) return std::nullopt;
  Job j = read_job(r, 0);
  if (db_.in_transaction()) known_.emplace(id, j);
  return j;
}

std::vector<Job> PgJobs::list_jobs(const std::optional<std::string>& product, const std::optional<JobState>& state,
                                   int64_t before_seq, int limit) {
  std::optional<std::string> state_name;
  if (state) state_name = to_string(*state);
  return pg_read_all(db_.query(select_jobs("WHERE ($1::text IS NULL OR product = $1) AND "
                                           "($2::text IS NULL OR state = $2) AND seq < $3 "
                                           "ORDER BY seq DESC LIMIT $4"),
                               product, state_name, before_seq > 0 ? before_seq : INT64_MAX, limit),
                     read_job);
}

std::vector<Job> PgJobs::in_progress_jobs() {
  return pg_read_all(db_.query(select_jobs("WHERE state = 'in_progress' ORDER BY seq")), read_job);
}

// These write other columns than the counts: what is held back can wait.
void PgJobs::set_job_state(const std::string& id, JobState state, std::optional<int64_t> finished_at) {
  db_.query_direct("UPDATE jobs SET state = $2, finished_at = $3 WHERE id = $1", id, to_string(state), finished_at);
  if (Job* j = known(id)) {
    j->state = state;
    j->finished_at = finished_at;
  }
}

void PgJobs::set_next_send_at(const std::string& id, int64_t at) {
  db_.query_direct("UPDATE jobs SET next_send_at = $2 WHERE id = $1", id, at);
  if (Job* j = known(id)) j->next_send_at = at;
}

void PgJobs::set_fill_cursor(const std::string& id, const std::optional<std::string>& cursor) {
  db_.query_direct("UPDATE jobs SET fill_cursor = $2 WHERE id = $1", id, cursor);
  if (Job* j = known(id)) j->fill_cursor = cursor;
}

std::vector<std::string> PgJobs::expired_job_ids(int64_t now_ms) {
  return pg_texts(db_.query(
      "SELECT id FROM jobs WHERE state = 'in_progress' AND expires_at IS NOT NULL AND expires_at <= $1 ORDER BY seq",
      now_ms));
}

std::vector<std::string> PgJobs::aborted_job_ids_with_queued() {
  return pg_texts(db_.query("SELECT id FROM jobs WHERE state = 'aborted' AND n_queued > 0 ORDER BY seq"));
}

void PgJobs::add_to_count(const std::string& job_id, ExecState state, int64_t n) {
  const auto s = static_cast<size_t>(state);
  if (Job* j = known(job_id)) j->counts[s] += n;
  auto held = held_.try_emplace(job_id, Counts{});
  held.first->second[s] += n;
  // Outside a transaction each statement commits by itself: nothing waits.
  if (!db_.in_transaction()) flush();
}

int64_t PgJobs::unfinished_execution_count() {
  std::string sum;
  for (ExecState s : states_where(is_unfinished)) sum += (sum.empty() ? "" : " + ") + count_column(s);
  return db_.query("SELECT COALESCE(SUM(" + sum + "), 0) FROM jobs").int_at(0, 0);
}

}  // namespace ota
