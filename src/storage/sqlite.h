#pragma once
// A thin RAII layer over the SQLite C API: prepared statements only.
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "store/store_error.h"

namespace ota {

struct SqliteError : StoreError {
  explicit SqliteError(const std::string& what, int code = SQLITE_ERROR) : StoreError(what), code(code) {}
  // Full, I/O error, removed, locked.
  bool storage_fault() const override;
  int code;  // SQLite's extended result code
};

class Db {
 public:
  explicit Db(const std::string& path, bool read_only = false);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void exec(const std::string& sql);  // for schema and pragmas: never with values
  sqlite3* handle() const { return db_; }
  [[noreturn]] void fail(const std::string& what) const;

 private:
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement(Db& db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Resets the statement and binds the arguments to ?1, ?2, ...
  template <typename... Args>
  Statement& with(const Args&... args) {
    reset();
    int index = 1;
    (bind(index++, args), ...);
    return *this;
  }

  bool step();  // true while there is a row
  void finish();  // releases the statement's read snapshot before the rows are all read
  void run();   // steps to completion, for statements that return no rows
  int changes() const;

  int64_t int_at(int col) const;
  std::optional<int64_t> optional_int_at(int col) const;
  std::optional<double> optional_double_at(int col) const;
  std::string text_at(int col) const;
  bool null_at(int col) const;

 private:
  void reset();
  void bind(int index, int64_t value);
  void bind(int index, int value) { bind(index, static_cast<int64_t>(value)); }
  void bind(int index, std::string_view value);
  void bind(int index, const std::string& value) { bind(index, std::string_view(value)); }
  void bind(int index, const char* value) { bind(index, std::string_view(value)); }
  void bind(int index, std::nullptr_t);
  void bind(int index, double value);
  void bind(int index, bool value) { bind(index, static_cast<int64_t>(value)); }
  template <typename T>
  void bind(int index, const std::optional<T>& value) {
    if (value) {
      bind(index, *value);
    } else {
      bind(index, nullptr);
    }
  }

  Db& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace ota
