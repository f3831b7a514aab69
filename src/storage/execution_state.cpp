#include "storage/execution_state.h"

namespace ota {
namespace {

constexpr const char* kNames[kExecStateCount] = {"queued",    "sent",   "downloading", "installing",
                                                 "succeeded", "failed", "timed_out",   "canceled"};

const char* failure_reason(int progress) {
  switch (progress) {
    case -1:
      return "download_failed";
    case -2:
      return "checksum_failed";
    case -3:
      return "install_failed";
    default:
      return "error";
  }
}

}  // namespace

const char* to_string(ExecState s) { return kNames[static_cast<int>(s)]; }

std::optional<ExecState> exec_state_from(std::string_view s) {
  for (int i = 0; i < kExecStateCount; ++i) {
    if (s == kNames[i]) return static_cast<ExecState>(i);
  }
  return std::nullopt;
}

bool is_final(ExecState s) {
  return s == ExecState::Succeeded || s == ExecState::Failed || s == ExecState::TimedOut || s == ExecState::Canceled;
}

bool is_in_flight(ExecState s) {
  return s == ExecState::Sent || s == ExecState::Downloading || s == ExecState::Installing;
}

std::optional<Transition> after_progress(ExecState current, int progress) {
  if (is_final(current)) return std::nullopt;
  if (progress < 0) return Transition{ExecState::Failed, failure_reason(progress)};
  if (progress >= 100) return Transition{ExecState::Installing, {}};
  return Transition{ExecState::Downloading, {}};
}

std::optional<Transition> after_status(ExecState current, bool at_target_version) {
  if (current == ExecState::Succeeded || current == ExecState::Canceled) return std::nullopt;
  if (at_target_version) return Transition{ExecState::Succeeded, {}};
  if (current == ExecState::Installing) return Transition{ExecState::Failed, "version_mismatch"};
  return std::nullopt;
}

std::optional<Transition> after_deadline(ExecState current) {
  if (!is_in_flight(current)) return std::nullopt;
  return Transition{ExecState::TimedOut, {}};
}

}  // namespace ota
