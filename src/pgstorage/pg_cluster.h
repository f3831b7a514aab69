#pragma once
// Several brokers on one PostgreSQL database (store/cluster.h): the lead is a
// session advisory lock of the worker's connection; inbox, outbox, sessions
// and heartbeats are tables (sql/postgresql/004_brokers.sql); NOTIFY wakes the
// brokers that LISTEN (pg_listener.h). Within a transaction the sessions
// opened and closed are held back (a PgBuffer) and written in two statements
// at most, whatever their number: a fleet connecting at once is thousands.
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "pgstorage/pg_connection.h"
#include "store/cluster.h"

namespace ota {

// The channels brokers LISTEN on.
inline constexpr const char* kPgInboxChannel = "ota_inbox";
inline constexpr const char* kPgOutboxChannel = "ota_outbox";

class PgCluster : public ClusterRepository, public PgBuffer {
 public:
  explicit PgCluster(PgConnection& db);
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  bool try_lead() override;
  bool still_leading() override;
  Heartbeat heartbeat(const std::string& broker, int64_t outbox_seq, int64_t timeout_ms) override;
  std::vector<std::string> lapsed_brokers(int64_t timeout_ms) override;
  int64_t live_broker_count(int64_t timeout_ms) override;
  void forget_broker(const std::string& broker) override;
  void append_inbox(const std::string& broker, const std::vector<std::string>& bodies) override;
  int64_t inbox_size(int64_t at_most) override;
  std::vector<InboxEntry> take_inbox(int limit, const std::optional<std::string>& from) override;
  void notify_inbox() override;
  void notify_outbox() override;
  int64_t append_outbox(const std::vector<OutboxWrite>& messages) override;
  std::vector<OutboxEntry> outbox_after(const std::string& broker, int64_t after_seq, int limit) override;
  int64_t outbox_head() override;
  void trim_outbox(int64_t timeout_ms) override;
  void save_session(const ClusterSession& session) override;
  void drop_session(const std::string& broker, uint64_t conn) override;
  std::vector<ClusterSession> sessions(const std::optional<std::string>& broker) override;
  void drop_sessions(const std::string& broker) override;

  bool empty() const override { return held_.empty(); }
  void flush() override;
  void discard() override { held_.clear(); }

 private:
  PgConnection& db_;
  // Each session's last change by (broker, conn): saved, or none (dropped).
  std::map<std::pair<std::string, int64_t>, std::optional<ClusterSession>> held_;
  bool leading_ = false;
  uint64_t lead_session_ = 0;  // the connection's session that holds the lead
  const std::string token_;    // this process's, in its heartbeats
};

}  // namespace ota
