#include "pgstorage/pg_database.h"

#include "pgstorage/pg_migrate.h"

namespace ota {

PgDatabase::PgDatabase(const std::string& url) : db_(url), schema_version_(pg_migrate(db_)) {}

PgDatabase::PgDatabase(const std::string& url, ReadOnly) : db_(url), schema_version_(pg_schema_version(db_)) {
  db_.on_connect("SET default_transaction_read_only = on");
  db_.retry_reads_once();
}

namespace {

// Whatever happens to the COMMIT or ROLLBACK, the transaction is over.
struct TransactionEnds {
  PgConnection& db;
  ~TransactionEnds() { db.set_in_transaction(false); }
};

}  // namespace

// A lost connection is found by the statement that fails; the worker rolls
// back and begins again later, and that begin (or any statement before it)
// connects again.
void PgDatabase::begin() {
  db_.exec("BEGIN");
  db_.set_in_transaction(true);
}

void PgDatabase::commit() {
  TransactionEnds ends{db_};
  // A COMMIT of a transaction in which a statement failed succeeds as a ROLLBACK.
  if (db_.exec("COMMIT").command() != "COMMIT") {
    throw PgError("PostgreSQL rolled the transaction back: a statement in it had failed");
  }
}

void PgDatabase::rollback() {
  TransactionEnds ends{db_};
  if (db_.lost()) return;  // the server dropped the transaction with the connection
  db_.exec("ROLLBACK");
}

// Same name at every level: RELEASE and ROLLBACK TO act on the innermost.
void PgDatabase::savepoint() { db_.exec("SAVEPOINT event"); }

void PgDatabase::release() { db_.exec("RELEASE SAVEPOINT event"); }

void PgDatabase::rollback_to() { db_.exec("ROLLBACK TO SAVEPOINT event; RELEASE SAVEPOINT event"); }

}  // namespace ota
