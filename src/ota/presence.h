#pragma once
// Which devices are connected, by connection: a device may hold several, and on
// session takeover the new connection opens before the old one closes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "protocol/topics.h"

namespace ota {

class Presence {
 public:
  void opened(uint64_t conn, const DeviceKey& device, const std::string& client_id);
  // The device whose connection closed; empty for an unknown connection.
  std::optional<DeviceKey> closed(uint64_t conn);

  bool online(const DeviceKey& device) const;
  // The device's distinct client ids: one per session, even during a takeover.
  std::vector<std::string> client_ids(const DeviceKey& device) const;
  // True when one of the device's own sessions has this client id right now.
  bool holds(const DeviceKey& device, std::string_view client_id) const;
  size_t connection_count() const { return conns_.size(); }
  // The online devices of a product, in name order.
  std::vector<DeviceKey> devices_of(const std::string& product) const;

 private:
  struct Connection {
    DeviceKey device;
    std::string client_id;
  };
  std::unordered_map<uint64_t, Connection> conns_;
  std::unordered_map<DeviceKey, std::vector<uint64_t>, DeviceKeyHash> by_device_;
};

}  // namespace ota
