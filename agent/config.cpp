#include "config.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "protocol/names.h"

namespace ota_agent {
namespace {

std::string trim(std::string_view s) {
  const auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return "";
  const auto end = s.find_last_not_of(" \t\r");
  return std::string(s.substr(begin, end - begin + 1));
}

int parse_int(const std::string& value, int min, int max, const std::string& where) {
  size_t used = 0;
  long n = 0;
  try {
    n = std::stol(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || value.empty() || n < min || n > max) {
    throw std::runtime_error(where + "must be an integer in " + std::to_string(min) + ".." + std::to_string(max));
  }
  return static_cast<int>(n);
}

}  // namespace

Config parse_config(std::string_view text) {
  Config c;
  std::istringstream in{std::string(text)};
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string stripped = trim(line);
    if (stripped.empty() || stripped[0] == '#') continue;
    const auto eq = stripped.find('=');
    const std::string where = "line " + std::to_string(number) + ": ";
    if (eq == std::string::npos) throw std::runtime_error(where + "expected key = value");
    const std::string key = trim(std::string_view(stripped).substr(0, eq));
    const std::string value = trim(std::string_view(stripped).substr(eq + 1));
    const std::string at = where + key + " ";
    if (key == "broker_host") c.broker_host = value;
    else if (key == "broker_port") c.broker_port = parse_int(value, 1, 65535, at);
    else if (key == "tls_ca_file") c.tls_ca_file = value;
    else if (key == "keepalive_seconds") c.keepalive_seconds = parse_int(value, 5, 65535, at);
    else if (key == "product") c.product = value;
    else if (key == "device") c.device = value;
    else if (key == "password") c.password = value;
    else if (key == "state_dir") c.state_dir = value;
    else if (key == "download_dir") c.download_dir = value;
    else if (key == "install_command") c.install_command = value;
    else if (key == "broker_key_file") c.broker_key_file = value;
    else if (key == "vendor_keys_file") c.vendor_keys_file = value;
    else if (key == "https_ca_file") c.https_ca_file = value;
    else if (key == "stall_timeout_seconds") c.stall_timeout_seconds = parse_int(value, 1, 86400, at);
    else if (key.rfind("version.", 0) == 0 && ota::is_valid_upgrade_type(key.substr(8)) && !value.empty())
      c.initial_versions[key.substr(8)] = value;
    else throw std::runtime_error(at + "is not a known key");
  }
  if (!ota::is_valid_name(c.product)) throw std::runtime_error("product must be 1-64 characters of [A-Za-z0-9_.-]");
  if (!ota::is_valid_name(c.device)) throw std::runtime_error("device must be 1-64 characters of [A-Za-z0-9_.-]");
  const std::pair<const char*, const std::string*> required[] = {
      {"state_dir", &c.state_dir}, {"download_dir", &c.download_dir}, {"install_command", &c.install_command}};
  for (const auto& [key, value] : required) {
    if (value->empty()) throw std::runtime_error(std::string(key) + " is required");
  }
  return c;
}

Config load_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read config file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_config(text.str());
}

}  // namespace ota_agent
