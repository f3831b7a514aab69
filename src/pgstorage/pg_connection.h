#pragma once
// A thin RAII layer over libpq: one connection, statements prepared once per
// connection (on first use), values always sent as parameters, never spliced
// into SQL.
#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "pgstorage/pg_error.h"

namespace ota {

// A parameter in PostgreSQL's text form; none is SQL NULL.
using PgValue = std::optional<std::string>;

inline PgValue pg_value(const std::string& s) { return s; }
inline PgValue pg_value(const char* s) { return std::string(s); }
inline PgValue pg_value(int64_t n) { return std::to_string(n); }
inline PgValue pg_value(int n) { return std::to_string(n); }
inline PgValue pg_value(bool b) { return std::string(b ? "true" : "false"); }
PgValue pg_value(double d);
inline PgValue pg_value(std::nullopt_t) { return std::nullopt; }
template <typename T>
PgValue pg_value(const std::optional<T>& v) {
  if (!v) return std::nullopt;
  return pg_value(*v);
}
// A text[] parameter ({"a","b"}), each element quoted.
PgValue pg_text_array(const std::vector<std::string>& items);

// An array parameter built element by element, for the multi-row statements
// (INSERT ... SELECT FROM unnest($1::text[], $2::bigint[], ...)). A text
// element ends at a NUL, as a text parameter does in libpq.
class PgArray {
 public:
  void add(const std::string& item);
  void add(int64_t n);
  void add(const std::optional<std::string>& item);  // none is NULL
  void add(const std::optional<int64_t>& n);         // none is NULL
  PgValue value() const { return text_ + "}"; }

 private:
  void next() { text_ += text_.size() > 1 ? "," : ""; }
  std::string text_ = "{";
};

// Throws PgError, as the server would ("invalid byte sequence for encoding
// UTF8", not a storage fault), when `text` is not UTF-8: a value held back
// for a multi-row statement is checked as it comes, so that only the event
// that brought it fails.
void pg_check_utf8(const std::string& text);
bool pg_is_utf8(const std::string& text);

// Writes a repository holds back within a transaction, to send many in one
// statement (pg_devices.h, pg_progress.h). What reads them must see them: the
// connection flushes a buffer before any statement that names one of its
// tables, and PgDatabase before a commit and at savepoints.
class PgBuffer {
 public:
  virtual ~PgBuffer() = default;
  virtual bool empty() const = 0;
  // Writes what is held, with query_direct(); throws PgError.
  virtual void flush() = 0;
  // Forgets what is held (rolled back) and whatever it learnt in the transaction.
  virtual void discard() = 0;
};

class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result, PQclear) {}
  int rows() const { return PQntuples(result_.get()); }
  bool null_at(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  std::string text_at(int row, int col) const;  // NULL reads as ""
  int64_t int_at(int row, int col) const;       // NULL reads as 0
  std::optional<int64_t> optional_int_at(int row, int col) const;
  std::optional<double> optional_double_at(int row, int col) const;
  bool bool_at(int row, int col) const { return text_at(row, col) == "t"; }
  // Rows an INSERT, UPDATE or DELETE touched.
  int64_t affected() const;
  // The command's tag, e.g. "COMMIT" (or "ROLLBACK" for a COMMIT of a failed transaction).
  std::string command() const { return PQcmdStatus(result_.get()); }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

class PgConnection {
 public:
  // Connects to `url` (postgresql://...); throws PgError naming the URL without its password.
  explicit PgConnection(const std::string& url);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // SQL without values (schema, transaction control); may hold several statements.
  PgResult exec(const std::string& sql);
  // One statement with $1.. parameters, prepared on first use.
  template <typename... Args>
  PgResult query(const std::string& sql, const Args&... args) {
    return run(sql, {pg_value(args)...});
  }
  PgResult run(const std::string& sql, const std::vector<PgValue>& params);
  // The same, without flushing any buffer first: a buffer's own statements.
  template <typename... Args>
  PgResult query_direct(const std::string& sql, const Args&... args) {
    return run_direct(sql, {pg_value(args)...});
  }
  PgResult run_direct(const std::string& sql, const std::vector<PgValue>& params);

  // `buffer` (which outlives this) holds back writes to `tables`.
  void add_buffer(PgBuffer& buffer, std::vector<std::string> tables);
  void flush_buffers();
  void discard_buffers();

  PGconn* handle() const { return conn_; }
  bool lost() const { return PQstatus(conn_) == CONNECTION_BAD; }

  // Runs `sql` (a session setting) now, and again after each reconnection.
  // With a `refusal`, `sql` answers one boolean, and false throws PgError(refusal).
  void on_connect(const std::string& sql, const std::string& refusal = "");
  // After a lost connection (a restarted or unreachable server): connects again
  // with the same parameters; statements are prepared again on use. Throws
  // PgError, a storage fault, while the server cannot be reached. A statement
  // outside a transaction does it first; inside one, the connection is not
  // replaced (what the transaction did is gone with it: the statement fails).
  void reconnect_if_lost();
  void set_in_transaction(bool in) { in_transaction_ = in; }
  bool in_transaction() const { return in_transaction_; }
  // Which server session this is: one more at each reconnection (what a
  // session held, such as an advisory lock, stayed with the old one).
  uint64_t session_number() const { return sessions_; }

 private:
  [[noreturn]] void fail(PGresult* result, const std::string& what) const;
  const std::string& prepared(const std::string& sql);
  // Flushes the buffers whose tables `sql` names.
  void flush_before(const std::string& sql);
  void set_up_session();
  // Runs `statement` on a live connection (outside a transaction, a lost one
  // is replaced first).
  template <typename Statement>
  PgResult on_live_connection(const Statement& statement) {
    if (!in_transaction_) reconnect_if_lost();
    return statement();
  }

  PGconn* conn_ = nullptr;
  std::string url_;  // for messages only, shown without its password
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
  struct SessionStatement {
    std::string sql;
    std::string refusal;
  };
  std::vector<SessionStatement> session_;
  void run_session_statement(const SessionStatement& statement);
  bool in_transaction_ = false;
  uint64_t sessions_ = 1;
  struct Buffer {
    PgBuffer* buffer;
    std::vector<std::string> tables;
  };
  std::vector<Buffer> buffers_;
  // SQL -> the buffers (bits, by index in buffers_) whose tables it names.
  std::unordered_map<std::string, uint64_t> names_tables_of_;
};

}  // namespace ota
