#pragma once
// The execution state machine (SPEC "Execution states"): what a report or a
// deadline does to an execution. Pure decisions, no storage.
#include <optional>
#include <string>
#include <string_view>

#include "store/states.h"

namespace ota {

struct Transition {
  ExecState to;
  std::string reason;  // failure reason, empty otherwise
};

// A matching progress report (-4..100) moves a non-final execution; none for a final one.
std::optional<Transition> after_progress(ExecState current, int progress);

// A status report: success whenever it shows the target version (the version is
// the truth, even after failed or timed_out); an install that did not take is a
// version_mismatch. Canceled and succeeded executions stay as they are.
std::optional<Transition> after_status(ExecState current, bool at_target_version);

// The timeout of an execution that has the command but did not finish.
std::optional<Transition> after_deadline(ExecState current);

}  // namespace ota
