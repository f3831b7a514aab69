#include "pgstorage/pg_database.h"

#include "pgstorage/pg_migrate.h"

namespace ota {

PgDatabase::PgDatabase(const std::string& url) : db_(url), schema_version_(pg_migrate(db_)) {}

PgDatabase::PgDatabase(const std::string& url, ReadOnly) : db_(url), schema_version_(pg_schema_version(db_)) {
  db_.exec("SET default_transaction_read_only = on");
}

void PgDatabase::begin() { db_.exec("BEGIN"); }

void PgDatabase::commit() {
  // A COMMIT of a transaction in which a statement failed succeeds as a ROLLBACK.
  if (db_.exec("COMMIT").command() != "COMMIT") {
    throw PgError("PostgreSQL rolled the transaction back: a statement in it had failed");
  }
}

void PgDatabase::rollback() { db_.exec("ROLLBACK"); }

// Same name at every level: RELEASE and ROLLBACK TO act on the innermost.
void PgDatabase::savepoint() { db_.exec("SAVEPOINT event"); }

void PgDatabase::release() { db_.exec("RELEASE SAVEPOINT event"); }

void PgDatabase::rollback_to() { db_.exec("ROLLBACK TO SAVEPOINT event; RELEASE SAVEPOINT event"); }

}  // namespace ota
