#include "pgstorage/pg_cluster.h"

#include <random>

#include "pgstorage/pg_migrate.h"
#include "pgstorage/pg_rows.h"
#include "protocol/signatures.h"

namespace ota {
namespace {

// The server's clock in unix ms: the brokers' clocks need not agree.
constexpr const char* kNowMs = "(extract(epoch from clock_timestamp()) * 1000)::bigint";

// bytea travels as hex text ('\x...'), decoded here.
std::string body_at(const PgResult& r, int row, int col) {
  const std::string text = r.text_at(row, col);
  auto bytes = from_hex(std::string_view(text).substr(text.compare(0, 2, "\\x") == 0 ? 2 : 0));
  return bytes ? *bytes : std::string();
}

std::string as_bytea(const std::string& body) { return "\\x" + to_hex(body); }

// 128 random bits, in hex.
std::string random_token() {
  std::random_device device;
  std::string bytes;
  for (int i = 0; i < 4; ++i) {
    const uint32_t word = device();
    bytes.append(reinterpret_cast<const char*>(&word), sizeof word);
  }
  return to_hex(bytes);
}

}  // namespace

PgCluster::PgCluster(PgConnection& db) : db_(db), token_(random_token()) {
  db_.add_buffer(*this, {"cluster_sessions"});
}

bool PgCluster::try_lead() {
  if (still_leading()) return true;
  leading_ = db_.query("SELECT pg_try_advisory_lock($1)", kPgLeaderLock).bool_at(0, 0);
  lead_session_ = db_.session_number();
  return leading_;
}

bool PgCluster::still_leading() {
  // A reconnected connection is a new session: the lock stayed with the old one.
  leading_ = leading_ && db_.session_number() == lead_session_ && !db_.lost();
  return leading_;
}

ClusterRepository::Heartbeat PgCluster::heartbeat(const std::string& broker, int64_t outbox_seq,
                                                  int64_t timeout_ms) {
  // Only this process's row, or one whose process has stopped heartbeating, is
  // taken over. xmax is 0 in a row the statement inserted (not one it updated).
  PgResult r = db_.query(std::string("INSERT INTO brokers AS b (id, heartbeat_at, outbox_seq, token) VALUES ($1, ") +
                             kNowMs +
                             ", $2, $3) ON CONFLICT (id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at, "
                             "outbox_seq = EXCLUDED.outbox_seq, token = EXCLUDED.token "
                             "WHERE b.token = EXCLUDED.token OR b.heartbeat_at < EXCLUDED.heartbeat_at - $4 "
                             "RETURNING (xmax = 0)",
                         broker, outbox_seq, token_, timeout_ms);
  if (r.rows() == 0) return Heartbeat::Taken;
  return r.bool_at(0, 0) ? Heartbeat::First : Heartbeat::Again;
}

std::vector<std::string> PgCluster::lapsed_brokers(int64_t timeout_ms) {
  // A broker that held sessions and has no row died before its first
  // heartbeat committed, or was forgotten while its events still came.
  return pg_texts(db_.query(std::string("SELECT id FROM brokers WHERE heartbeat_at < ") + kNowMs +
                                " - $1 UNION SELECT DISTINCT broker FROM cluster_sessions s WHERE NOT EXISTS "
                                "(SELECT 1 FROM brokers b WHERE b.id = s.broker) ORDER BY 1",
                            timeout_ms));
}

int64_t PgCluster::live_broker_count(int64_t timeout_ms) {
  return db_.query(std::string("SELECT count(*) FROM brokers WHERE heartbeat_at >= ") + kNowMs + " - $1", timeout_ms)
      .int_at(0, 0);
}

void PgCluster::forget_broker(const std::string& broker) {
  drop_sessions(broker);
  db_.query("DELETE FROM cluster_outbox WHERE broker = $1", broker);
  db_.query("DELETE FROM brokers WHERE id = $1", broker);
}

void PgCluster::append_inbox(const std::string& broker, const std::vector<std::string>& bodies) {
  if (bodies.empty()) return;
  std::vector<std::string> hex;
  hex.reserve(bodies.size());
  for (const auto& body : bodies) hex.push_back(as_bytea(body));
  // WITH ORDINALITY: the identity values follow the order given.
  db_.query(
      "INSERT INTO cluster_inbox (broker, body) SELECT $1, b FROM unnest($2::bytea[]) WITH ORDINALITY AS t(b, n) "
      "ORDER BY n",
      broker, pg_text_array(hex));
}

int64_t PgCluster::inbox_size(int64_t at_most) {
  return db_.query("SELECT count(*) FROM (SELECT 1 FROM cluster_inbox LIMIT $1) AS waiting", at_most).int_at(0, 0);
}

std::vector<InboxEntry> PgCluster::take_inbox(int limit, const std::optional<std::string>& from) {
  PgResult r = db_.query(
      "WITH taken AS (DELETE FROM cluster_inbox WHERE seq IN "
      "(SELECT seq FROM cluster_inbox WHERE $2::text IS NULL OR broker = $2 ORDER BY seq LIMIT $1) "
      "RETURNING seq, broker, body) "
      "SELECT seq, broker, encode(body, 'hex') FROM taken ORDER BY seq",
      limit, from);
  return pg_read_all(r, [](const PgResult& res, int i) {
    return InboxEntry{res.int_at(i, 0), res.text_at(i, 1), body_at(res, i, 2)};
  });
}

void PgCluster::notify_inbox() { db_.exec(std::string("NOTIFY ") + kPgInboxChannel); }
void PgCluster::notify_outbox() { db_.exec(std::string("NOTIFY ") + kPgOutboxChannel); }

int64_t PgCluster::append_outbox(const std::vector<OutboxWrite>& messages) {
  if (messages.empty()) return 0;
  std::vector<std::string> brokers, hex;
  brokers.reserve(messages.size());
  hex.reserve(messages.size());
  for (const auto& m : messages) {
    brokers.push_back(m.broker.value_or(""));  // broker ids are never empty: "" is every broker
    hex.push_back(as_bytea(m.body));
  }
  return db_
      .query(
          "WITH written AS (INSERT INTO cluster_outbox (broker, body) SELECT NULLIF(r, ''), b "
          "FROM unnest($1::text[], $2::bytea[]) WITH ORDINALITY AS t(r, b, n) ORDER BY n RETURNING seq) "
          "SELECT COALESCE(max(seq), 0) FROM written",
          pg_text_array(brokers), pg_text_array(hex))
      .int_at(0, 0);
}

std::vector<OutboxEntry> PgCluster::outbox_after(const std::string& broker, int64_t after_seq, int limit) {
  PgResult r = db_.query(
      "SELECT seq, encode(body, 'hex') FROM cluster_outbox WHERE seq > $2 AND (broker IS NULL OR broker = $1) "
      "ORDER BY seq LIMIT $3",
      broker, after_seq, limit);
  return pg_read_all(r, [](const PgResult& res, int i) { return OutboxEntry{res.int_at(i, 0), body_at(res, i, 1)}; });
}

int64_t PgCluster::outbox_head() {
  return db_.query("SELECT COALESCE(max(seq), 0) FROM cluster_outbox").int_at(0, 0);
}

void PgCluster::trim_outbox(int64_t timeout_ms) {
  db_.query(std::string("DELETE FROM cluster_outbox WHERE seq <= (SELECT COALESCE(min(outbox_seq), 0) FROM brokers "
                        "WHERE heartbeat_at >= ") +
                kNowMs + " - $1)",
            timeout_ms);
}

void PgCluster::save_session(const ClusterSession& s) {
  for (const std::string* text : {&s.broker, &s.product, &s.device, &s.client_id}) pg_check_utf8(*text);
  held_[{s.broker, static_cast<int64_t>(s.conn)}] = s;
  // Outside a transaction each statement commits by itself: nothing waits.
  if (!db_.in_transaction()) flush();
}

void PgCluster::drop_session(const std::string& broker, uint64_t conn) {
  pg_check_utf8(broker);
  held_[{broker, static_cast<int64_t>(conn)}] = std::nullopt;
  if (!db_.in_transaction()) flush();
}

void PgCluster::flush() {
  if (held_.empty()) return;
  decltype(held_) held;
  held.swap(held_);  // whatever happens: a failed statement fails the transaction
  // Each session as it is last: dropped, or saved (the two never the same row).
  PgArray brokers, conns, saved_brokers, saved_conns, products, devices, client_ids;
  for (const auto& [key, session] : held) {
    if (!session) {
      brokers.add(key.first);
      conns.add(key.second);
      continue;
    }
    saved_brokers.add(key.first);
    saved_conns.add(key.second);
    products.add(session->product);
    devices.add(session->device);
    client_ids.add(session->client_id);
  }
  db_.query_direct(
      "WITH gone AS (DELETE FROM cluster_sessions s USING unnest($1::text[], $2::bigint[]) AS g (broker, conn) "
      "WHERE s.broker = g.broker AND s.conn = g.conn) "
      "INSERT INTO cluster_sessions (broker, conn, product, device, client_id) "
      "SELECT * FROM unnest($3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[]) "
      "ON CONFLICT (broker, conn) DO UPDATE SET product = EXCLUDED.product, device = EXCLUDED.device, "
      "client_id = EXCLUDED.client_id",
      brokers.value(), conns.value(), saved_brokers.value(), saved_conns.value(), products.value(),
      devices.value(), client_ids.value());
}

std::vector<ClusterSession> PgCluster::sessions(const std::optional<std::string>& broker) {
  PgResult r = db_.query(
      "SELECT broker, conn, product, device, client_id FROM cluster_sessions "
      "WHERE $1::text IS NULL OR broker = $1 ORDER BY broker, conn",
      broker);
  return pg_read_all(r, [](const PgResult& res, int i) {
    return ClusterSession{res.text_at(i, 0), static_cast<uint64_t>(res.int_at(i, 1)), res.text_at(i, 2),
                          res.text_at(i, 3), res.text_at(i, 4)};
  });
}

void PgCluster::drop_sessions(const std::string& broker) {
  db_.query("DELETE FROM cluster_sessions WHERE broker = $1", broker);
}

}  // namespace ota
