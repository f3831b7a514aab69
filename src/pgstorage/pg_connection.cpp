#include "pgstorage/pg_connection.h"

#include <cctype>
#include <cstdio>
#include <cstring>

#include "pgstorage/pg_url.h"
#include "protocol/strict_json.h"

namespace ota {
namespace {

bool ok(PGresult* r) {
  const ExecStatusType s = PQresultStatus(r);
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Notices ("relation already exists, skipping") would go to stderr, the broker's log.
void ignore_notice(void*, const char*) {}

bool identifier_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Whether `sql` has `name` as a whole word (a table name, unquoted).
bool names(const std::string& sql, const std::string& name) {
  for (size_t at = sql.find(name); at != std::string::npos; at = sql.find(name, at + 1)) {
    const size_t end = at + name.size();
    if ((at == 0 || !identifier_char(sql[at - 1])) && (end == sql.size() || !identifier_char(sql[end]))) return true;
  }
  return false;
}

void append_quoted(std::string& out, const std::string& item) {
  out += '"';
  for (char c : item) {
    if (c == '\0') break;  // where libpq would end the value
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace

PgValue pg_value(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", d);  // enough digits to read back the same double
  return std::string(buf);
}

PgValue pg_text_array(const std::vector<std::string>& items) {
  PgArray array;
  for (const auto& item : items) array.add(item);
  return array.value();
}

void PgArray::add(const std::string& item) {
  next();
  append_quoted(text_, item);
}

void PgArray::add(int64_t n) {
  next();
  text_ += std::to_string(n);
}

void PgArray::add(const std::optional<std::string>& item) {
  if (item) return add(*item);
  next();
  text_ += "NULL";
}

void PgArray::add(const std::optional<int64_t>& n) {
  if (n) return add(*n);
  next();
  text_ += "NULL";
}

bool pg_is_utf8(const std::string& text) {
  // Up to a NUL, where libpq ends a text value.
  return is_valid_utf8(std::string_view(text.c_str(), std::strlen(text.c_str())));
}

void pg_check_utf8(const std::string& text) {
  if (!pg_is_utf8(text)) throw PgError("PostgreSQL: invalid byte sequence for encoding \"UTF8\"", "22021", false);
}

std::string PgResult::text_at(int row, int col) const {
  return std::string(PQgetvalue(result_.get(), row, col), static_cast<size_t>(PQgetlength(result_.get(), row, col)));
}

int64_t PgResult::int_at(int row, int col) const {
  if (null_at(row, col)) return 0;
  return std::stoll(PQgetvalue(result_.get(), row, col));
}

std::optional<int64_t> PgResult::optional_int_at(int row, int col) const {
  if (null_at(row, col)) return std::nullopt;
  return int_at(row, col);
}

std::optional<double> PgResult::optional_double_at(int row, int col) const {
  if (null_at(row, col)) return std::nullopt;
  return std::stod(PQgetvalue(result_.get(), row, col));
}

int64_t PgResult::affected() const {
  const char* n = PQcmdTuples(result_.get());
  return *n ? std::stoll(n) : 0;
}

PgConnection::PgConnection(const std::string& url) {
  if (!is_pg_url(url)) throw PgError("not a postgresql:// URL: " + redacted_url(url));
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &parse_error);
  if (!options) {
    std::string why = parse_error ? trimmed(parse_error) : "out of memory";
    PQfreemem(parse_error);
    throw PgError("bad PostgreSQL URL " + redacted_url(url) + ": " + without_password(why, url));
  }
  PQconninfoFree(options);
  url_ = url;
  // A server that drops packets must not hold the broker's start (or the
  // worker) for TCP's minutes: 10 s unless the URL says otherwise (it comes
  // after, so it overrides).
  // TCP keepalives and a send timeout, so that a server that vanished without
  // a word (a network partition) is noticed in about 25-30 s, idle or in the
  // middle of a statement, not after the system's 2 hours or 15 minutes.
  const char* keywords[] = {"connect_timeout", "keepalives",       "keepalives_idle", "keepalives_interval",
                            "keepalives_count", "tcp_user_timeout", "dbname",          nullptr};
  const char* values[] = {"10", "1", "10", "5", "3", "30000", url.c_str(), nullptr};
  conn_ = PQconnectdbParams(keywords, values, 1);
  if (PQstatus(conn_) != CONNECTION_OK) {
    const std::string why = conn_ ? trimmed(PQerrorMessage(conn_)) : "out of memory";
    PQfinish(conn_);
    conn_ = nullptr;
    // An unreachable server may come back: a storage fault, not a bad setting.
    throw PgError("cannot connect to " + redacted_url(url) + ": " + without_password(why, url), "08001", true);
  }
  PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
  set_up_session();
}

void PgConnection::set_up_session() {
  if (PQsetClientEncoding(conn_, "UTF8") != 0) fail(nullptr, "setting the client encoding to UTF8");
  for (const auto& statement : session_) run_session_statement(statement);
}

void PgConnection::run_session_statement(const SessionStatement& statement) {
  const PgResult r = exec(statement.sql);
  // A storage fault: at start it stops the broker, later the worker tries again.
  if (!statement.refusal.empty() && !(r.rows() == 1 && r.bool_at(0, 0))) throw PgError(statement.refusal, "", true);
}

void PgConnection::on_connect(const std::string& sql, const std::string& refusal) {
  session_.push_back({sql, refusal});
  run_session_statement(session_.back());
}

void PgConnection::reconnect_if_lost() {
  if (!lost()) return;
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    throw PgError("cannot connect again to " + redacted_url(url_) + ": " + without_password(trimmed(PQerrorMessage(conn_)), url_),
                  "08001", true);
  }
  prepared_.clear();  // the server forgot them with the old session
  ++sessions_;
  set_up_session();
}

PgConnection::~PgConnection() { PQfinish(conn_); }

void PgConnection::fail(PGresult* result, const std::string& what) const {
  std::string message = result ? PQresultErrorMessage(result) : "";
  if (message.empty()) message = PQerrorMessage(conn_);
  std::string sqlstate;
  if (result) {
    const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    if (state) sqlstate = state;
  }
  PQclear(result);
  throw PgError("PostgreSQL: " + what + ": " + trimmed(message), sqlstate, lost());
}

PgResult PgConnection::exec(const std::string& sql) {
  flush_before(sql);
  return on_live_connection([&] {
    PGresult* r = PQexec(conn_, sql.c_str());
    if (!ok(r)) fail(r, "statement failed");
    return PgResult(r);
  });
}

const std::string& PgConnection::prepared(const std::string& sql) {
  auto found = prepared_.find(sql);
  if (found != prepared_.end()) return found->second;
  std::string name = "ota_" + std::to_string(prepared_.size() + 1);
  PGresult* r = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
  if (!ok(r)) fail(r, "preparing a statement failed");
  PQclear(r);
  return prepared_.emplace(sql, std::move(name)).first->second;
}

void PgConnection::add_buffer(PgBuffer& buffer, std::vector<std::string> tables) {
  if (buffers_.size() == 64) throw PgError("too many write buffers on one connection");
  buffers_.push_back({&buffer, std::move(tables)});
  names_tables_of_.clear();  // each SQL is looked at again, for this buffer's tables too
}

void PgConnection::flush_buffers() {
  for (const auto& b : buffers_) {
    if (!b.buffer->empty()) b.buffer->flush();
  }
}

void PgConnection::discard_buffers() {
  for (const auto& b : buffers_) b.buffer->discard();
}

void PgConnection::flush_before(const std::string& sql) {
  bool held = false;
  for (const auto& b : buffers_) held = held || !b.buffer->empty();
  if (!held) return;
  auto found = names_tables_of_.find(sql);
  if (found == names_tables_of_.end()) {
    uint64_t bits = 0;
    for (size_t i = 0; i < buffers_.size(); ++i) {
      for (const auto& table : buffers_[i].tables) {
        if (names(sql, table)) bits |= uint64_t{1} << i;
      }
    }
    found = names_tables_of_.emplace(sql, bits).first;
  }
  const uint64_t bits = found->second;
  for (size_t i = 0; i < buffers_.size(); ++i) {
    if ((bits >> i & 1) && !buffers_[i].buffer->empty()) buffers_[i].buffer->flush();
  }
}

PgResult PgConnection::run(const std::string& sql, const std::vector<PgValue>& params) {
  flush_before(sql);
  return run_direct(sql, params);
}

PgResult PgConnection::run_direct(const std::string& sql, const std::vector<PgValue>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return on_live_connection([&] {
    const std::string& name = prepared(sql);
    PGresult* r = PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(), nullptr,
                                 nullptr, 0);
    if (!ok(r)) fail(r, "query failed");
    return PgResult(r);
  });
}

}  // namespace ota
