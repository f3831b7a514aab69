#include "storage/database.h"

#include "storage/db_path.h"

namespace ota {
namespace {

// The broker log's reason: what stands in the way of the path, if anything visibly does, and SQLite's words.
SqliteError unusable(const std::string& path, const std::string& what) {
  const std::string problem = db_path_problem(path);
  return SqliteError(problem.empty() ? what : problem + " (" + what + ")");
}

Db open_for_writing(const std::string& path) {
  try {
    return Db(path);
  } catch (const SqliteError& e) {
    throw unusable(path, e.what());
  }
}

// SQLite quietly opens a file it may not write read-only, and a database at the
// latest schema is not written at start: one real write, committed, proves it.
void prove_writable(Db& db, int schema_version) {
  if (sqlite3_db_readonly(db.handle(), "main") == 1) throw SqliteError("SQLite opened it read-only");
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec("PRAGMA user_version = " + std::to_string(schema_version));  // the value it holds
    db.exec("COMMIT");
  } catch (const SqliteError& e) {
    if (!sqlite3_get_autocommit(db.handle())) sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw SqliteError(std::string("a test write failed: ") + e.what());
  }
}

int set_up(Db& db) {
  // Takes effect on a new database only. Larger pages mean fewer WAL frames (two
  // writes each) per commit: ~15% less worker time per report (bench/store_cost).
  db.exec("PRAGMA page_size = 16384");
  db.exec("PRAGMA journal_mode = WAL");
  // WAL + NORMAL: a commit survives a crash of the broker process (kill -9);
  // only an OS crash may lose the last commits. No fsync per commit.
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  // The working set (recent pages of every index) stays in memory: without this
  // the worker spends most of its time re-reading pages with pread.
  db.exec("PRAGMA cache_size = -262144");  // 256 MiB
  db.exec("PRAGMA mmap_size = 1073741824");
  db.exec("PRAGMA temp_store = MEMORY");
  const int version = migrate(db);
  prove_writable(db, version);
  return version;
}

int set_up_for_writing(Db& db, const std::string& path) {
  try {
    return set_up(db);
  } catch (const SqliteError& e) {
    throw unusable(path, e.what());
  }
}

// Returns the schema version.
int set_up_read_only(Db& db) {
  db.exec("PRAGMA query_only = ON");
  db.exec("PRAGMA mmap_size = 1073741824");
  Statement version(db, "PRAGMA user_version");
  version.step();
  return static_cast<int>(version.int_at(0));
}

}  // namespace

Database::Database(const std::string& path)
    : db_(open_for_writing(path)),
      schema_version_(set_up_for_writing(db_, path)),
      begin_(db_, "BEGIN"),
      commit_(db_, "COMMIT"),
      rollback_(db_, "ROLLBACK"),
      savepoint_(db_, "SAVEPOINT event"),
      release_(db_, "RELEASE event"),
      rollback_to_(db_, "ROLLBACK TO event") {}

Database::Database(const std::string& path, ReadOnly)
    : db_(path, true),
      schema_version_(set_up_read_only(db_)),
      begin_(db_, "BEGIN"),
      commit_(db_, "COMMIT"),
      rollback_(db_, "ROLLBACK"),
      savepoint_(db_, "SAVEPOINT event"),
      release_(db_, "RELEASE event"),
      rollback_to_(db_, "ROLLBACK TO event") {}

void Database::begin() { begin_.with().run(); }

void Database::commit() {
  // SQLite keeps writing to a database file that was deleted or renamed while
  // open, without an error: what it commits then is lost at close.
  int moved = 0;
  if (sqlite3_file_control(db_.handle(), "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK && moved) {
    throw SqliteError("the database file was removed or renamed", SQLITE_READONLY_DBMOVED);
  }
  for (TransactionBuffer* b : buffers_) b->flush();
  commit_.with().run();
}

void Database::rollback() {
  for (TransactionBuffer* b : buffers_) b->discard();
  marks_.clear();
  rollback_.with().run();
}

void Database::savepoint() {
  savepoint_.with().run();
  for (TransactionBuffer* b : buffers_) marks_.push_back(b->mark());
}

void Database::release() {
  // Same name at every level: RELEASE and ROLLBACK TO act on the innermost.
  release_.with().run();
  marks_.resize(marks_.size() - buffers_.size());
}

void Database::rollback_to() {
  const size_t innermost = marks_.size() - buffers_.size();
  for (size_t i = 0; i < buffers_.size(); ++i) buffers_[i]->rewind(marks_[innermost + i]);
  rollback_to_.with().run();
  release_.with().run();
  marks_.resize(innermost);
}

}  // namespace ota
