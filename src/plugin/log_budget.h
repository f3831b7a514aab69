#pragma once
// A budget for log lines a client can cause: a flood of refused publishes or
// logins must not flood the broker's log (and its disk) too.
#include <cstdint>

namespace ota {

class LogBudget {
 public:
  explicit LogBudget(int lines_per_second) : per_second_(lines_per_second) {}

  // True when a line may be written now. `left_out` is then how many lines were
  // refused since the last one written, to say so in this one.
  bool admit(int64_t now_ms, uint64_t& left_out) {
    if (now_ms / 1000 != second_) {
      second_ = now_ms / 1000;
      used_ = 0;
    }
    if (used_ >= per_second_) {
      ++left_out_;
      return false;
    }
    ++used_;
    left_out = left_out_;
    left_out_ = 0;
    return true;
  }

  bool has_left_out() const { return left_out_ > 0; }

  // At a tick: true, with their count, when lines were refused in an earlier second
  // and no line has said so yet.
  bool overdue_left_out(int64_t now_ms, uint64_t& left_out) {
    if (left_out_ == 0 || now_ms / 1000 == second_) return false;
    left_out = left_out_;
    left_out_ = 0;
    return true;
  }

 private:
  const int per_second_;
  int64_t second_ = -1;
  int used_ = 0;
  uint64_t left_out_ = 0;
};

}  // namespace ota
