#include "pgstorage/pg_history.h"

#include <cstdint>

#include "pgstorage/pg_rows.h"

namespace ota {
namespace {

HistoryEntry read_history_entry(const PgResult& r, int i) {
  HistoryEntry h;
  h.id = r.int_at(i, 0);
  h.at = r.int_at(i, 1);
  h.event = r.text_at(i, 2);
  h.state = r.text_at(i, 3);
  if (auto p = r.optional_int_at(i, 4)) h.progress = static_cast<int>(*p);
  h.reason = r.text_at(i, 5);
  h.desc = r.text_at(i, 6);
  return h;
}

constexpr const char* kHistoryColumns = "SELECT id, at, event, state, progress, reason, description FROM execution_history ";

}  // namespace

void PgHistory::append_history(int64_t execution_id, const HistoryEntry& h) {
  db_.query(
      "INSERT INTO execution_history (execution_id, at, event, state, progress, reason, description) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      execution_id, h.at, h.event, h.state, pg_optional(h.progress), pg_non_empty(h.reason), pg_non_empty(h.desc));
  // The oldest entries past the limit go as the new one arrives: one indexed
  // delete, counted by the execution rather than by a count of its history.
  PgResult count = db_.query(
      "UPDATE executions SET history_kept = history_kept + 1 WHERE id = $1 RETURNING history_kept", execution_id);
  const int64_t kept = count.rows() > 0 ? count.int_at(0, 0) : 0;
  if (kept > kExecutionHistoryKept) {
    db_.query(
        "DELETE FROM execution_history WHERE id IN (SELECT id FROM execution_history WHERE execution_id = $1 "
        "ORDER BY id LIMIT $2)",
        execution_id, kept - kExecutionHistoryKept);
    db_.query("UPDATE executions SET history_kept = $2 WHERE id = $1", execution_id, kExecutionHistoryKept);
  }
}

std::vector<HistoryEntry> PgHistory::history(int64_t execution_id) {
  return pg_read_all(db_.query(std::string(kHistoryColumns) + "WHERE execution_id = $1 ORDER BY id", execution_id),
                     read_history_entry);
}

std::vector<HistoryEntry> PgHistory::history_page(int64_t execution_id, int64_t before_id, int limit) {
  return pg_read_all(db_.query(std::string(kHistoryColumns) +
                                   "WHERE execution_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
                               execution_id, before_id > 0 ? before_id : INT64_MAX, limit),
                     read_history_entry);
}

}  // namespace ota
