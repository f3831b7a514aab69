#pragma once
// OTA commands as the agent receives them (docs/protocol.md 3.7), and the
// checks made before acting on one: its signature (3.9) and its expiry.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ota {
class VerifyingKeys;
}

namespace ota_agent {

struct Command {
  std::string name;        // "$ota_upgrade" or "$ota_cancel"
  std::string request_id;  // from the topic
  std::string expires_at;  // from the topic, unix seconds; empty when it has none
  std::string type, version;
  // $ota_upgrade only.
  std::string url, md5, sha256, image_signature;
  std::optional<uint64_t> size;
  // Present when the broker signs its commands.
  std::string key_id, sig;
  // The fields its signature covers, as the payload holds them (ota::signed_fields_of).
  std::vector<std::pair<std::string_view, std::string>> signed_fields;

  bool is_upgrade() const { return name == "$ota_upgrade"; }
};

struct ParsedCommand {
  std::optional<Command> command;
  std::string error;  // why there is no command
};

// The command sent to this device on `topic`, or why it is not one. `type`
// and `version` are required (they are what a refusal is reported with); the
// other fields are checked by check_upgrade_fields.
ParsedCommand parse_command(std::string_view product, std::string_view device, std::string_view topic,
                            std::string_view payload);

// Empty when an upgrade's fields are usable: an http(s) url, 32 hex md5, a size, 64 hex sha256 if any.
std::string check_upgrade_fields(const Command& command);

// The broker's public key, with its key id.
struct BrokerKey {
  const ota::VerifyingKeys* keys;
  std::string key_id;
};

// Empty when the command is signed by the broker's key over its signing
// string, otherwise why it is refused ("not signed", "signed by unknown key ...").
std::string check_signature(const Command& command, std::string_view product, std::string_view device,
                            const BrokerKey& key);

// True when the topic's expiry (seconds) is before `now_ms` (unix ms).
bool expired(const Command& command, int64_t now_ms);

}  // namespace ota_agent
