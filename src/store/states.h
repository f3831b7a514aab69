#pragma once
// The states of executions and jobs (SPEC "Execution states"), their names on
// the wire and in the store, and the groups of them that queries select. Every
// list of states, in code or in SQL, is derived from these.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ota {

enum class ExecState { Queued, Sent, Downloading, Installing, Succeeded, Failed, TimedOut, Canceled };
inline constexpr int kExecStateCount = 8;

const char* to_string(ExecState s);
std::optional<ExecState> exec_state_from(std::string_view s);
bool is_final(ExecState s);
// Sent, downloading or installing: the device has the command.
bool is_in_flight(ExecState s);
// Every state but succeeded and canceled: a status report at the target version
// can still make the execution succeed (the version is the truth).
bool awaits_status(ExecState s);
// The states `in` says yes to, in declaration order.
std::vector<ExecState> states_where(bool (*in)(ExecState));
// "('queued', 'sent', ...)": the same states for an SQL IN (...), in either
// backend. Their names are ours, never input.
std::string sql_states(bool (*in)(ExecState));
inline bool is_unfinished(ExecState s) { return !is_final(s); }

enum class JobState { InProgress, Completed, Canceled, Aborted };
const char* to_string(JobState s);
std::optional<JobState> job_state_from(std::string_view s);

}  // namespace ota
