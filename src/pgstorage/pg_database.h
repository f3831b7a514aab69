#pragma once
// A PostgreSQL database as the store sees it: one connection, migrated at
// open, and its transactions and savepoints. The repositories of this folder
// share the connection. Most write at once; those that hold reports back to
// write many per statement (PgBuffer: devices, progress) are flushed here
// before a commit and at each savepoint, so that what they hold always came
// after the innermost savepoint: rolling back to it forgets it all, and
// PostgreSQL's own savepoint undoes what was written.
#include <string>

#include "pgstorage/pg_connection.h"
#include "store/repositories.h"

namespace ota {

class PgDatabase : public Transactions {
 public:
  // Connects to `url` and migrates the database; throws PgError.
  explicit PgDatabase(const std::string& url);

  int schema_version() const { return schema_version_; }
  PgConnection& connection() { return db_; }

  void begin() override;
  // Writes what the buffers hold, then commits. Throws when PostgreSQL rolled
  // the transaction back instead (a statement in it failed); a buffer that
  // cannot be written is a storage fault (the worker keeps the events and
  // tries again): what failed is no longer known to be one event's.
  void commit() override;
  void rollback() override;
  // Writes what the buffers hold first (a storage fault when it fails, as in commit()).
  void savepoint() override;
  // Writes what the buffers hold first: a failure is that of the savepoint's work.
  void release() override;
  void rollback_to() override;

 private:
  PgConnection db_;
  int schema_version_ = 0;
};

}  // namespace ota
