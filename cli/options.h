#pragma once
// The options before the subcommand: mosquitto_ctrl's connection options, read
// from an options file first (-o FILE, or ~/.config/mosquitto_ota), then from
// the command line, which overrides them.
#include <string>
#include <vector>

namespace ota_cli {

struct ConnectionOptions {
  std::string host = "localhost";
  int port = 0;  // 0: 1883, or 8883 with TLS
  std::string username, password;
  bool has_password = false;
  std::string client_id;  // empty: mosquitto_ota-<random>
  std::string cafile, capath, cert, key;
  bool insecure = false;
  int protocol = 5;       // 5 or 311
  int wait_seconds = 10;  // for each answer
};

struct GlobalOptions {
  ConnectionOptions connection;
  bool json = false;
  bool help = false;
  int page_size = 100;
  std::vector<std::string> command;  // the subcommand and its arguments
};

// Throws a usage error. `env_home`/`env_xdg` are $HOME and $XDG_CONFIG_HOME (may be null).
GlobalOptions parse_global_options(const std::vector<std::string>& argv, const char* env_home, const char* env_xdg);

// The tokens of an options file: one "-option value" per line, '#' starts a
// comment line. Throws a usage error when it cannot be read.
std::vector<std::string> read_options_file(const std::string& path);

}  // namespace ota_cli
