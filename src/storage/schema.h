#pragma once
// The database schema: numbered migrations compiled from sql/*.sql.
#include <string>
#include <vector>

namespace ota {

struct Migration {
  std::string name;  // file name, e.g. "001_devices.sql"
  std::string sql;
};

// All migrations in order; the schema version of a database is the number of
// migrations applied to it (kept in PRAGMA user_version).
const std::vector<Migration>& migrations();

}  // namespace ota
