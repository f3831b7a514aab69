#include "pgstorage/pg_migrate.h"

#include "pgstorage/pg_schema.h"

namespace ota {
namespace {

// Held for the scope; a lost connection releases it by itself.
class AdvisoryLock {
 public:
  explicit AdvisoryLock(PgConnection& db) : db_(db) { db_.query("SELECT pg_advisory_lock($1)", kPgMigrationLock); }
  ~AdvisoryLock() {
    try {
      db_.query("SELECT pg_advisory_unlock($1)", kPgMigrationLock);
    } catch (const PgError&) {
      // The connection is gone, and the lock with it.
    }
  }
  AdvisoryLock(const AdvisoryLock&) = delete;
  AdvisoryLock& operator=(const AdvisoryLock&) = delete;

 private:
  PgConnection& db_;
};

}  // namespace

int pg_schema_version(PgConnection& db) {
  PgResult r = db.query("SELECT to_regclass('schema_version') IS NOT NULL");
  if (!r.bool_at(0, 0)) return 0;
  return static_cast<int>(db.query("SELECT COALESCE(MAX(version), 0) FROM schema_version").int_at(0, 0));
}

int pg_migrate(PgConnection& db) {
  AdvisoryLock lock(db);
  // Created under the lock: two first openers would otherwise race to create it.
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_version ("
      "version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
  const int current = pg_schema_version(db);
  const int latest = static_cast<int>(pg_migrations().size());
  if (current > latest) {
    throw PgError("database schema version " + std::to_string(current) + " is newer than this plugin's (" +
                  std::to_string(latest) + "): upgrade the plugin or use another database");
  }
  for (int v = current; v < latest; ++v) {
    const PgMigration& m = pg_migrations()[static_cast<size_t>(v)];
    db.exec("BEGIN");
    try {
      db.exec(m.sql);
      db.query("INSERT INTO schema_version (version, name) VALUES ($1, $2)", v + 1, m.name);
      db.exec("COMMIT");
    } catch (const PgError& e) {
      if (!db.lost()) db.exec("ROLLBACK");
      throw PgError("migration " + m.name + " failed: " + e.what(), e.sqlstate, e.connection_lost);
    }
  }
  return latest;
}

}  // namespace ota
