#pragma once
// The history of each execution, its newest kExecutionHistoryKept entries, in
// PostgreSQL. Within a transaction new entries are held back (a PgBuffer) and
// written in one statement whatever their number.
#include <utility>
#include <vector>

#include "pgstorage/pg_connection.h"
#include "store/repositories.h"

namespace ota {

class PgHistory : public HistoryRepository, public PgBuffer {
 public:
  explicit PgHistory(PgConnection& db);
  PgHistory(const PgHistory&) = delete;
  PgHistory& operator=(const PgHistory&) = delete;

  // Held back until a flush; reads see it at once. Throws PgError when a text
  // is not UTF-8 (nothing is held back then).
  void append_history(int64_t execution_id, const HistoryEntry& entry) override;
  std::vector<HistoryEntry> history(int64_t execution_id) override;
  std::vector<HistoryEntry> history_page(int64_t execution_id, int64_t before_id, int limit) override;

  bool empty() const override { return held_.empty(); }
  void flush() override;
  void discard() override { held_.clear(); }

 private:
  PgConnection& db_;
  std::vector<std::pair<int64_t, HistoryEntry>> held_;  // in the order they came
};

}  // namespace ota
