#pragma once
// The message ids each device sent lately, in memory: a QoS 1 retransmission
// (DUP) is recognised without touching the database. Each id is kept as a
// 64-bit hash in a ring per device (8 bytes an id; two different ids of one
// device colliding is a 1 in 2^54 chance at 1000 ids). Bounded: the last
// kRecentIdsPerDevice ids of each device, kRecentIdsInAll ids in all (32 MB;
// beyond that it starts afresh). A device it does not know yet (first report
// since start, or since starting afresh) is loaded from the store first.
// Each ring has an index (linear probing over ring positions, at most half
// full), so a report costs a probe or two, not a scan of the ring.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "protocol/topics.h"

namespace ota {

inline constexpr size_t kRecentIdsPerDevice = 1000;
inline constexpr size_t kRecentIdsInAll = 4000000;

class RecentMessages {
 public:
  // False when the device already sent this id lately; remembers it otherwise.
  bool first_time(const DeviceKey& device, std::string_view message_id);
  bool knows(const DeviceKey& device) const { return devices_.count(device) > 0; }
  // Ids the device sent before, oldest first (from the store).
  void load(const DeviceKey& device, const std::vector<std::string>& oldest_first);

 private:
  struct Ids {
    std::vector<uint64_t> ring;   // grows to kRecentIdsPerDevice, then wraps
    size_t next = 0;              // the oldest entry once full
    std::vector<uint16_t> slots;  // ring positions by hash; kFree where none

    bool contains(uint64_t h) const;
    void add(uint64_t h);
   private:
    size_t home(uint64_t h) const { return h & (slots.size() - 1); }
    void index(uint16_t position);
    void unindex(uint16_t position);
    void grow();
  };
  std::unordered_map<DeviceKey, Ids, DeviceKeyHash> devices_;
  size_t total_ = 0;
};

}  // namespace ota
