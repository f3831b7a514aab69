#include "storage/admin_requests.h"

namespace ota {

SqliteAdminRequests::SqliteAdminRequests(Db& db)
    : find_(db, "SELECT response FROM admin_requests WHERE key = ?1 AND at >= ?2"),
      insert_(db, "INSERT OR REPLACE INTO admin_requests(key, response, at) VALUES (?1, ?2, ?3)"),
      expire_(db, "DELETE FROM admin_requests WHERE at < ?1") {}

std::optional<std::string> SqliteAdminRequests::answer_of(const std::string& key, int64_t since_ms) {
  auto& q = find_.with(key, since_ms);
  if (!q.step()) return std::nullopt;
  std::string response = q.text_at(0);
  q.finish();
  return response;
}

void SqliteAdminRequests::remember(const std::string& key, const std::string& response, int64_t at_ms) {
  insert_.with(key, response, at_ms).run();
}

void SqliteAdminRequests::forget_before(int64_t ms) { expire_.with(ms).run(); }

}  // namespace ota
