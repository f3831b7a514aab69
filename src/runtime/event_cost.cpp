#include "runtime/event_cost.h"

#include <algorithm>

namespace ota {

void EventCost::record_commit(uint64_t events, std::chrono::nanoseconds took) {
  if (events == 0) return;
  const double us = std::chrono::duration<double, std::micro>(took).count();
  if (events <= kFewEvents) {
    // Mostly the commit: what the events would have cost without it is its.
    const double residual = us - static_cast<double>(events) * us_;
    commit_us_ = std::max(0.0, commit_us_ + (residual - commit_us_) / 8);
    return;
  }
  record(events, std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::duration<double, std::micro>(std::max(0.0, us - commit_us_))));
}

void EventCost::record(uint64_t events, std::chrono::nanoseconds took) {
  if (events == 0) return;
  const double n = static_cast<double>(events);
  const double sample = std::chrono::duration<double, std::micro>(took).count() / n;
  // Weighted by the events measured: a batch of a few says little about a flood,
  // whose per-event cost (a shared commit) is what the capacity is for. While
  // few were measured, each measure counts as much as all before it.
  const double horizon = sample > us_ ? 256 : std::clamp(seen_, 1.0, 2048.0);
  const double weight = std::min(1.0, n / horizon);
  seen_ += n;
  us_ += (sample - us_) * weight;
  us_ = std::max(us_, 0.05);
}

int64_t EventCost::capacity(std::chrono::microseconds budget, double extra_us) const {
  const double fits = (static_cast<double>(budget.count()) - commit_us_) / (us_ + extra_us);
  return static_cast<int64_t>(std::clamp(fits, static_cast<double>(kMinCapacity), static_cast<double>(kMaxCapacity)));
}

}  // namespace ota
