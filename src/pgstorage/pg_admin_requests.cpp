#include "pgstorage/pg_admin_requests.h"

namespace ota {

std::optional<std::string> PgAdminRequests::answer_of(const std::string& key, int64_t since_ms) {
  PgResult r = db_.query("SELECT response FROM admin_requests WHERE key = $1 AND at >= $2", key, since_ms);
  if (r.rows() == 0) return std::nullopt;
  return r.text_at(0, 0);
}

void PgAdminRequests::remember(const std::string& key, const std::string& response, int64_t at_ms) {
  db_.query(
      "INSERT INTO admin_requests (key, response, at) VALUES ($1, $2, $3) "
      "ON CONFLICT (key) DO UPDATE SET response = excluded.response, at = excluded.at",
      key, response, at_ms);
}

void PgAdminRequests::forget_before(int64_t ms) { db_.query("DELETE FROM admin_requests WHERE at < $1", ms); }

}  // namespace ota
