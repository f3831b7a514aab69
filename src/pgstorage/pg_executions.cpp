#include "pgstorage/pg_executions.h"

#include <algorithm>
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

// The tables the fleet queries join that changed by more than autovacuum's
// own threshold since they were last analyzed.
constexpr const char* kStaleTables =
    "SELECT relname FROM pg_stat_user_tables WHERE relid IN ('devices'::regclass, 'device_versions'::regclass, "
    "'executions'::regclass) AND (n_mod_since_analyze > 50 + 0.1 * n_live_tup OR "
    "(last_analyze IS NULL AND last_autoanalyze IS NULL))";

// Not at the target version, and in fromVersions when given (ota/targeting.h).
constexpr const char* kWanted =
    "(v.version IS NULL OR v.version <> $3) AND ($4::text[] IS NULL OR v.version = ANY ($4::text[]))";

// No unfinished execution of the job's type for the device d: the busy check.
// `probe`: " OFFSET 0", which keeps it a lookup per device (see kChunk).
std::string not_busy(const char* probe = "") {
  return "NOT EXISTS (SELECT 1 FROM executions e WHERE e.product = d.product AND e.type = $5 "
         "AND e.device = d.device AND e.state IN " + sql_states(is_unfinished) + probe + ")";
}

// A chunk of the fleet as kFleet, read with an index lookup per device
// whatever the statistics say (OFFSET 0 keeps PostgreSQL from turning the
// lookups into joins): a chunk is a range of a few thousand devices, and the
// executions table grows by the whole fleet during the fill, far faster than
// ANALYZE follows. Planned as joins, a stale estimate of one execution made
// each chunk scan every execution of the product once per device (2 s a chunk
// of 500 at 50,000 executions), and device_versions was read whole each chunk.
constexpr const char* kChunk =
    " FROM devices d LEFT JOIN LATERAL (SELECT v.version FROM device_versions v WHERE v.product = d.product "
    "AND v.device = d.device AND v.version_key = $2 OFFSET 0) v ON true ";

// Updates held back at most: a flush is one statement of bounded size.
constexpr size_t kMaxHeld = 5000;

// Writes the updates ($1 ids, then one array per column).
constexpr const char* kUpdate =
    "UPDATE executions e SET state = u.state, reason = u.reason, progress = u.progress, "
    "description = u.description, updated_at = u.updated_at, first_sent_at = u.first_sent_at, "
    "last_sent_at = u.last_sent_at, resends = u.resends, deadline_at = u.deadline_at, "
    "next_resend_at = u.next_resend_at "
    "FROM unnest($1::bigint[], $2::text[], $3::text[], $4::integer[], $5::text[], $6::bigint[], $7::bigint[], "
    "$8::bigint[], $9::integer[], $10::bigint[], $11::bigint[]) AS u (id, state, reason, progress, description, "
    "updated_at, first_sent_at, last_sent_at, resends, deadline_at, next_resend_at) WHERE e.id = u.id";

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
  auto known = open_.find(e.device);
  if (known != open_.end()) known->second.push_back(e);
}

PgExecutions::PgExecutions(PgConnection& db) : db_(db) { db_.add_buffer(*this, {"executions"}); }

void PgExecutions::update_execution(const Execution& e) {
  pg_check_utf8(e.reason);
  pg_check_utf8(e.desc);
  held_[e.id] = e;
  auto known = open_.find(e.device);
  if (known != open_.end()) {
    Open& open = known->second;
    auto at = std::find_if(open.begin(), open.end(), [&](const Execution& o) { return o.id == e.id; });
    if (at != open.end()) {
      if (awaits_status(e.state)) {
        *at = e;
      } else {
        open.erase(at);  // nothing moves an execution back into these states
      }
    }
  }
  // Outside a transaction each statement commits by itself: nothing waits.
  if (!db_.in_transaction() || held_.size() >= kMaxHeld) flush();
}

