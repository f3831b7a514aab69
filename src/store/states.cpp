#include "store/states.h"

namespace ota {
namespace {

constexpr const char* kExecNames[kExecStateCount] = {"queued",    "sent",   "downloading", "installing",
                                                     "succeeded", "failed", "timed_out",   "canceled"};
constexpr JobState kJobStates[] = {JobState::InProgress, JobState::Completed, JobState::Canceled, JobState::Aborted};

}  // namespace

const char* to_string(ExecState s) { return kExecNames[static_cast<int>(s)]; }

std::optional<ExecState> exec_state_from(std::string_view s) {
  for (int i = 0; i < kExecStateCount; ++i) {
    if (s == kExecNames[i]) return static_cast<ExecState>(i);
  }
  return std::nullopt;
}

bool is_final(ExecState s) {
  return s == ExecState::Succeeded || s == ExecState::Failed || s == ExecState::TimedOut || s == ExecState::Canceled;
}

bool is_in_flight(ExecState s) {
  return s == ExecState::Sent || s == ExecState::Downloading || s == ExecState::Installing;
}

bool awaits_status(ExecState s) { return s != ExecState::Succeeded && s != ExecState::Canceled; }

std::vector<ExecState> states_where(bool (*in)(ExecState)) {
  std::vector<ExecState> out;
  for (int i = 0; i < kExecStateCount; ++i) {
    if (in(static_cast<ExecState>(i))) out.push_back(static_cast<ExecState>(i));
  }
  return out;
}

std::string sql_states(bool (*in)(ExecState)) {
  std::string out = "(";
  for (ExecState s : states_where(in)) {
    if (out.size() > 1) out += ", ";
    out += std::string("'") + to_string(s) + "'";
  }
  return out + ")";
}

const char* to_string(JobState s) {
  switch (s) {
    case JobState::InProgress:
      return "in_progress";
    case JobState::Completed:
      return "completed";
    case JobState::Canceled:
      return "canceled";
    default:
      return "aborted";
  }
}

std::optional<JobState> job_state_from(std::string_view s) {
  for (JobState st : kJobStates) {
    if (s == to_string(st)) return st;
  }
  return std::nullopt;
}

}  // namespace ota
