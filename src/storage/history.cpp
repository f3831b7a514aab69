#include "storage/history.h"

#include <cstdint>

#include "storage/rows.h"

namespace ota {
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

struct SqliteHistory::Statements {
  explicit Statements(Db& db)
      : append_history(db,
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
                     "WHERE execution_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3") {}

  Statement append_history, count_history, drop_oldest_history, set_history_kept, history, history_page;
};

SqliteHistory::SqliteHistory(Db& db) : st_(std::make_unique<Statements>(db)) {}
SqliteHistory::~SqliteHistory() = default;

void SqliteHistory::append_history(int64_t execution_id, const HistoryEntry& h) {
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

std::vector<HistoryEntry> SqliteHistory::history(int64_t execution_id) {
  return read_all(st_->history.with(execution_id), read_history_entry);
}

std::vector<HistoryEntry> SqliteHistory::history_page(int64_t execution_id, int64_t before_id, int limit) {
  return read_all(st_->history_page.with(execution_id, before_id > 0 ? before_id : INT64_MAX, limit),
                  read_history_entry);
}

}  // namespace ota
