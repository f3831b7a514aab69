#pragma once
// The answers given to admin requests, by request key, in PostgreSQL.
#include "pgstorage/pg_connection.h"
#include "store/repositories.h"

namespace ota {

class PgAdminRequests : public AdminRequestRepository {
 public:
  explicit PgAdminRequests(PgConnection& db) : db_(db) {}

  std::optional<std::string> answer_of(const std::string& key, int64_t since_ms) override;
  void remember(const std::string& key, const std::string& response, int64_t at_ms) override;
  void forget_before(int64_t ms) override;

 private:
  PgConnection& db_;
};

}  // namespace ota
