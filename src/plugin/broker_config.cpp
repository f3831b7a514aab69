#include "plugin/broker_config.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ota {
namespace {

std::string broker_config_path() {
  std::ifstream cmdline("/proc/self/cmdline");
  std::string arg, path;
  bool next_is_config = false;
  while (std::getline(cmdline, arg, '\0')) {
    if (next_is_config) path = arg;
    next_is_config = arg == "-c";
  }
  return path;
}

void read_file(const std::string& path, BrokerConfigFacts& facts, int depth) {
  std::ifstream config(path);
  std::string line;
  while (std::getline(config, line)) {
    std::istringstream words(line);
    std::string key, value;
    if (!(words >> key >> value)) continue;
    if (key == "per_listener_settings") facts.per_listener_settings = value == "true";
    if (key == "plugin" || key == "auth_plugin") facts.plugins.push_back(value);
    if ((key == "listener" || key == "port") && facts.first_port == 0) facts.first_port = std::atoi(value.c_str());
    if (key == "include_dir" && depth < 4) {
      // Mosquitto reads the *.conf files of the directory in name order.
      std::vector<std::string> files;
      std::error_code ec;
      for (const auto& entry : std::filesystem::directory_iterator(value, ec)) {
        if (entry.path().extension() == ".conf") files.push_back(entry.path().string());
      }
      std::sort(files.begin(), files.end());
      for (const auto& file : files) read_file(file, facts, depth + 1);
    }
  }
}

}  // namespace

BrokerConfigFacts read_broker_config() {
  BrokerConfigFacts facts;
  std::string path = broker_config_path();
  if (!path.empty()) read_file(path, facts, 0);
  return facts;
}

}  // namespace ota
