#pragma once
// Exactly once for admin requests at QoS 2 (SPEC "Hostile input, overload and
// faults"). Mosquitto 2.0.11 runs the CONTROL callback again for a retransmitted
// QoS 2 PUBLISH and shows plugins neither its packet id nor its DUP flag, so a
// request that changes state is recognised by its client id, payload and
// correlation data: a repeat within kAdminReplayWindowMs gets the first answer
// again instead of running again. The record is written in the same transaction
// as the request's changes, so it holds across a crash too.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/sqlite.h"

namespace ota {

inline constexpr int64_t kAdminReplayWindowMs = 60 * 60 * 1000;

class AdminRequestLog {
 public:
  explicit AdminRequestLog(Db& db);
  ~AdminRequestLog();

  static std::string key(std::string_view client_id, std::string_view payload,
                         const std::optional<std::string>& correlation_data);
  // The answer given to this request within the window, if it was seen.
  std::optional<std::string> answer_of(const std::string& key, int64_t now_ms);
  // Remembers the answer; forgets answers older than the window.
  void remember(const std::string& key, const std::string& response, int64_t now_ms);

 private:
  Statement find_;
  Statement insert_;
  Statement expire_;
};

}  // namespace ota
