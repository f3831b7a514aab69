#pragma once
// The signing string of an OTA command (docs/protocol.md 3.9): what the broker
// signs and a device verifies. It binds the command to one product, device,
// request and expiry, and covers every field of the command, absent ones too.
#include <rapidjson/fwd.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ota {

// The fields each command signs, in their order.
inline constexpr const char* kUpgradeSignedFields[] = {"type", "version", "url", "md5", "size", "sha256",
                                                       "imageSignature"};
inline constexpr const char* kCancelSignedFields[] = {"type", "version"};

struct CommandToSign {
  std::string_view product;
  std::string_view device;
  std::string_view command;     // "$ota_upgrade" or "$ota_cancel"
  std::string_view request_id;  // from the topic
  std::string_view expires_at;  // from the topic (seconds); empty when it has none
  // The command's signed fields in order (kUpgradeSignedFields or
  // kCancelSignedFields), each with its value: empty when absent, numbers in decimal.
  std::vector<std::pair<std::string_view, std::string_view>> fields;
};

// "ota-command-v1\n" then one "name=value\n" line per item. Throws
// std::invalid_argument when a value holds a line break (nothing checked lets one through).
std::string signing_string(const CommandToSign& command);

// The signed fields of `command` (kUpgradeSignedFields for "$ota_upgrade",
// kCancelSignedFields otherwise) as its JSON `payload` holds them, in order: a
// string as it is, an integer in decimal, an absent field empty. Throws
// std::invalid_argument when one is there but neither a string nor an integer,
// or when `payload` is not an object.
std::vector<std::pair<std::string_view, std::string>> signed_fields_of(std::string_view command,
                                                                        const rapidjson::Value& payload);

// The signing string of `to_sign` (its `fields` left empty) with the signed
// fields of its command read from `payload` by signed_fields_of: what the
// broker signs and a device verifies. Throws std::invalid_argument as they do.
std::string signing_string_of(CommandToSign to_sign, const rapidjson::Value& payload);

}  // namespace ota
