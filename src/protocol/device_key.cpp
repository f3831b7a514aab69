#include "protocol/device_key.h"

#include <functional>

namespace ota {

size_t DeviceKeyHash::operator()(const DeviceKey& k) const {
  size_t h = std::hash<std::string>()(k.product);
  return h ^ (std::hash<std::string>()(k.device) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

}  // namespace ota
