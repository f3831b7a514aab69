#include "storage/schema.h"
#include "storage/database.h"

namespace ota {

int migrate(Db& db) {
  Statement version(db, "PRAGMA user_version");
  version.step();
  const int current = static_cast<int>(version.int_at(0));
  version.finish();  // an open read would stop a migration from dropping a table
  const int latest = static_cast<int>(migrations().size());
  if (current > latest) {
    throw SqliteError("database schema version " + std::to_string(current) + " is newer than this plugin's (" +
                      std::to_string(latest) + "): upgrade the plugin or use another db_path");
  }
  for (int v = current; v < latest; ++v) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(migrations()[static_cast<size_t>(v)].sql);
      db.exec("PRAGMA user_version = " + std::to_string(v + 1));  // a number we own, not a value
      db.exec("COMMIT");
    } catch (const SqliteError& e) {
      db.exec("ROLLBACK");
      throw SqliteError("migration " + migrations()[static_cast<size_t>(v)].name + " failed: " + e.what());
    }
  }
  return latest;
}

}  // namespace ota
