#pragma once
// The execution states in their order (docs/protocol.md 5.1), as the job's counts name them.
#include <rapidjson/document.h>

#include <cstdint>

namespace ota_cli {

inline constexpr const char* kExecutionStates[] = {"queued",    "sent",   "downloading", "installing",
                                                   "succeeded", "failed", "timed_out",   "canceled"};

// Executions in a final state, from a job's counts.
inline int64_t finished_count(const rapidjson::Value& counts) {
  int64_t n = 0;
  for (const char* state : {"succeeded", "failed", "timed_out", "canceled"}) {
    if (counts.IsObject() && counts.HasMember(state) && counts[state].IsInt64()) n += counts[state].GetInt64();
  }
  return n;
}

}  // namespace ota_cli
