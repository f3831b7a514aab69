#pragma once
// What the plugin must know of the broker's own configuration, which Mosquitto
// does not pass to plugins: read from the file named by "-c" on the broker's
// command line, and the files of its include_dir lines.
#include <string>
#include <vector>

namespace ota {

struct BrokerConfigFacts {
  bool per_listener_settings = false;
  // The paths of the plugin and auth_plugin lines, in the order the broker loads them.
  std::vector<std::string> plugins;
  // The port of the first listener (or port) line; 0 when there is none (1883).
  int first_port = 0;
};

BrokerConfigFacts read_broker_config();

}  // namespace ota
