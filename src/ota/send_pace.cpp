#include "ota/send_pace.h"

#include <algorithm>

namespace ota {

double SendPace::burst() const { return std::max(1.0, per_ms_ * 100); }

void SendPace::set_rate(double per_second) {
  const bool was_limited = limited();
  per_ms_ = std::max(0.0, per_second / 1000);
  if (!was_limited) tokens_ = burst();  // a first rate starts full
  tokens_ = std::min(tokens_, burst());
}

bool SendPace::ready(int64_t now_ms) {
  if (!limited()) return true;
  if (now_ms > at_ms_) tokens_ = std::min(burst(), tokens_ + static_cast<double>(now_ms - at_ms_) * per_ms_);
  at_ms_ = std::max(at_ms_, now_ms);
  return tokens_ >= 1;
}

bool SendPace::take(int64_t now_ms) {
  if (!ready(now_ms)) return false;
  if (limited()) tokens_ -= 1;
  return true;
}

}  // namespace ota
