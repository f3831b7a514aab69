#pragma once
// Several brokers sharing one store (PostgreSQL): what they tell each other
// through it. One broker at a time leads: it alone runs the OTA flow (every
// event of the fleet, the timers, the rate limits), so that each decision is
// made once. The others relay the events of their clients to it through the
// inbox, and publish what it decided through the outbox. Each broker
// heartbeats; the leader forgets a broker whose heartbeat lapsed, and the
// devices it held.
//
// Every call runs in the caller's open transaction, on the worker thread.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ota {

struct InboxEntry {
  int64_t seq = 0;
  std::string broker;  // who relayed it
  std::string body;    // runtime/cluster_codec.h
};

struct OutboxEntry {
  int64_t seq = 0;
  std::string body;
};

// A device session a broker holds, as the leader recorded it.
struct ClusterSession {
  std::string broker;
  uint64_t conn = 0;
  std::string product;
  std::string device;
  std::string client_id;
};

class ClusterRepository {
 public:
  virtual ~ClusterRepository() = default;

  // Takes the lead if no broker holds it: true while this broker leads. The
  // lead is held by the store connection: it goes when the connection goes
  // (a broker killed, a connection lost), and another broker takes it.
  virtual bool try_lead() = 0;
  // False once the connection that took the lead was lost, so the lead with it.
  virtual bool still_leading() = 0;

  // The broker is alive, and has read the outbox up to `outbox_seq`.
  enum class Heartbeat {
    First,  // its row was missing (first heartbeat, or the leader forgot it meanwhile)
    Again,
    // Another process heartbeat under this id within `timeout_ms`: the same
    // broker restarted (for a timeout at most), or two brokers share an id.
    Taken,
  };
  virtual Heartbeat heartbeat(const std::string& broker, int64_t outbox_seq, int64_t timeout_ms) = 0;
  // Brokers whose last heartbeat is older than `timeout_ms` by the store's
  // clock, and brokers with sessions and no heartbeat at all.
  virtual std::vector<std::string> lapsed_brokers(int64_t timeout_ms) = 0;
  // How many brokers heartbeat within `timeout_ms`, this one included.
  virtual int64_t live_broker_count(int64_t timeout_ms) = 0;
  // The broker, its sessions and the outbox entries for it, gone.
  virtual void forget_broker(const std::string& broker) = 0;

  // Events in the order given (one statement for them all).
  virtual void append_inbox(const std::string& broker, const std::vector<std::string>& bodies) = 0;
  // How many entries wait in the inbox, counted up to `at_most`.
  virtual int64_t inbox_size(int64_t at_most) = 0;
  // The oldest entries (of broker `from` only, when given), at most `limit`,
  // removed (they are applied in the same transaction).
  virtual std::vector<InboxEntry> take_inbox(int limit, const std::optional<std::string>& from) = 0;
  // Wakes the brokers listening (at commit): the leader for the inbox, every broker for the outbox.
  virtual void notify_inbox() = 0;
  virtual void notify_outbox() = 0;

  // Messages in the order given (one statement for them all), each for one
  // broker or for every broker (none).
  struct OutboxWrite {
    std::optional<std::string> broker;
    std::string body;
  };
  // Returns the seq of the last one (0 for none).
  virtual int64_t append_outbox(const std::vector<OutboxWrite>& messages) = 0;
  // The entries for `broker` (or for all) after `after_seq`, oldest first, at most `limit`.
  virtual std::vector<OutboxEntry> outbox_after(const std::string& broker, int64_t after_seq, int limit) = 0;
  // The newest entry's seq (0: none).
  virtual int64_t outbox_head() = 0;
  // Entries every live broker has read.
  virtual void trim_outbox(int64_t timeout_ms) = 0;

  virtual void save_session(const ClusterSession& session) = 0;
  virtual void drop_session(const std::string& broker, uint64_t conn) = 0;
  virtual std::vector<ClusterSession> sessions(const std::optional<std::string>& broker) = 0;
  virtual void drop_sessions(const std::string& broker) = 0;
};

}  // namespace ota
