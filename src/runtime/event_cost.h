#pragma once
// What events cost the worker, learnt from every commit: a cost per commit
// (its round trips, its sync to disk), one per plain event, and one per
// transition (a report that moves an execution: it writes the execution, its
// history, its job's counts, and has an event to publish). From them, the
// capacity: how many uncommitted events the worker can surely apply and
// commit within a time budget.
//
// Each cost per event starts pessimistic (1 ms) and takes the first measures
// as they come; then it follows a slowdown at once (one slow commit of a few
// hundred events is enough) and a speedup slowly (over a few thousand
// events), so it errs on the side of committing in time. Commits of a few
// events (a lone admin request, a device connecting), mostly the cost of
// committing, teach the cost per commit only: they say nothing of what a
// flood costs. A commit with transitions teaches their cost as what is left
// once its plain events and the commit are paid at their known prices: a
// store that defers its writes to the commit (PostgreSQL) shows what a
// transition costs only there.
#include <chrono>
#include <cstdint>

namespace ota {

class EventCost {
 public:
  static constexpr int64_t kMinCapacity = 8;
  static constexpr int64_t kMaxCapacity = 100000;  // bounds memory whatever the estimate
  // A commit of at most this many events teaches the cost of a commit only,
  // and one with at most this many transitions the cost of a plain event only.
  static constexpr uint64_t kFewEvents = 4;

  explicit EventCost(double initial_us = 1000) : plain_{initial_us}, transition_{initial_us} {}
  // A commit of `events` events, `transitions` of them transitions, that took
  // `took` from the first apply to the end of the commit.
  void record_commit(uint64_t events, std::chrono::nanoseconds took, uint64_t transitions = 0);
  double us_per_event() const { return plain_.us; }
  double us_per_transition() const { return transition_.us; }
  double us_per_commit() const { return commit_us_; }
  // Events that fit in `budget` with their commit; each at the price of a
  // transition when `as_transitions` (a rollout is under way: any report may be one).
  int64_t capacity(std::chrono::microseconds budget, bool as_transitions = false) const;

 private:
  struct PerEvent {
    double us;
    double seen = 0;  // events measured so far
    void learn(double events, double total_us);
  };
  PerEvent plain_;
  PerEvent transition_;
  double commit_us_ = 0;
};

}  // namespace ota
