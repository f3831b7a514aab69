#include "storage/executions.h"

#include <cstdint>

#include "protocol/json.h"
#include "storage/rows.h"

namespace ota {
namespace {

constexpr const char* kExecutionColumns =
    "id, job_id, product, device, type, version, version_key, request_id, state, reason, progress, desc, "
    "created_at, updated_at, first_sent_at, last_sent_at, resends, deadline_at, next_resend_at";

std::string select_executions(const std::string& where_and_order) {
  return std::string("SELECT ") + kExecutionColumns + " FROM executions " + where_and_order;
}

// No unfinished execution of the job's type (?5) for the device d: the busy check.
std::string not_busy_sql() {
  return "NOT EXISTS (SELECT 1 FROM executions e WHERE e.product = d.product AND e.type = ?5 "
         "AND e.device = d.device AND e.state IN " + sql_states(is_unfinished) + ")";
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

// fromVersions as a JSON array, for json_each(); none for any version.
std::optional<std::string> from_versions_json(const JobSpec& s) {
  if (!s.from_versions) return std::nullopt;
  rapidjson::Document versions(rapidjson::kArrayType);
  for (const auto& v : *s.from_versions) versions.PushBack(json_string(v, versions.GetAllocator()), versions.GetAllocator());
  return to_json(versions);
}

}  // namespace

struct SqliteExecutions::Statements {
  explicit Statements(Db& db)
      : fleet_counts(db,
                     ("SELECT COUNT(*), "
                      "COALESCE(SUM(v.version IS NOT NULL AND v.version = ?3), 0), "
                      "COALESCE(SUM((v.version IS NULL OR v.version <> ?3) AND ?4 IS NOT NULL AND "
                      "  (v.version IS NULL OR v.version NOT IN (SELECT value FROM json_each(?4)))), 0), "
                      "COALESCE(SUM((v.version IS NULL OR v.version <> ?3) AND "
                      "  (?4 IS NULL OR v.version IN (SELECT value FROM json_each(?4))) AND " + not_busy_sql() + "), 0) "
                      "FROM devices d LEFT JOIN device_versions v "
                      "ON v.product = d.product AND v.device = d.device AND v.version_key = ?2 "
                      "WHERE d.product = ?1").c_str()),
        fleet_chunk_end(db,
                        "SELECT device FROM devices WHERE product = ?1 AND device > ?2 ORDER BY device "
                        "LIMIT 1 OFFSET ?3"),
        insert_fleet(db,
                     ("INSERT OR IGNORE INTO executions (job_id, product, device, type, version, version_key, "
                      "request_id, state, created_at, updated_at) "
                      "SELECT ?1, d.product, d.device, ?5, ?3, ?2, lower(hex(randomblob(12))), 'queued', ?6, ?6 "
                      "FROM devices d LEFT JOIN device_versions v "
                      "ON v.product = d.product AND v.device = d.device AND v.version_key = ?2 "
                      "WHERE d.product = ?7 AND d.device > ?8 AND d.device <= ?9 "
                      "AND (v.version IS NULL OR v.version <> ?3) "
                      "AND (?4 IS NULL OR v.version IN (SELECT value FROM json_each(?4))) AND " + not_busy_sql() + " "
                      "ORDER BY d.device").c_str()),
        busy_devices(db, ("SELECT device FROM executions WHERE product = ?1 AND type = ?2 AND state IN " +
                          sql_states(is_unfinished)).c_str()),
        insert_execution(db,
                         "INSERT INTO executions (job_id, product, device, type, version, version_key, request_id, "
                         "state, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) RETURNING id"),
        update_execution(db,
                         "UPDATE executions SET state = ?2, reason = ?3, progress = ?4, desc = ?5, updated_at = ?6, "
                         "first_sent_at = ?7, last_sent_at = ?8, resends = ?9, deadline_at = ?10, "
                         "next_resend_at = ?11 WHERE id = ?1"),
        find_execution(db, select_executions("WHERE job_id = ?1 AND device = ?2").c_str()),
        unfinished_executions(db, select_executions("WHERE product = ?1 AND device = ?2 AND state IN " +
                                                    sql_states(is_unfinished) + " ORDER BY id")
                                      .c_str()),
        awaiting_status(db, select_executions("WHERE product = ?1 AND device = ?2 AND state IN " +
                                              sql_states(awaits_status) + " ORDER BY id")
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
                              .c_str()) {}

