#include "storage/job_store.h"

#include "protocol/json.h"

#include <string>

namespace ota {
namespace {

constexpr const char* kJobColumns =
    "id, seq, product, type, version, version_key, url, md5, size, sha256, from_versions, timeout_seconds, "
    "expires_at, state, created_at, finished_at, n_queued, n_sent, n_downloading, n_installing, n_succeeded, "
    "n_failed, n_timed_out, n_canceled, max_per_minute, next_send_at, abort_failure_percent, abort_min_finished, "
    "dynamic, fill_cursor";

constexpr const char* kExecutionColumns =
    "id, job_id, product, device, type, version, version_key, request_id, state, reason, progress, desc, "
    "created_at, updated_at, first_sent_at, last_sent_at, resends, deadline_at, next_resend_at";

// No unfinished execution of the job's type (?5) for the device d: the busy check.
#define OTA_NOT_BUSY_SQL                                                                               \
  "NOT EXISTS (SELECT 1 FROM executions e WHERE e.product = d.product AND e.type = ?5 "             \
  "AND e.device = d.device AND e.state IN ('queued', 'sent', 'downloading', 'installing'))"

std::string select_jobs(const char* where_and_order) {
  return std::string("SELECT ") + kJobColumns + " FROM jobs " + where_and_order;
}

std::string select_executions(const char* where_and_order) {
  return std::string("SELECT ") + kExecutionColumns + " FROM executions " + where_and_order;
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

std::optional<std::string> non_empty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
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
  return j;
}

Execution read_execution(const Statement& s) {
  Execution e;
  e.id = s.int_at(0);
  e.job_id = s.text_at(1);
  e.device = {s.text_at(2), s.text_at(3)};
  e.type = s.text_at(4);
  e.version = s.text_at(5);
  e.version_key = s.text_at(6);
  e.request_id = s.text_at(7);
  e.state = exec_state_from(s.text_at(8)).value_or(ExecState::Queued);
  e.reason = s.text_at(9);
  if (auto p = s.optional_int_at(10)) e.progress = static_cast<int>(*p);
  e.desc = s.text_at(11);
  e.created_at = s.int_at(12);
  e.updated_at = s.int_at(13);
  e.first_sent_at = s.optional_int_at(14);
  e.last_sent_at = s.optional_int_at(15);
  e.resends = static_cast<int>(s.int_at(16));
  e.deadline_at = s.optional_int_at(17);
  e.next_resend_at = s.optional_int_at(18);
  return e;
}

template <typename Read>
auto read_all(Statement& s, Read read) {
  std::vector<decltype(read(s))> out;
  while (s.step()) out.push_back(read(s));
  return out;
}

}  // namespace

const char* to_string(JobState s) {
  switch (s) {
    case JobState::InProgress:
      return "in_progress";
    case JobState::Completed:
      return "completed";
    case JobState::Canceled:
      return "canceled";
    default:
      return "aborted";
  }
}

std::optional<JobState> job_state_from(std::string_view s) {
  for (JobState st : {JobState::InProgress, JobState::Completed, JobState::Canceled, JobState::Aborted}) {
    if (s == to_string(st)) return st;
  }
  return std::nullopt;
}

int64_t Job::total() const {
  int64_t n = 0;
  for (int64_t c : counts) n += c;
  return n;
}

bool Job::abort_threshold_crossed() const {
  if (!spec.abort_failure_percent || !spec.abort_min_finished) return false;
  int64_t bad = count(ExecState::Failed) + count(ExecState::TimedOut);
  int64_t finished = bad + count(ExecState::Succeeded);
  return finished >= *spec.abort_min_finished && bad * 100.0 > *spec.abort_failure_percent * finished;
}

int64_t Job::unfinished() const {
  int64_t n = 0;
  for (int i = 0; i < kExecStateCount; ++i) {
    if (!is_final(static_cast<ExecState>(i))) n += counts[static_cast<size_t>(i)];
  }
  return n;
}

struct JobStore::Statements {
  explicit Statements(Db& db)
      : insert_job(db,
                   "INSERT INTO jobs (id, seq, product, type, version, version_key, url, md5, size, sha256, "
                   "from_versions, timeout_seconds, expires_at, state, created_at, max_per_minute, "
                   "abort_failure_percent, abort_min_finished, dynamic) "
                   "VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                   "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) RETURNING seq"),
        in_progress_jobs(db, select_jobs("WHERE state = 'in_progress' ORDER BY seq").c_str()),
        unfinished_count(db,
                         "SELECT COALESCE(SUM(n_queued + n_sent + n_downloading + n_installing), 0) FROM jobs"),
        set_next_send_at(db, "UPDATE jobs SET next_send_at = ?2 WHERE id = ?1"),
        fleet_counts(db,
                     "SELECT COUNT(*), "
                     "COALESCE(SUM(v.version IS NOT NULL AND v.version = ?3), 0), "
                     "COALESCE(SUM((v.version IS NULL OR v.version <> ?3) AND ?4 IS NOT NULL AND "
                     "  (v.version IS NULL OR v.version NOT IN (SELECT value FROM json_each(?4)))), 0), "
                     "COALESCE(SUM((v.version IS NULL OR v.version <> ?3) AND "
                     "  (?4 IS NULL OR v.version IN (SELECT value FROM json_each(?4))) AND " OTA_NOT_BUSY_SQL "), 0) "
                     "FROM devices d LEFT JOIN device_versions v "
                     "ON v.product = d.product AND v.device = d.device AND v.version_key = ?2 "
                     "WHERE d.product = ?1"),
        fleet_chunk_end(db,
                        "SELECT device FROM devices WHERE product = ?1 AND device > ?2 ORDER BY device "
                        "LIMIT 1 OFFSET ?3"),
        insert_fleet(db,
                     "INSERT OR IGNORE INTO executions (job_id, product, device, type, version, version_key, "
                     "request_id, state, created_at, updated_at) "
                     "SELECT ?1, d.product, d.device, ?5, ?3, ?2, lower(hex(randomblob(12))), 'queued', ?6, ?6 "
                     "FROM devices d LEFT JOIN device_versions v "
                     "ON v.product = d.product AND v.device = d.device AND v.version_key = ?2 "
                     "WHERE d.product = ?7 AND d.device > ?8 AND d.device <= ?9 "
                     "AND (v.version IS NULL OR v.version <> ?3) "
                     "AND (?4 IS NULL OR v.version IN (SELECT value FROM json_each(?4))) AND " OTA_NOT_BUSY_SQL " "
                     "ORDER BY d.device"),
        set_fill_cursor(db, "UPDATE jobs SET fill_cursor = ?2 WHERE id = ?1"),
        busy_devices(db,
                     "SELECT device FROM executions WHERE product = ?1 AND type = ?2 AND state IN "
                     "('queued', 'sent', 'downloading', 'installing')"),
        find_job(db, select_jobs("WHERE id = ?1").c_str()),
        list_jobs(db, select_jobs("WHERE (?1 IS NULL OR product = ?1) AND (?2 IS NULL OR state = ?2) "
                                  "AND seq < ?3 ORDER BY seq DESC LIMIT ?4")
                          .c_str()),
        expired_jobs(db,
                     "SELECT id FROM jobs WHERE state = 'in_progress' AND expires_at IS NOT NULL "
                     "AND expires_at <= ?1"),
        aborted_with_queued(db, "SELECT id FROM jobs WHERE state = 'aborted' AND n_queued > 0"),
        set_job_state(db, "UPDATE jobs SET state = ?2, finished_at = ?3 WHERE id = ?1"),
        insert_execution(db,
                         "INSERT INTO executions (job_id, product, device, type, version, version_key, request_id, "
                         "state, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) RETURNING id"),
        update_execution(db,
                         "UPDATE executions SET state = ?2, reason = ?3, progress = ?4, desc = ?5, updated_at = ?6, "
                         "first_sent_at = ?7, last_sent_at = ?8, resends = ?9, deadline_at = ?10, "
                         "next_resend_at = ?11 WHERE id = ?1"),
        find_execution(db, select_executions("WHERE job_id = ?1 AND device = ?2").c_str()),
        unfinished_executions(db, select_executions("WHERE product = ?1 AND device = ?2 AND state IN "
                                                    "('queued', 'sent', 'downloading', 'installing') ORDER BY id")
                                      .c_str()),
        awaiting_status(db, select_executions("WHERE product = ?1 AND device = ?2 AND state IN ('queued', 'sent', "
                                              "'downloading', 'installing', 'failed', 'timed_out') ORDER BY id")
                                .c_str()),
        recent_executions(db, select_executions("WHERE product = ?1 AND device = ?2 ORDER BY id DESC LIMIT ?3").c_str()),
        job_executions(db, select_executions("WHERE job_id = ?1 AND device > ?2 ORDER BY device LIMIT ?3").c_str()),
        job_executions_in_state(
            db, select_executions("WHERE job_id = ?1 AND state = ?2 AND device > ?3 ORDER BY device LIMIT ?4").c_str()),
        due_for_resend(db, select_executions("WHERE next_resend_at IS NOT NULL AND next_resend_at <= ?1 "
                                             "ORDER BY next_resend_at LIMIT ?2")
                               .c_str()),
        past_deadline(db, select_executions("WHERE deadline_at IS NOT NULL AND deadline_at <= ?1 "
                                            "ORDER BY deadline_at LIMIT ?2")
                              .c_str()),
        append_history(db,
                       "INSERT INTO execution_history (execution_id, at, event, state, progress, reason, desc) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
        count_history(db,
                      "UPDATE executions SET history_kept = history_kept + 1 WHERE id = ?1 RETURNING history_kept"),
        drop_oldest_history(db,
                            "DELETE FROM execution_history WHERE id IN (SELECT id FROM execution_history "
                            "WHERE execution_id = ?1 ORDER BY id LIMIT ?2)"),
        set_history_kept(db, "UPDATE executions SET history_kept = ?2 WHERE id = ?1"),
        history(db,
                "SELECT id, at, event, state, progress, reason, desc FROM execution_history WHERE execution_id = ?1 "
                "ORDER BY id"),
        history_page(db,
                     "SELECT id, at, event, state, progress, reason, desc FROM execution_history "
                     "WHERE execution_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3") {
    for (int i = 0; i < kExecStateCount; ++i) {
      // Column names come from the state names, never from input.
      std::string column = std::string("n_") + to_string(static_cast<ExecState>(i));
      std::string sql = "UPDATE jobs SET " + column + " = " + column + " + ?2 WHERE id = ?1";
      count.push_back(std::make_unique<Statement>(db, sql.c_str()));
    }
  }

  Statement insert_job, in_progress_jobs, unfinished_count, set_next_send_at, fleet_counts, fleet_chunk_end,
      insert_fleet, set_fill_cursor, busy_devices, find_job, list_jobs, expired_jobs, aborted_with_queued, set_job_state;
  Statement insert_execution, update_execution, find_execution, unfinished_executions, awaiting_status;
  Statement recent_executions;
  Statement job_executions, job_executions_in_state, due_for_resend, past_deadline;
  Statement append_history, count_history, drop_oldest_history, set_history_kept, history, history_page;
  std::vector<std::unique_ptr<Statement>> count;
};

JobStore::JobStore(Db& db) : st_(std::make_unique<Statements>(db)) {}
JobStore::~JobStore() = default;

void JobStore::insert_job(Job& job) {
  const JobSpec& s = job.spec;
  std::optional<std::string> from;
  if (s.from_versions) from = join_lines(*s.from_versions);
  auto& st = st_->insert_job.with(job.id, s.product, s.type, s.version, s.version_key, s.url, s.md5, s.size,
                                  non_empty(s.sha256), from, s.timeout_seconds, s.expires_at, to_string(job.state),
                                  job.created_at, s.max_per_minute, s.abort_failure_percent, s.abort_min_finished,
                                  s.dynamic);
  st.step();
  job.seq = st.int_at(0);
  st.run();
}

std::optional<Job> JobStore::find_job(const std::string& id) {
  auto& s = st_->find_job.with(id);
  if (!s.step()) return std::nullopt;
  Job job = read_job(s);
  s.finish();
  return job;
}

std::vector<Job> JobStore::list_jobs(const std::optional<std::string>& product, const std::optional<JobState>& state,
                                     int64_t before_seq, int limit) {
  std::optional<std::string> state_name;
  if (state) state_name = to_string(*state);
  auto& s = st_->list_jobs.with(product, state_name, before_seq > 0 ? before_seq : INT64_MAX, limit);
  return read_all(s, read_job);
}

std::vector<Job> JobStore::in_progress_jobs() { return read_all(st_->in_progress_jobs.with(), read_job); }

int64_t JobStore::unfinished_execution_count() {
  auto& s = st_->unfinished_count.with();
  s.step();
  int64_t n = s.int_at(0);
  s.finish();
  return n;
}

void JobStore::set_next_send_at(const std::string& id, int64_t at) { st_->set_next_send_at.with(id, at).run(); }

std::vector<std::string> JobStore::expired_job_ids(int64_t now_ms) {
  auto& s = st_->expired_jobs.with(now_ms);
  return read_all(s, [](const Statement& st) { return st.text_at(0); });
}

std::vector<std::string> JobStore::aborted_job_ids_with_queued() {
  return read_all(st_->aborted_with_queued.with(), [](const Statement& st) { return st.text_at(0); });
}

void JobStore::set_job_state(const std::string& id, JobState state, std::optional<int64_t> finished_at) {
  st_->set_job_state.with(id, to_string(state), finished_at).run();
}

void JobStore::count_change(const std::string& job_id, std::optional<ExecState> from, ExecState to) {
  if (from == to) return;
  if (from) add_to_count(job_id, *from, -1);
  add_to_count(job_id, to, 1);
}

void JobStore::add_to_count(const std::string& job_id, ExecState state, int64_t n) {
  st_->count[static_cast<size_t>(state)]->with(job_id, n).run();
}

namespace {

// fromVersions as a JSON array, for json_each(); none for any version.
std::optional<std::string> from_versions_json(const JobSpec& s) {
  if (!s.from_versions) return std::nullopt;
  rapidjson::Document versions(rapidjson::kArrayType);
  for (const auto& v : *s.from_versions) versions.PushBack(json_string(v, versions.GetAllocator()), versions.GetAllocator());
  return to_json(versions);
}

}  // namespace

JobStore::FleetTargets JobStore::count_fleet_targets(const Job& job) {
  const JobSpec& s = job.spec;
  auto& st = st_->fleet_counts.with(s.product, s.version_key, s.version, from_versions_json(s), s.type);
  st.step();
  FleetTargets t;
  int64_t total = st.int_at(0);
  t.already_at_version = st.int_at(1);
  t.not_in_from_versions = st.int_at(2);
  t.targeted = st.int_at(3);
  t.busy = total - t.already_at_version - t.not_in_from_versions - t.targeted;
  st.finish();
  return t;
}

std::optional<std::string> JobStore::fleet_chunk_end(const std::string& product, const std::string& after,
                                                     int chunk) {
  auto& st = st_->fleet_chunk_end.with(product, after, chunk - 1);
  if (!st.step()) return std::nullopt;
  std::string end = st.text_at(0);
  st.finish();
  return end;
}

int64_t JobStore::insert_fleet_chunk(const Job& job, const std::string& after, const std::optional<std::string>& upto,
                                     int64_t now) {
  const JobSpec& s = job.spec;
  // A bound on both sides, so that SQLite reads only the chunk's range ("IS NULL
  // OR" would make it read every device after it): none is past every name.
  static const std::string kPastEveryName = "\x7f";
  auto& st = st_->insert_fleet.with(job.id, s.version_key, s.version, from_versions_json(s), s.type, now, s.product,
                                    after, upto.value_or(kPastEveryName));
  st.run();
  return st.changes();
}

void JobStore::set_fill_cursor(const std::string& id, const std::optional<std::string>& cursor) {
  st_->set_fill_cursor.with(id, cursor).run();
}

std::vector<std::string> JobStore::busy_devices(const std::string& product, const std::string& type) {
  return read_all(st_->busy_devices.with(product, type), [](const Statement& s) { return s.text_at(0); });
}

void JobStore::insert_execution(Execution& e) {
  auto& st = st_->insert_execution.with(e.job_id, e.device.product, e.device.device, e.type, e.version,
                                        e.version_key, e.request_id, to_string(e.state), e.created_at);
  st.step();
  e.id = st.int_at(0);
  st.run();
}

void JobStore::update_execution(const Execution& e) {
  std::optional<int64_t> progress;
  if (e.progress) progress = *e.progress;
  st_->update_execution
      .with(e.id, to_string(e.state), non_empty(e.reason), progress, non_empty(e.desc), e.updated_at,
            e.first_sent_at, e.last_sent_at, e.resends, e.deadline_at, e.next_resend_at)
      .run();
}

std::optional<Execution> JobStore::find_execution(const std::string& job_id, const std::string& device) {
  auto& s = st_->find_execution.with(job_id, device);
  if (!s.step()) return std::nullopt;
  Execution e = read_execution(s);
  s.finish();
  return e;
}

std::vector<Execution> JobStore::unfinished_executions(const DeviceKey& device) {
  return read_all(st_->unfinished_executions.with(device.product, device.device), read_execution);
}

std::vector<Execution> JobStore::executions_awaiting_status(const DeviceKey& device) {
  return read_all(st_->awaiting_status.with(device.product, device.device), read_execution);
}

std::vector<Execution> JobStore::recent_executions(const DeviceKey& device, int limit) {
  return read_all(st_->recent_executions.with(device.product, device.device, limit), read_execution);
}

std::vector<Execution> JobStore::job_executions(const std::string& job_id, const std::optional<ExecState>& state,
                                                const std::string& after_device, int limit) {
  if (state) {
    return read_all(st_->job_executions_in_state.with(job_id, to_string(*state), after_device, limit),
                    read_execution);
  }
  return read_all(st_->job_executions.with(job_id, after_device, limit), read_execution);
}

std::vector<Execution> JobStore::due_for_resend(int64_t now_ms, int limit) {
  return read_all(st_->due_for_resend.with(now_ms, limit), read_execution);
}

std::vector<Execution> JobStore::past_deadline(int64_t now_ms, int limit) {
  return read_all(st_->past_deadline.with(now_ms, limit), read_execution);
}

void JobStore::append_history(int64_t execution_id, const HistoryEntry& h) {
  std::optional<int64_t> progress;
  if (h.progress) progress = *h.progress;
  st_->append_history.with(execution_id, h.at, h.event, h.state, progress, non_empty(h.reason), non_empty(h.desc))
      .run();
  // The oldest entries past the limit go as the new one arrives: one indexed delete.
  auto& count = st_->count_history.with(execution_id);
  const int64_t kept = count.step() ? count.int_at(0) : 0;
  count.run();
  if (kept > kExecutionHistoryKept) {
    st_->drop_oldest_history.with(execution_id, kept - kExecutionHistoryKept).run();
    st_->set_history_kept.with(execution_id, kExecutionHistoryKept).run();
  }
}

namespace {

HistoryEntry read_history_entry(const Statement& s) {
  HistoryEntry h;
  h.id = s.int_at(0);
  h.at = s.int_at(1);
  h.event = s.text_at(2);
  h.state = s.text_at(3);
  if (auto p = s.optional_int_at(4)) h.progress = static_cast<int>(*p);
  h.reason = s.text_at(5);
  h.desc = s.text_at(6);
  return h;
}

}  // namespace

std::vector<HistoryEntry> JobStore::history(int64_t execution_id) {
  return read_all(st_->history.with(execution_id), read_history_entry);
}

std::vector<HistoryEntry> JobStore::history_page(int64_t execution_id, int64_t before_id, int limit) {
  return read_all(st_->history_page.with(execution_id, before_id > 0 ? before_id : INT64_MAX, limit),
                  read_history_entry);
}

}  // namespace ota
