#pragma once
// The answers to admin requests that changed state, in SQLite: written in the
// same transaction as the request's changes, so the record holds across a
// crash too (runtime/admin_replay.h says why they are kept).
#include "storage/sqlite.h"
#include "store/repositories.h"

namespace ota {

class SqliteAdminRequests : public AdminRequestRepository {
 public:
  explicit SqliteAdminRequests(Db& db);

  std::optional<std::string> answer_of(const std::string& key, int64_t since_ms) override;
  void remember(const std::string& key, const std::string& response, int64_t at_ms) override;
  void forget_before(int64_t ms) override;

 private:
  Statement find_;
  Statement insert_;
  Statement expire_;
};

}  // namespace ota
