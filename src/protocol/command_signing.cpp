#include "protocol/command_signing.h"

#include <rapidjson/document.h>

#include <iterator>
#include <stdexcept>

namespace ota {

std::string signing_string(const CommandToSign& command) {
  std::string out = "ota-command-v1\n";
  auto line = [&out](std::string_view name, std::string_view value) {
    if (value.find_first_of("\r\n") != std::string_view::npos) {
      throw std::invalid_argument("a signed value holds a line break: " + std::string(name));
    }
    out.append(name).append("=").append(value).append("\n");
  };
  line("product", command.product);
  line("device", command.device);
  line("command", command.command);
  line("requestId", command.request_id);
  line("expiresAt", command.expires_at);
  for (const auto& [name, value] : command.fields) line(name, value);
  return out;
}

std::vector<std::pair<std::string_view, std::string>> signed_fields_of(std::string_view command,
                                                                        const rapidjson::Value& payload) {
  if (!payload.IsObject()) throw std::invalid_argument("a command's payload is not a JSON object");
  const bool upgrade = command == "$ota_upgrade";
  const char* const* begin = upgrade ? std::begin(kUpgradeSignedFields) : std::begin(kCancelSignedFields);
  const char* const* end = upgrade ? std::end(kUpgradeSignedFields) : std::end(kCancelSignedFields);
  std::vector<std::pair<std::string_view, std::string>> fields;
  for (const char* const* name = begin; name != end; ++name) {
    const auto it = payload.FindMember(*name);
    std::string value;
    if (it == payload.MemberEnd()) {
      // absent: signed as empty
    } else if (it->value.IsString()) {
      value.assign(it->value.GetString(), it->value.GetStringLength());
    } else if (it->value.IsInt64()) {
      value = std::to_string(it->value.GetInt64());
    } else if (it->value.IsUint64()) {
      value = std::to_string(it->value.GetUint64());
    } else {
      throw std::invalid_argument(std::string("a signed field is neither a string nor an integer: ") + *name);
    }
    fields.emplace_back(*name, std::move(value));
  }
  return fields;
}

std::string signing_string_of(CommandToSign to_sign, const rapidjson::Value& payload) {
  const auto fields = signed_fields_of(to_sign.command, payload);
  for (const auto& [name, value] : fields) to_sign.fields.emplace_back(name, value);
  return signing_string(to_sign);
}

}  // namespace ota
