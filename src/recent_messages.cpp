#include "mosquitto_ota/recent_messages.h"

namespace ota {

bool RecentMessages::first_time(const DeviceKey& device, const std::string& message_id) {
  auto it = devices_.find(device);
  if (it != devices_.end() && it->second.set.count(message_id)) return false;
  if (total_ >= kRecentIdsInAll) {
    devices_.clear();
    total_ = 0;
    it = devices_.end();
  }
  if (it == devices_.end()) it = devices_.emplace(device, Ids{}).first;
  Ids& ids = it->second;
  ids.set.insert(message_id);
  ids.order.push_back(message_id);
  ++total_;
  if (ids.order.size() > kRecentIdsPerDevice) {
    ids.set.erase(ids.order.front());
    ids.order.pop_front();
    --total_;
  }
  return true;
}

void RecentMessages::load(const DeviceKey& device, const std::vector<std::string>& oldest_first) {
  devices_.emplace(device, Ids{});
  for (const auto& id : oldest_first) first_time(device, id);
}

}  // namespace ota
