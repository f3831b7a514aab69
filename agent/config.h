#pragma once
// The agent's configuration file: `key = value` lines, `#` comments (agent/README.md lists the keys).
#include <map>
#include <string>
#include <string_view>

namespace ota_agent {

struct Config {
  std::string broker_host = "localhost";
  int broker_port = 1883;
  std::string tls_ca_file;  // set: TLS to the broker, verified with this CA
  int keepalive_seconds = 60;
  std::string product;
  std::string device;
  std::string password;
  std::string state_dir;
  std::string download_dir;
  std::string install_command;
  std::string broker_key_file;   // set: commands must carry a valid keyId/sig
  std::string vendor_keys_file;  // set: images must carry a valid imageSignature
  std::string https_ca_file;     // set: the CA bundle for https:// downloads instead of the system's
  int stall_timeout_seconds = 60;  // a download that receives nothing for this long fails
  std::map<std::string, std::string> initial_versions;  // type -> version, until an install records one

  std::string username() const { return product + "/" + device; }
  std::string client_id() const { return username() + "/agent"; }
};

// Throws std::runtime_error naming the line and what is wrong with it.
Config parse_config(std::string_view text);
Config load_config(const std::string& path);

}  // namespace ota_agent
