#pragma once
// A device's identity: its product and its name (SPEC "Names"). Everything
// stored or sent about a device is keyed by it.
#include <cstddef>
#include <string>
#include <string_view>

namespace ota {

struct DeviceKey {
  std::string product;
  std::string device;

  std::string username() const { return product + "/" + device; }
  // True when `username` is this device's "{product}/{device}" (no allocation: it runs per publish).
  bool is_username(std::string_view username) const {
    return username.size() == product.size() + 1 + device.size() && username.compare(0, product.size(), product) == 0 &&
           username[product.size()] == '/' && username.compare(product.size() + 1, device.size(), device) == 0;
  }
  bool operator==(const DeviceKey& o) const { return product == o.product && device == o.device; }
  bool operator<(const DeviceKey& o) const {
    return product < o.product || (product == o.product && device < o.device);
  }
};

struct DeviceKeyHash {
  size_t operator()(const DeviceKey& k) const;
};

}  // namespace ota
