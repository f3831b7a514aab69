#pragma once
// A PostgreSQL database as the store sees it: one connection, migrated at
// open, and its transactions and savepoints. The repositories of this folder
// share the connection and write at once: PostgreSQL's own savepoints undo
// what a failed event did, so nothing is buffered here.
#include <string>

#include "pgstorage/pg_connection.h"
#include "store/repositories.h"

namespace ota {

class PgDatabase : public Transactions {
 public:
  // Connects to `url` and migrates the database; throws PgError.
  explicit PgDatabase(const std::string& url);
  // A second connection that only reads (the broker thread's), to a database a writer migrated.
  struct ReadOnly {};
  PgDatabase(const std::string& url, ReadOnly);

  int schema_version() const { return schema_version_; }
  PgConnection& connection() { return db_; }

  void begin() override;
  // Throws when PostgreSQL rolled the transaction back instead (a statement in it failed).
  void commit() override;
  void rollback() override;
  void savepoint() override;
  void release() override;
  void rollback_to() override;

 private:
  PgConnection db_;
  int schema_version_ = 0;
};

}  // namespace ota
