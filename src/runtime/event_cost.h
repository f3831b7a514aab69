#pragma once
// What one event costs the worker, applying it plus its share of the commit,
// learnt from every commit. From it, the capacity: how many uncommitted events
// the worker can surely apply and commit within a time budget. It starts
// pessimistic (1 ms an event) and takes the first measures as they come; then
// it follows a slowdown at once (one slow commit of a few hundred events is
// enough) and a speedup slowly (over a few thousand events), so it errs on the
// side of committing in time.
#include <chrono>
#include <cstdint>

namespace ota {

class EventCost {
 public:
  static constexpr int64_t kMinCapacity = 8;
  static constexpr int64_t kMaxCapacity = 100000;  // bounds memory whatever the estimate

  explicit EventCost(double initial_us = 1000) : us_(initial_us) {}

  // A commit of `events` events that took `took` from the first apply to the end of the commit.
  void record(uint64_t events, std::chrono::nanoseconds took);
  double us_per_event() const { return us_; }
  int64_t capacity(std::chrono::microseconds budget) const;

 private:
  double us_;
  double seen_ = 0;  // events measured so far
};

}  // namespace ota
