#include "ota/presence.h"

#include <algorithm>

namespace ota {

void Presence::opened(uint64_t conn, const DeviceKey& device, const std::string& client_id) {
  closed(conn);
  conns_.emplace(conn, Connection{device, client_id});
  by_device_[device].push_back(conn);
}

std::optional<DeviceKey> Presence::closed(uint64_t conn) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return std::nullopt;
  DeviceKey device = std::move(it->second.device);
  conns_.erase(it);
  auto d = by_device_.find(device);
  if (d != by_device_.end()) {
    auto& list = d->second;
    list.erase(std::remove(list.begin(), list.end(), conn), list.end());
    if (list.empty()) by_device_.erase(d);
  }
  return device;
}

std::vector<DeviceKey> Presence::devices_of(const std::string& product) const {
  std::vector<DeviceKey> out;
  for (const auto& [device, conns] : by_device_) {
    if (device.product == product) out.push_back(device);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool Presence::online(const DeviceKey& device) const { return by_device_.count(device) > 0; }

std::vector<std::string> Presence::client_ids(const DeviceKey& device) const {
  std::vector<std::string> ids;
  auto d = by_device_.find(device);
  if (d == by_device_.end()) return ids;
  for (uint64_t conn : d->second) {
    const std::string& id = conns_.at(conn).client_id;
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  return ids;
}

bool Presence::holds(const DeviceKey& device, std::string_view client_id) const {
  auto d = by_device_.find(device);
  if (d == by_device_.end()) return false;
  return std::any_of(d->second.begin(), d->second.end(),
                     [&](uint64_t conn) { return conns_.at(conn).client_id == client_id; });
}

}  // namespace ota
