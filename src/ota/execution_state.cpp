#include "ota/execution_state.h"

namespace ota {
namespace {

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

std::optional<Transition> after_progress(ExecState current, int progress) {
  if (is_final(current)) return std::nullopt;
  if (progress < 0) return Transition{ExecState::Failed, failure_reason(progress)};
  if (progress >= 100) return Transition{ExecState::Installing, {}};
  return Transition{ExecState::Downloading, {}};
}

std::optional<Transition> after_status(ExecState current, bool at_target_version) {
  if (!awaits_status(current)) return std::nullopt;
  if (at_target_version) return Transition{ExecState::Succeeded, {}};
  if (current == ExecState::Installing) return Transition{ExecState::Failed, "version_mismatch"};
  return std::nullopt;
}

std::optional<Transition> after_deadline(ExecState current) {
  if (!is_in_flight(current)) return std::nullopt;
  return Transition{ExecState::TimedOut, {}};
}

}  // namespace ota
