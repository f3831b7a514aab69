#pragma once
// The history of each execution, its newest kExecutionHistoryKept entries, in PostgreSQL.
#include "pgstorage/pg_connection.h"
#include "store/repositories.h"

namespace ota {

class PgHistory : public HistoryRepository {
 public:
  explicit PgHistory(PgConnection& db) : db_(db) {}

  void append_history(int64_t execution_id, const HistoryEntry& entry) override;
  std::vector<HistoryEntry> history(int64_t execution_id) override;
  std::vector<HistoryEntry> history_page(int64_t execution_id, int64_t before_id, int limit) override;

 private:
  PgConnection& db_;
};

}  // namespace ota
