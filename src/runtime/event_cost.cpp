#include "runtime/event_cost.h"

#include <algorithm>

namespace ota {

void EventCost::record_commit(uint64_t events, std::chrono::nanoseconds took, uint64_t transitions) {
  if (events == 0) return;
  const double us = std::chrono::duration<double, std::micro>(took).count();
  const double n = static_cast<double>(events);
  if (events <= kFewEvents) {
    // Mostly the commit: what the events would have cost without it is its.
    const double residual = us - n * plain_.us;
    commit_us_ = std::max(0.0, commit_us_ + (residual - commit_us_) / 8);
    return;
  }
  if (transitions <= kFewEvents) {
    plain_.learn(n, std::max(0.0, us - commit_us_));
    return;
  }
  const double plain = static_cast<double>(events - transitions);
  transition_.learn(static_cast<double>(transitions), std::max(0.0, us - commit_us_ - plain * plain_.us));
}

void EventCost::PerEvent::learn(double events, double total_us) {
  const double sample = total_us / events;
  // Weighted by the events measured: a batch of a few says little about a flood,
  // whose per-event cost (a shared commit) is what the capacity is for. While
  // few were measured, each measure counts as much as all before it.
  const double horizon = sample > us ? 256 : std::clamp(seen, 1.0, 2048.0);
  const double weight = std::min(1.0, events / horizon);
  seen += events;
  us += (sample - us) * weight;
  us = std::max(us, 0.05);
}

int64_t EventCost::capacity(std::chrono::microseconds budget, bool as_transitions) const {
  const double per_event = as_transitions ? std::max(plain_.us, transition_.us) : plain_.us;
  const double fits = (static_cast<double>(budget.count()) - commit_us_) / per_event;
  return static_cast<int64_t>(std::clamp(fits, static_cast<double>(kMinCapacity), static_cast<double>(kMaxCapacity)));
}

}  // namespace ota
