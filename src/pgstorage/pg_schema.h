#pragma once
// The PostgreSQL schema: numbered migrations compiled from sql/postgresql/*.sql.
#include <string>
#include <vector>

namespace ota {

struct PgMigration {
  std::string name;  // file name, e.g. "001_devices.sql"
  std::string sql;
};

// All migrations in order; a database's schema version is the number of them
// applied to it (kept in its schema_version table, one row per migration).
const std::vector<PgMigration>& pg_migrations();

}  // namespace ota
