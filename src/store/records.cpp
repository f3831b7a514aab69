#include "store/records.h"

namespace ota {

int64_t Job::total() const {
  int64_t n = 0;
  for (int64_t c : counts) n += c;
  return n;
}

bool Job::abort_threshold_crossed() const {
  if (!spec.abort_failure_percent || !spec.abort_min_finished) return false;
  int64_t bad = count(ExecState::Failed) + count(ExecState::TimedOut);
  int64_t finished = bad + count(ExecState::Succeeded);
  return finished >= *spec.abort_min_finished && bad * 100.0 > *spec.abort_failure_percent * finished;
}

int64_t Job::unfinished() const {
  int64_t n = 0;
  for (int i = 0; i < kExecStateCount; ++i) {
    if (is_unfinished(static_cast<ExecState>(i))) n += counts[static_cast<size_t>(i)];
  }
  return n;
}

}  // namespace ota
