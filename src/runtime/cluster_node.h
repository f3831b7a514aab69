#pragma once
// A broker among several that share one store (store/cluster.h).
//
// One broker at a time leads: it runs the Engine over the events of the whole
// fleet, so that each decision (an execution created, a command re-sent, a
// rate slot, a timeout, a job completed) is made once, in one place. A broker
// that does not lead relays its events to the leader through the inbox, in
// the transaction that would have applied them (so acknowledged still means
// stored), and publishes what the leader decided from the outbox: the
// messages for everyone (commands, events; a command goes out only where the
// device's session is, see deliver_effects) and the answers to its own
// clients' admin requests.
//
// The lead goes with the leader's store connection (a broker killed, a
// connection lost): another broker takes it within a second, learns from the
// store who is online where, and carries on. Every broker heartbeats; the
// leader forgets a broker whose heartbeat lapsed (broker_timeout_seconds) and
// the devices it held, which reconnect elsewhere.
//
// Worker thread only.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <unordered_map>

#include "protocol/options.h"
#include "runtime/applier.h"
#include "runtime/engine.h"
#include "store/cluster.h"
#include "store/repositories.h"

namespace ota {

class ClusterNode : public Applier {
 public:
  // Relayed events waiting in the inbox at most before this broker refuses reports.
  // The leader applies tens of thousands of events a second: this is about a second behind.
  static constexpr int64_t kInboxLimit = 20000;

  ClusterNode(const Repositories& store, ClusterRepository& cluster, const Options& options,
              int64_t inbox_limit = kInboxLimit);

  void handle(Event& event, int64_t now_ms, Effects& out) override;
  void prefetch(const std::vector<const Event*>& events) override;
  void tick(int64_t now_ms, Effects& out, std::chrono::steady_clock::time_point deadline) override;
  void resync() override;
  void set_step_budget(std::chrono::microseconds budget) override;
  void set_send_rate(double per_second) override;
  bool wants_fast_ticks() const override;
  bool rollout_under_way() const override { return engine_ && engine_->rollout_under_way(); }
  // The sessions this broker held are gone: the others need not wait for its heartbeat to lapse.
  void stopping(int64_t now_ms, Effects& out) override;
  void before_commit(Effects& effects) override;
  void after_commit() override;
  bool behind() const override { return behind_; }

  bool leading() const { return engine_ != nullptr; }
  // Any thread: leading as of the last timer step or event.
  bool leads() const override { return leading_.load(std::memory_order_relaxed); }

 private:
  using Clock = std::chrono::steady_clock;
  // Before this broker's first event or timer step: where it starts reading
  // the outbox, and the announcement that its earlier sessions are gone.
  void start(int64_t now_ms, Effects& out);
  void heartbeat(int64_t now_ms, Effects& out);
  // Another live process heartbeats under this broker's id: said in the log
  // once that has lasted past a restart's overlap.
  void report_id_clash(bool taken, Effects& out);
  void take_lead(Effects& out);
  void step_down(Effects& out);
  // Relays an event of this broker's to the leader (or, leading, applies it);
  // none: that the sessions this broker held are gone.
  void relay(Event* event, int64_t now_ms, Effects& out);
  // Leader: applies an event that came to `broker`.
  void apply(const std::string& broker, Event& event, int64_t now_ms, Effects& out);
  // Leader: the inbox (only what broker `from` relayed, when given: then all
  // of it), a chunk at a time, until empty or `deadline`.
  void take_inbox(int64_t now_ms, Effects& out, Clock::time_point deadline,
                  const std::optional<std::string>& from = std::nullopt);
  // Takes and applies a chunk; returns how many entries it took. `one_by_one`:
  // each in a savepoint, a failing one dropped.
  size_t apply_inbox_chunk(int64_t now_ms, Effects& out, bool one_by_one, const std::optional<std::string>& from);
  // Back to the innermost savepoint: the store, what was to be published and the engine's memory.
  void undo_to_savepoint(Effects& out, size_t publishes, size_t logs);
  // Leading: applies what this broker relayed before, if anything still waits;
  // true when its events are applied at once (it leads).
  bool applies_own_events(int64_t now_ms, Effects& out);
  // Leader: `broker` started again or lapsed: the sessions it held are gone.
  void forget_sessions(const std::string& broker);
  void forget_lapsed_brokers(Effects& out);
  void read_outbox(Effects& out, Clock::time_point deadline);
  // Leader: a connection's key among every broker's (each numbers its own).
  uint64_t fleet_conn(const std::string& broker, uint64_t conn);
  // Tells the leader again who is connected here, after it forgot this broker.
  void announce(int64_t now_ms, Effects& out);

  const Repositories store_;
  ClusterRepository& cluster_;
  const Options& options_;
  const std::string self_;
  const int64_t timeout_ms_;
  const int64_t inbox_limit_;
  // Not leading, and the inbox holds inbox_limit_ events or more (until it is back under half of it).
  bool behind_ = false;
  std::chrono::microseconds step_budget_ = std::chrono::microseconds::max();
  double send_rate_ = 0;
  std::unique_ptr<Engine> engine_;  // while leading
  std::atomic<bool> leading_{false};  // engine_ != nullptr, for other threads
  std::unordered_map<std::string, uint64_t> broker_numbers_;  // leader: for fleet_conn
  // This broker's device sessions, as its events said: told again to a leader that forgot them.
  std::map<uint64_t, ConnectionOpened> local_sessions_;
  bool announced_ = false;   // committed
  bool announcing_ = false;  // in the open transaction
  uint64_t heartbeats_ = 0;
  // Leading: events this broker relayed before it led are still in the inbox,
  // so its new ones go there too, behind them, until it is empty.
  bool own_events_queued_ = false;
  bool inbox_backlog_ = false;
  int64_t live_brokers_ = 1;
  // The outbox: read up to here (committed), and in the open transaction.
  int64_t outbox_read_ = -1;
  int64_t outbox_pending_ = -1;
  int64_t outbox_written_ = 0;  // leading: the last entry written in the open transaction
  bool outbox_backlog_ = false;
  // Events relayed in the open transaction: written at once, before it commits.
  std::vector<std::string> relayed_;
  Clock::time_point next_lead_check_{};
  Clock::time_point next_heartbeat_{};
  Clock::time_point next_lapse_check_{};
  Clock::time_point taken_since_{};
  Clock::time_point clash_logged_at_{};
};

}  // namespace ota
