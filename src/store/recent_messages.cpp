#include "store/recent_messages.h"

#include <functional>

namespace ota {
namespace {

constexpr uint16_t kFree = 0xffff;
static_assert(kRecentIdsPerDevice * 2 < kFree, "ring positions fit the index");

}  // namespace

bool RecentMessages::Ids::contains(uint64_t h) const {
  if (slots.empty()) return false;
  for (size_t i = home(h); slots[i] != kFree; i = (i + 1) & (slots.size() - 1)) {
    if (ring[slots[i]] == h) return true;
  }
  return false;
}

void RecentMessages::Ids::index(uint16_t position) {
  size_t i = home(ring[position]);
  while (slots[i] != kFree) i = (i + 1) & (slots.size() - 1);
  slots[i] = position;
}

// Removes a position from the index, moving back the entries after it that
// would no longer be found (deletion without tombstones in linear probing).
void RecentMessages::Ids::unindex(uint16_t position) {
  const size_t mask = slots.size() - 1;
  size_t hole = home(ring[position]);
  while (slots[hole] != position) hole = (hole + 1) & mask;
  for (size_t j = (hole + 1) & mask; slots[j] != kFree; j = (j + 1) & mask) {
    const size_t want = home(ring[slots[j]]);
    // The entry at j stays when its home lies cyclically in (hole, j].
    const bool stays = hole < j ? (hole < want && want <= j) : (hole < want || want <= j);
    if (!stays) {
      slots[hole] = slots[j];
      hole = j;
    }
  }
  slots[hole] = kFree;
}

void RecentMessages::Ids::grow() {
  slots.assign(slots.empty() ? 8 : slots.size() * 2, kFree);
  for (size_t p = 0; p < ring.size(); ++p) index(static_cast<uint16_t>(p));
}

void RecentMessages::Ids::add(uint64_t h) {
  if (ring.size() < kRecentIdsPerDevice) {
    ring.push_back(h);
    if ((ring.size()) * 2 > slots.size()) {
      grow();  // indexes the new one too
    } else {
      index(static_cast<uint16_t>(ring.size() - 1));
    }
    return;
  }
  unindex(static_cast<uint16_t>(next));
  ring[next] = h;
  index(static_cast<uint16_t>(next));
  next = (next + 1) % kRecentIdsPerDevice;
}

bool RecentMessages::first_time(const DeviceKey& device, std::string_view message_id) {
  const uint64_t h = std::hash<std::string_view>{}(message_id);
  auto it = devices_.find(device);
  if (it != devices_.end() && it->second.contains(h)) return false;
  if (total_ >= kRecentIdsInAll) {
    devices_.clear();
    total_ = 0;
    it = devices_.end();
  }
  if (it == devices_.end()) it = devices_.emplace(device, Ids{}).first;
  Ids& ids = it->second;
  if (ids.ring.size() < kRecentIdsPerDevice) ++total_;
  ids.add(h);
  return true;
}

void RecentMessages::load(const DeviceKey& device, const std::vector<std::string>& oldest_first) {
  devices_.emplace(device, Ids{});
  for (const auto& id : oldest_first) first_time(device, id);
}

}  // namespace ota
