#pragma once
// What the worker applies events with, inside its transactions: the Engine
// (one broker on its own store), or a ClusterNode (brokers sharing one store,
// runtime/cluster_node.h). Worker thread only.
#include <chrono>
#include <cstdint>
#include <vector>

#include "ota/effects.h"
#include "runtime/events.h"

namespace ota {

class Applier {
 public:
  virtual ~Applier() = default;
  // Leaves `event` as it was, so that it can be applied again after a rollback.
  virtual void handle(Event& event, int64_t now_ms, Effects& out) = 0;
  // A hint, inside the transaction, before `events` are handled in it: a store
  // where each read is a round trip reads what they will need at once.
  virtual void prefetch(const std::vector<const Event*>& /*events*/) {}
  // Timers; what is left at `deadline` waits for the next tick.
  virtual void tick(int64_t now_ms, Effects& out, std::chrono::steady_clock::time_point deadline) = 0;
  // After the store was rolled back: what is kept in memory of it is read again.
  virtual void resync() = 0;
  virtual void set_step_budget(std::chrono::microseconds budget) = 0;
  // At most this many first commands a second (ota/send_pace.h).
  virtual void set_send_rate(double per_second) = 0;
  // True while timers need ticks more often than every 100 ms.
  virtual bool wants_fast_ticks() const = 0;
  // True while a rollout is under way: reports may move executions.
  virtual bool rollout_under_way() const = 0;
  // Any thread: whether this broker leads the brokers sharing its store (one
  // on its own store: it decides everything itself).
  virtual bool leads() const { return true; }
  // True while reports must be refused: what this broker relayed waits for
  // another to apply it, and too much of it already waits.
  virtual bool behind() const { return false; }
  // The broker stops: the last transaction, after everything accepted.
  virtual void stopping(int64_t /*now_ms*/, Effects& /*out*/) {}
  // Just before the transaction commits, with all it will publish; and once it committed.
  virtual void before_commit(Effects&) {}
  virtual void after_commit() {}
};

}  // namespace ota
