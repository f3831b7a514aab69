#pragma once
// Exactly once for admin requests at QoS 2 (SPEC "Hostile input, overload and
// faults"). Mosquitto 2.0.11 runs the CONTROL callback again for a retransmitted
// QoS 2 PUBLISH and shows plugins neither its packet id nor its DUP flag, so a
// request that changes state is recognised by its client id, payload and
// correlation data: a repeat within kAdminReplayWindowMs gets the first answer
// again instead of running again. The answer is stored (AdminRequestRepository)
// in the same transaction as the request's changes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ota {

inline constexpr int64_t kAdminReplayWindowMs = 60 * 60 * 1000;

// SHA-256 of the three, lengths first, in hex.
std::string admin_request_key(std::string_view client_id, std::string_view payload,
                              const std::optional<std::string>& correlation_data);

}  // namespace ota