void PgExecutions::flush() {
  if (held_.empty()) return;
  std::map<int64_t, Execution> held;
  held.swap(held_);  // whatever happens: a failed statement fails the transaction
  PgArray ids, states, reasons, progresses, descriptions, updated, first_sent, last_sent, resends, deadlines,
      next_resends;
  for (const auto& [id, e] : held) {
    ids.add(id);
    states.add(std::string(to_string(e.state)));
    reasons.add(pg_non_empty(e.reason));
    progresses.add(e.progress ? std::optional<int64_t>(*e.progress) : std::nullopt);
    descriptions.add(pg_non_empty(e.desc));
    updated.add(e.updated_at);
    first_sent.add(e.first_sent_at);
    last_sent.add(e.last_sent_at);
    resends.add(static_cast<int64_t>(e.resends));
    deadlines.add(e.deadline_at);
    next_resends.add(e.next_resend_at);
  }
  db_.query_direct(kUpdate, ids.value(), states.value(), reasons.value(), progresses.value(), descriptions.value(),
                   updated.value(), first_sent.value(), last_sent.value(), resends.value(), deadlines.value(),
                   next_resends.value());
}

void PgExecutions::discard() {
  held_.clear();
  open_.clear();
}

void PgExecutions::load(const std::vector<DeviceKey>& devices) {
  PgDeviceArrays wanted;
  for (const auto& d : devices) {
    if (!open_.count(d) && wanted.add(d)) open_[d];  // none found: none open
  }
  if (wanted.size == 0) return;
  // Rows as written: what is held back replaces them below.
  PgResult r = db_.query_direct(
      select_executions("WHERE (product, device) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND state IN " +
                        sql_states(awaits_status) + " ORDER BY id"),
      wanted.products.value(), wanted.names.value());
  for (int i = 0; i < r.rows(); ++i) remember(read_execution(r, i));
}

void PgExecutions::remember(const Execution& read) {
  auto held = held_.find(read.id);
  const Execution& e = held == held_.end() ? read : held->second;
  if (awaits_status(e.state)) open_[e.device].push_back(e);
}

const PgExecutions::Open& PgExecutions::open_of(const DeviceKey& device) {
  load({device});
  return open_[device];
}

void PgExecutions::prefetch(const std::vector<DeviceKey>& devices) {
  if (db_.in_transaction()) load(devices);
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
  if (!db_.in_transaction()) {
    return pg_read_all(db_.query(select_executions("WHERE product = $1 AND device = $2 AND state IN " +
                                                   sql_states(is_unfinished) + " ORDER BY id"),
                                 device.product, device.device),
                       read_execution);
  }
  std::vector<Execution> out;
  for (const auto& e : open_of(device)) {
    if (is_unfinished(e.state)) out.push_back(e);
  }
  return out;
}

std::vector<Execution> PgExecutions::executions_awaiting_status(const DeviceKey& device) {
  if (!db_.in_transaction()) {
    return pg_read_all(db_.query(select_executions("WHERE product = $1 AND device = $2 AND state IN " +
                                                   sql_states(awaits_status) + " ORDER BY id"),
                                 device.product, device.device),
                       read_execution);
  }
  return open_of(device);
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

// A fleet that registered since autovacuum last looked (a new deployment, a
// fleet brought over) looks like a handful of rows to the planner, whose joins
// for a handful take a time quadratic in the devices: 1.4 s for 3,000 of them
// where a hash join takes milliseconds. Analyzed first, as autovacuum would.
void PgExecutions::analyze_if_stale() {
  for (const auto& table : pg_texts(db_.query_direct(kStaleTables))) db_.exec("ANALYZE " + table);
}

void PgExecutions::analyze_as_filled(int64_t added) {
  filled_ += added;
  if (filled_ < analyze_when_filled_) return;
  analyze_when_filled_ = 2 * filled_;
  // ANALYZE counts this transaction's own inserts; 300 x 10 rows sampled.
  db_.exec("SET LOCAL default_statistics_target = 10; ANALYZE executions; "
           "SET LOCAL default_statistics_target TO DEFAULT");
}

TargetCounts PgExecutions::count_fleet_targets(const Job& job) {
  analyze_if_stale();
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
          kChunk + "WHERE d.product = $1 AND d.device > $8 AND ($9::text IS NULL OR d.device <= $9) AND " + kWanted +
          " AND " + not_busy(" OFFSET 0") + " ORDER BY d.device ON CONFLICT (job_id, device) DO NOTHING",
      s.product, s.version_key, s.version, from_versions(s), s.type, job.id, now, after, upto);
  open_.clear();  // the devices of the chunk have a new execution each: read again when needed
  analyze_as_filled(r.affected());
  return r.affected();
}

}  // namespace ota
