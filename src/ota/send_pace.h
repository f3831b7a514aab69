#pragma once
// How fast first commands may go out. A device answers its command at once
// with two or three reports; a rollout to thousands of online devices sent in
// one step brings back more reports than the store can commit within
// flush_ms, the broker refuses the excess, a refused MQTT 3.1.1 device is
// disconnected, and it gets its command again when it reconnects. So the
// worker sets the pace its measured capacity allows (a token bucket), and a
// command beyond it stays queued, sent on a later tick.
#include <cstdint>

namespace ota {

class SendPace {
 public:
  // At most `per_second` first commands a second, in bursts of a tenth of
  // that; 0: no limit (the default, until the worker has measured).
  void set_rate(double per_second);
  bool limited() const { return per_ms_ > 0; }
  // True when one may go at `now_ms`; take() counts it.
  bool ready(int64_t now_ms);
  bool take(int64_t now_ms);

 private:
  double burst() const;

  double per_ms_ = 0;
  double tokens_ = 0;
  int64_t at_ms_ = 0;  // when tokens_ was counted
};

}  // namespace ota
