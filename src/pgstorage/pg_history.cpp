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

// Reads of an execution's history see what is held back: written first.
constexpr const char* kHistoryColumns = "SELECT id, at, event, state, progress, reason, description FROM execution_history ";

// Entries held back at most: a flush is one statement of bounded size.
constexpr size_t kMaxHeld = 5000;

// Inserts the entries ($1..$7, one array per column, in the order they came:
// ids ascend in that order) and counts them on their executions; answers the
// executions now past $8 entries, with their counts.
constexpr const char* kInsert =
    "WITH held AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::integer[], "
    "$6::text[], $7::text[]) WITH ORDINALITY AS h (execution_id, at, event, state, progress, reason, description, "
    "ord)), "
    "inserted AS (INSERT INTO execution_history (execution_id, at, event, state, progress, reason, description) "
    "SELECT execution_id, at, event, state, progress, reason, description FROM held ORDER BY ord), "
    "counted AS (UPDATE executions e SET history_kept = e.history_kept + c.n "
    "FROM (SELECT execution_id, COUNT(*) AS n FROM held GROUP BY execution_id) c WHERE e.id = c.execution_id "
    "RETURNING e.id, e.history_kept) "
    "SELECT id, history_kept FROM counted WHERE history_kept > $8";

}  // namespace

PgHistory::PgHistory(PgConnection& db) : db_(db) { db_.add_buffer(*this, {"execution_history"}); }

void PgHistory::append_history(int64_t execution_id, const HistoryEntry& h) {
  for (const std::string* text : {&h.event, &h.state, &h.reason, &h.desc}) pg_check_utf8(*text);
  held_.emplace_back(execution_id, h);
  // Outside a transaction each statement commits by itself: nothing waits.
  if (!db_.in_transaction() || held_.size() >= kMaxHeld) flush();
}

void PgHistory::flush() {
  if (held_.empty()) return;
  std::vector<std::pair<int64_t, HistoryEntry>> held;
  held.swap(held_);  // whatever happens: a failed statement fails the transaction
  PgArray ids, ats, events, states, progresses, reasons, descriptions;
  for (const auto& [id, h] : held) {
    ids.add(id);
    ats.add(h.at);
    events.add(h.event);
    states.add(h.state);
    progresses.add(h.progress ? std::optional<int64_t>(*h.progress) : std::nullopt);
    reasons.add(pg_non_empty(h.reason));
    descriptions.add(pg_non_empty(h.desc));
  }
  PgResult over = db_.query_direct(kInsert, ids.value(), ats.value(), events.value(), states.value(),
                                   progresses.value(), reasons.value(), descriptions.value(), kExecutionHistoryKept);
  // The oldest entries past the limit go: indexed deletes, counted by the
  // execution rather than by a count of its history. Rare (1,000 entries).
  for (int i = 0; i < over.rows(); ++i) {
    const int64_t id = over.int_at(i, 0);
    db_.query_direct(
        "DELETE FROM execution_history WHERE id IN (SELECT id FROM execution_history WHERE execution_id = $1 "
        "ORDER BY id LIMIT $2)",
        id, over.int_at(i, 1) - kExecutionHistoryKept);
    db_.query_direct("UPDATE executions SET history_kept = $2 WHERE id = $1", id, kExecutionHistoryKept);
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