  Statement fleet_counts, fleet_chunk_end, insert_fleet, busy_devices;
  Statement insert_execution, update_execution, find_execution, unfinished_executions, awaiting_status;
  Statement recent_executions, job_executions, job_executions_in_state, due_for_resend, past_deadline;
};

SqliteExecutions::SqliteExecutions(Db& db) : st_(std::make_unique<Statements>(db)) {}
SqliteExecutions::~SqliteExecutions() = default;

TargetCounts SqliteExecutions::count_fleet_targets(const Job& job) {
  const JobSpec& s = job.spec;
  auto& st = st_->fleet_counts.with(s.product, s.version_key, s.version, from_versions_json(s), s.type);
  st.step();
  TargetCounts t;
  int64_t total = st.int_at(0);
  t.already_at_version = st.int_at(1);
  t.not_in_from_versions = st.int_at(2);
  t.targeted = st.int_at(3);
  t.busy = total - t.already_at_version - t.not_in_from_versions - t.targeted;
  st.finish();
  return t;
}

std::optional<std::string> SqliteExecutions::fleet_chunk_end(const std::string& product, const std::string& after,
                                                     int chunk) {
  auto& st = st_->fleet_chunk_end.with(product, after, chunk - 1);
  if (!st.step()) return std::nullopt;
  std::string end = st.text_at(0);
  st.finish();
  return end;
}

int64_t SqliteExecutions::insert_fleet_chunk(const Job& job, const std::string& after, const std::optional<std::string>& upto,
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

std::vector<std::string> SqliteExecutions::busy_devices(const std::string& product, const std::string& type) {
  return read_all(st_->busy_devices.with(product, type), [](const Statement& s) { return s.text_at(0); });
}

void SqliteExecutions::insert_execution(Execution& e) {
  auto& st = st_->insert_execution.with(e.job_id, e.device.product, e.device.device, e.type, e.version,
                                        e.version_key, e.request_id, to_string(e.state), e.created_at);
  st.step();
  e.id = st.int_at(0);
  st.run();
}

void SqliteExecutions::update_execution(const Execution& e) {
  std::optional<int64_t> progress;
  if (e.progress) progress = *e.progress;
  st_->update_execution
      .with(e.id, to_string(e.state), non_empty(e.reason), progress, non_empty(e.desc), e.updated_at,
            e.first_sent_at, e.last_sent_at, e.resends, e.deadline_at, e.next_resend_at)
      .run();
}

std::optional<Execution> SqliteExecutions::find_execution(const std::string& job_id, const std::string& device) {
  auto& s = st_->find_execution.with(job_id, device);
  if (!s.step()) return std::nullopt;
  Execution e = read_execution(s);
  s.finish();
  return e;
}

std::vector<Execution> SqliteExecutions::unfinished_executions(const DeviceKey& device) {
  return read_all(st_->unfinished_executions.with(device.product, device.device), read_execution);
}

std::vector<Execution> SqliteExecutions::executions_awaiting_status(const DeviceKey& device) {
  return read_all(st_->awaiting_status.with(device.product, device.device), read_execution);
}

std::vector<Execution> SqliteExecutions::recent_executions(const DeviceKey& device, int limit) {
  return read_all(st_->recent_executions.with(device.product, device.device, limit), read_execution);
}

std::vector<Execution> SqliteExecutions::job_executions(const std::string& job_id, const std::optional<ExecState>& state,
                                                const std::string& after_device, int limit) {
  if (state) {
    return read_all(st_->job_executions_in_state.with(job_id, to_string(*state), after_device, limit),
                    read_execution);
  }
  return read_all(st_->job_executions.with(job_id, after_device, limit), read_execution);
}

std::vector<Execution> SqliteExecutions::due_for_resend(int64_t now_ms, int limit) {
  return read_all(st_->due_for_resend.with(now_ms, limit), read_execution);
}

std::vector<Execution> SqliteExecutions::past_deadline(int64_t now_ms, int limit) {
  return read_all(st_->past_deadline.with(now_ms, limit), read_execution);
}

}  // namespace ota
