#include "pgstorage/pg_database.h"

#include "pgstorage/pg_migrate.h"

namespace ota {

PgDatabase::PgDatabase(const std::string& url) : db_(url), schema_version_(pg_migrate(db_)) {}

namespace {

// Whatever happens to the COMMIT or ROLLBACK, the transaction is over, and
// what the buffers held or knew of it with it.
struct TransactionEnds {
  PgConnection& db;
  ~TransactionEnds() {
    db.set_in_transaction(false);
    db.discard_buffers();
  }
};

// A write held back that failed at a commit or a savepoint: of any event
// since the last flush, and PostgreSQL rolls the whole transaction back. A
// storage fault, so that the worker keeps the events and applies them again.
struct PgFlushError : PgError {
  explicit PgFlushError(const PgError& e)
      : PgError(std::string("writing the reports held back failed: ") + e.what(), e.sqlstate, e.connection_lost) {}
  bool storage_fault() const override { return true; }
};

void flush_or_fault(PgConnection& db) {
  try {
    db.flush_buffers();
  } catch (const PgError& e) {
    throw PgFlushError(e);
  }
}

}  // namespace

// A lost connection is found by the statement that fails; the worker rolls
// back and begins again later, and that begin (or any statement before it)
// connects again.
void PgDatabase::begin() {
  db_.discard_buffers();
  db_.exec("BEGIN");
  db_.set_in_transaction(true);
}

void PgDatabase::commit() {
  TransactionEnds ends{db_};
  try {
    flush_or_fault(db_);
  } catch (const PgError&) {
    if (!db_.lost()) db_.exec("ROLLBACK");  // a commit that throws leaves no transaction open
    throw;
  }
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
void PgDatabase::savepoint() {
  flush_or_fault(db_);
  db_.exec("SAVEPOINT event");
}

void PgDatabase::release() {
  db_.flush_buffers();
  db_.exec("RELEASE SAVEPOINT event");
}

void PgDatabase::rollback_to() {
  db_.discard_buffers();  // all of it came after the savepoint
  db_.exec("ROLLBACK TO SAVEPOINT event; RELEASE SAVEPOINT event");
}

}  // namespace ota
