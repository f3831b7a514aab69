#include "mosquitto_ota/recent_messages.h"

#include <functional>

namespace ota {

bool RecentMessages::first_time(const DeviceKey& device, std::string_view message_id) {
  const uint64_t h = std::hash<std::string_view>{}(message_id);
  auto it = devices_.find(device);
  if (it != devices_.end()) {
    // No early exit: a repeat is rare, and a loop without one is vectorised.
    bool seen = false;
    for (uint64_t known : it->second.ring) seen |= known == h;
    if (seen) return false;
  }
  if (total_ >= kRecentIdsInAll) {
    devices_.clear();
    total_ = 0;
    it = devices_.end();
  }
  if (it == devices_.end()) it = devices_.emplace(device, Ids{}).first;
  Ids& ids = it->second;
  if (ids.ring.size() < kRecentIdsPerDevice) {
    ids.ring.push_back(h);
    ++total_;
  } else {
    ids.ring[ids.next] = h;
    ids.next = (ids.next + 1) % kRecentIdsPerDevice;
  }
  return true;
}

void RecentMessages::load(const DeviceKey& device, const std::vector<std::string>& oldest_first) {
  devices_.emplace(device, Ids{});
  for (const auto& id : oldest_first) first_time(device, id);
}

}  // namespace ota
