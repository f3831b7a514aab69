#pragma once
// The reports the agent publishes (docs/protocol.md 3.2-3.4): their topics,
// payloads and fresh message ids, and when a download's progress is worth a report.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace ota_agent {

// 24 random lowercase hex digits: never repeats, across restarts too.
std::string new_message_id();

std::string status_topic(const std::string& product, const std::string& device);
std::string progress_topic(const std::string& product, const std::string& device);

// {"type":..,"version":..,"progress":..,"desc":..}
std::string progress_json(const std::string& type, const std::string& version, int progress,
                          const std::string& desc);

// Download progress: the first report at once, then one each time a new 10%
// step is reached, but at most one a second (a step reached sooner is
// reported with the progress of the first update after the second is up).
// Never more than 99: 100 means installing.
class ProgressThrottle {
 public:
  explicit ProgressThrottle(uint64_t total) : total_(total) {}
  // The percent to report now, or nothing.
  std::optional<int> update(uint64_t have, std::chrono::steady_clock::time_point now);

 private:
  uint64_t total_;
  int last_step_ = -1;
  std::chrono::steady_clock::time_point last_at_{};
};

}  // namespace ota_agent
