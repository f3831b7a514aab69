#pragma once
// The plugin_opt_* options of mosquitto.conf, validated (SPEC "Configuration").
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "protocol/signatures.h"

namespace ota {

inline constexpr int kDefaultProgressHistory = 1000;

struct Options {
  std::string db_path = "/var/lib/mosquitto/ota.db";
  // db_url: a PostgreSQL database (postgresql://...) instead of the SQLite file at db_path.
  std::string db_url;
  // With db_url, several brokers may share the database (store/cluster.h):
  // broker_id names this one (the plugin makes one from the host name and
  // port when it is empty); a broker whose heartbeat is older than
  // broker_timeout_seconds no longer counts, nor do the devices it held.
  std::string broker_id;
  int broker_timeout_seconds = 30;
  std::vector<std::string> admin_usernames;
  int flush_ms = 200;
  int resend_seconds = 60;
  int max_resends = 5;
  size_t max_payload_bytes = 16384;
  bool acl_default_allow = false;  // acl_default: "defer" (false) or "allow"
  int progress_history = kDefaultProgressHistory;  // progress reports kept per device
  // signing_key: signs every OTA command (docs/protocol.md 3.9); null: unsigned.
  std::shared_ptr<const SigningKey> signing_key;
  // image_keys: the vendor keys an image's signature must verify with (3.10); null: not required.
  std::shared_ptr<const VerifyingKeys> image_keys;
};

struct OptionsResult {
  Options options;
  std::string error;  // names the bad option; empty when all are valid
};

// Keys are given without the "plugin_opt_" prefix, as Mosquitto passes them.
OptionsResult parse_options(const std::vector<std::pair<std::string, std::string>>& raw);

}  // namespace ota
