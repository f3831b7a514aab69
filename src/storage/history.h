#pragma once
// Each execution's history of states and progress, bounded, in SQLite.
#include <memory>

#include "storage/sqlite.h"
#include "store/repositories.h"

namespace ota {

class SqliteHistory : public HistoryRepository {
 public:
  explicit SqliteHistory(Db& db);
  ~SqliteHistory() override;

  std::vector<HistoryEntry> history(int64_t execution_id) override;
  std::vector<HistoryEntry> history_page(int64_t execution_id, int64_t before_id, int limit) override;
  void append_history(int64_t execution_id, const HistoryEntry& entry) override;

 private:
  struct Statements;
  std::unique_ptr<Statements> st_;
};

}  // namespace ota
