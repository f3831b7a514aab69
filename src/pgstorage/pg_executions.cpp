#include "pgstorage/pg_executions.h"

#include <cstdint>

#include "pgstorage/pg_rows.h"

namespace ota {
namespace {

constexpr const char* kExecutionColumns =
    "id, job_id, product, device, type, version, version_key, request_id, state, reason, progress, description, "
    "created_at, updated_at, first_sent_at, last_sent_at, resends, deadline_at, next_resend_at";

std::string select_executions(const std::string& where_and_order) {
  return std::string("SELECT ") + kExecutionColumns + " FROM executions " + where_and_order;
}

Execution read_execution(const PgResult& r, int i) {
  Execution e;
  e.id = r.int_at(i, 0);
  e.job_id = r.text_at(i, 1);
  e.device = {r.text_at(i, 2), r.text_at(i, 3)};
  e.type = r.text_at(i, 4);
  e.version = r.text_at(i, 5);
  e.version_key = r.text_at(i, 6);
  e.request_id = r.text_at(i, 7);
  e.state = exec_state_from(r.text_at(i, 8)).value_or(ExecState::Queued);
  e.reason = r.text_at(i, 9);
  if (auto p = r.optional_int_at(i, 10)) e.progress = static_cast<int>(*p);
  e.desc = r.text_at(i, 11);
  e.created_at = r.int_at(i, 12);
  e.updated_at = r.int_at(i, 13);
  e.first_sent_at = r.optional_int_at(i, 14);
  e.last_sent_at = r.optional_int_at(i, 15);
  e.resends = static_cast<int>(r.int_at(i, 16));
  e.deadline_at = r.optional_int_at(i, 17);
  e.next_resend_at = r.optional_int_at(i, 18);
  return e;
}

// The devices of product $1 with, joined as v, their version of key $2. The
// job's version is $3, its fromVersions $4 (text[], NULL for any), its type $5.
constexpr const char* kFleet =
    " FROM devices d LEFT JOIN device_versions v "
    "ON v.product = d.product AND v.device = d.device AND v.version_key = $2 ";

// Not at the target version, and in fromVersions when given (ota/targeting.h).
constexpr const char* kWanted =
    "(v.version IS NULL OR v.version <> $3) AND ($4::text[] IS NULL OR v.version = ANY ($4::text[]))";

// No unfinished execution of the job's type for the device d: the busy check.
std::string not_busy() {
  return "NOT EXISTS (SELECT 1 FROM executions e WHERE e.product = d.product AND e.type = $5 "
         "AND e.device = d.device AND e.state IN " + sql_states(is_unfinished) + ")";
}

PgValue from_versions(const JobSpec& s) {
  if (!s.from_versions) return std::nullopt;
  return pg_text_array(*s.from_versions);
}

}  // namespace

void PgExecutions::insert_execution(Execution& e) {
  PgResult r = db_.query(
      "INSERT INTO executions (job_id, product, device, type, version, version_key, request_id, state, created_at, "
      "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
      e.job_id, e.device.product, e.device.device, e.type, e.version, e.version_key, e.request_id,
      to_string(e.state), e.created_at);
  e.id = r.int_at(0, 0);
}

void PgExecutions::update_execution(const Execution& e) {
  db_.query(
      "UPDATE executions SET state = $2, reason = $3, progress = $4, description = $5, updated_at = $6, "
      "first_sent_at = $7, last_sent_at = $8, resends = $9, deadline_at = $10, next_resend_at = $11 WHERE id = $1",
      e.id, to_string(e.state), pg_non_empty(e.reason), pg_optional(e.progress), pg_non_empty(e.desc), e.updated_at,
      e.first_sent_at, e.last_sent_at, e.resends, e.deadline_at, e.next_resend_at);
}

std::optional<Execution> PgExecutions::find_execution(const std::string& job_id, const std::string& device) {
  PgResult r = db_.query(select_executions("WHERE job_id = $1 AND device = $2"), job_id, device);
  if (r.rows() == 0) return std::nullopt;
  return read_execution(r, 0);
}

std::vector<Execution> PgExecutions::recent_executions(const DeviceKey& device, int limit) {
  return pg_read_all(db_.query(select_executions("WHERE product = $1 AND device = $2 ORDER BY id DESC LIMIT $3"),
                               device.product, device.device, limit),
                     read_execution);
}

std::vector<Execution> PgExecutions::job_executions(const std::string& job_id, const std::optional<ExecState>& state,
                                                    const std::string& after_device, int limit) {
  if (state) {
    return pg_read_all(
        db_.query(select_executions("WHERE job_id = $1 AND state = $2 AND device > $3 ORDER BY device LIMIT $4"),
                  job_id, to_string(*state), after_device, limit),
        read_execution);
  }
  return pg_read_all(db_.query(select_executions("WHERE job_id = $1 AND device > $2 ORDER BY device LIMIT $3"),
                               job_id, after_device, limit),
                     read_execution);
}

std::vector<Execution> PgExecutions::unfinished_executions(const DeviceKey& device) {
  return pg_read_all(db_.query(select_executions("WHERE product = $1 AND device = $2 AND state IN " +
                                                 sql_states(is_unfinished) + " ORDER BY id"),
                               device.product, device.device),
                     read_execution);
}

std::vector<Execution> PgExecutions::executions_awaiting_status(const DeviceKey& device) {
  return pg_read_all(db_.query(select_executions("WHERE product = $1 AND device = $2 AND state IN " +
                                                 sql_states(awaits_status) + " ORDER BY id"),
                               device.product, device.device),
                     read_execution);
}

std::vector<std::string> PgExecutions::busy_devices(const std::string& product, const std::string& type) {
  return pg_texts(db_.query(
      "SELECT device FROM executions WHERE product = $1 AND type = $2 AND state IN " + sql_states(is_unfinished),
      product, type));
}

std::vector<Execution> PgExecutions::due_for_resend(int64_t now_ms, int limit) {
  return pg_read_all(db_.query(select_executions("WHERE next_resend_at IS NOT NULL AND next_resend_at <= $1 "
                                                 "ORDER BY next_resend_at LIMIT $2"),
                               now_ms, limit),
                     read_execution);
}

std::vector<Execution> PgExecutions::past_deadline(int64_t now_ms, int limit) {
  return pg_read_all(db_.query(select_executions("WHERE deadline_at IS NOT NULL AND deadline_at <= $1 "
                                                 "ORDER BY deadline_at LIMIT $2"),
                               now_ms, limit),
                     read_execution);
}

TargetCounts PgExecutions::count_fleet_targets(const Job& job) {
  const JobSpec& s = job.spec;
  PgResult r = db_.query(
      std::string("SELECT COUNT(*), "
                  "COUNT(*) FILTER (WHERE v.version IS NOT NULL AND v.version = $3), "
                  "COUNT(*) FILTER (WHERE (v.version IS NULL OR v.version <> $3) AND $4::text[] IS NOT NULL AND "
                  "  (v.version IS NULL OR NOT (v.version = ANY ($4::text[])))), "
                  "COUNT(*) FILTER (WHERE ") +
          kWanted + " AND " + not_busy() + ")" + kFleet + "WHERE d.product = $1",
      s.product, s.version_key, s.version, from_versions(s), s.type);
  TargetCounts t;
  const int64_t total = r.int_at(0, 0);
  t.already_at_version = r.int_at(0, 1);
  t.not_in_from_versions = r.int_at(0, 2);
  t.targeted = r.int_at(0, 3);
  t.busy = total - t.already_at_version - t.not_in_from_versions - t.targeted;
  return t;
}

std::optional<std::string> PgExecutions::fleet_chunk_end(const std::string& product, const std::string& after,
                                                         int chunk) {
  PgResult r = db_.query(
      "SELECT device FROM devices WHERE product = $1 AND device > $2 ORDER BY device LIMIT 1 OFFSET $3", product,
      after, chunk - 1);
  if (r.rows() == 0) return std::nullopt;
  return r.text_at(0, 0);
}

int64_t PgExecutions::insert_fleet_chunk(const Job& job, const std::string& after,
                                         const std::optional<std::string>& upto, int64_t now) {
  const JobSpec& s = job.spec;
  // The request id: 24 random hex digits, as the SQLite backend makes them.
  PgResult r = db_.query(
      std::string("INSERT INTO executions (job_id, product, device, type, version, version_key, request_id, state, "
                  "created_at, updated_at) "
                  "SELECT $6, d.product, d.device, $5, $3, $2, "
                  "substr(md5(gen_random_uuid()::text || d.device), 1, 24), 'queued', $7, $7") +
          kFleet + "WHERE d.product = $1 AND d.device > $8 AND ($9::text IS NULL OR d.device <= $9) AND " + kWanted +
          " AND " + not_busy() + " ORDER BY d.device ON CONFLICT (job_id, device) DO NOTHING",
      s.product, s.version_key, s.version, from_versions(s), s.type, job.id, now, after, upto);
  return r.affected();
}

}  // namespace ota
