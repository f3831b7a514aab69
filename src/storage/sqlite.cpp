#include "storage/sqlite.h"

namespace ota {

Db::Db(const std::string& path, bool read_only) {
  // Before SQLite's first use in the process: no global memory statistics,
  // which take a mutex at every allocation SQLite makes (a visible share of a
  // commit). Refused, harmlessly, when something else initialised SQLite first.
  static const int no_memory_statistics = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)no_memory_statistics;
  int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteError("cannot open database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
}

Db::~Db() { sqlite3_close(db_); }

bool SqliteError::storage_fault() const {
  switch (code & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return true;
    default:
      return false;
  }
}

void Db::fail(const std::string& what) const {
  throw SqliteError(what + ": " + sqlite3_errmsg(db_), sqlite3_extended_errcode(db_));
}

void Db::exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw SqliteError(msg, sqlite3_extended_errcode(db_));
  }
}

Statement::Statement(Db& db, const char* sql) : db_(db) {
  if (sqlite3_prepare_v3(db.handle(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
    db.fail(std::string("cannot prepare \"") + sql + "\"");
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }

void Statement::bind(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}

void Statement::bind(int index, std::nullptr_t) { sqlite3_bind_null(stmt_, index); }

void Statement::bind(int index, double value) { sqlite3_bind_double(stmt_, index, value); }

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.fail(std::string("cannot run \"") + sqlite3_sql(stmt_) + "\"");
}

void Statement::finish() { sqlite3_reset(stmt_); }

void Statement::run() {
  while (step()) {
  }
}

int Statement::changes() const { return sqlite3_changes(db_.handle()); }

int64_t Statement::int_at(int col) const { return sqlite3_column_int64(stmt_, col); }

std::optional<int64_t> Statement::optional_int_at(int col) const {
  if (null_at(col)) return std::nullopt;
  return int_at(col);
}

std::optional<double> Statement::optional_double_at(int col) const {
  if (null_at(col)) return std::nullopt;
  return sqlite3_column_double(stmt_, col);
}

std::string Statement::text_at(int col) const {
  auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return text ? std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}

bool Statement::null_at(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

}  // namespace ota
