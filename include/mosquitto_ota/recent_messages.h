#pragma once
// The message ids each device sent lately, in memory: a QoS 1 retransmission
// (DUP) is recognised without touching the database. Bounded: the last
// kRecentIdsPerDevice ids of each device, kRecentIdsInAll ids in all (about
// 150 MB; beyond that it starts afresh). A device it does not know yet (first
// report since start, or since starting afresh) is loaded from the store first.
#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "mosquitto_ota/topics.h"

namespace ota {

inline constexpr size_t kRecentIdsPerDevice = 1000;
inline constexpr size_t kRecentIdsInAll = 2000000;

class RecentMessages {
 public:
  // False when the device already sent this id lately; remembers it otherwise.
  bool first_time(const DeviceKey& device, const std::string& message_id);
  bool knows(const DeviceKey& device) const { return devices_.count(device) > 0; }
  // Ids the device sent before, oldest first (from the store).
  void load(const DeviceKey& device, const std::vector<std::string>& oldest_first);

 private:
  struct Ids {
    std::deque<std::string> order;
    std::unordered_set<std::string> set;
  };
  std::unordered_map<DeviceKey, Ids, DeviceKeyHash> devices_;
  size_t total_ = 0;
};

}  // namespace ota
