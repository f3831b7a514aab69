#pragma once
// What events cost the worker, learnt from every commit: a cost per commit
// (its round trips, its sync to disk) and one per event (applying it, and its
// rows' share of the writes). From them, the capacity: how many uncommitted
// events the worker can surely apply and commit within a time budget. The
// cost per event starts pessimistic (1 ms) and takes the first measures as
// they come; then it follows a slowdown at once (one slow commit of a few
// hundred events is enough) and a speedup slowly (over a few thousand
// events), so it errs on the side of committing in time. Commits of a few
// events (a lone admin request, a device connecting), mostly the cost of
// committing, teach the cost per commit and leave the cost per event as it
// was: they say nothing of what a flood costs.
#include <chrono>
#include <cstdint>

namespace ota {

class EventCost {
 public:
  static constexpr int64_t kMinCapacity = 8;
  static constexpr int64_t kMaxCapacity = 100000;  // bounds memory whatever the estimate
  // A commit of at most this many events teaches the cost of a commit only.
  static constexpr uint64_t kFewEvents = 4;

  explicit EventCost(double initial_us = 1000) : us_(initial_us) {}
  // A commit of `events` events that took `took` from the first apply to the end of the commit.
  void record_commit(uint64_t events, std::chrono::nanoseconds took);
  // Events that took `took` to apply, with no commit of their own.
  void record(uint64_t events, std::chrono::nanoseconds took);
  double us_per_event() const { return us_; }
  double us_per_commit() const { return commit_us_; }
  // Events that fit in `budget` with their commit, each `extra_us` dearer than measured.
  int64_t capacity(std::chrono::microseconds budget, double extra_us = 0) const;

 private:
  double us_;
  double commit_us_ = 0;
  double seen_ = 0;  // events measured so far
};

}  // namespace ota
