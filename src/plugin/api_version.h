#pragma once
// The plugin API version both plugins built here speak: Mosquitto 2.0's v5.

namespace ota {

// mosquitto_plugin_version(): 5 when the broker offers it, -1 (refused) otherwise.
inline int choose_plugin_api_version(int supported_version_count, const int* supported_versions) {
  for (int i = 0; i < supported_version_count; ++i) {
    if (supported_versions[i] == 5) return 5;
  }
  return -1;
}

}  // namespace ota
