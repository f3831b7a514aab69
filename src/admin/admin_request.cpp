#include "admin/admin_request.h"

#include "admin/admin_api.h"
#include "admin/admin_commands.h"
#include "protocol/strict_json.h"

namespace ota {

ParsedAdminRequest::ParsedAdminRequest(std::string_view payload) {
  if (payload.size() > kMaxAdminRequestBytes) {
    refusal_ = "request is over " + std::to_string(kMaxAdminRequestBytes) + " bytes";
    return;
  }
  if (auto why = parse_strict_json(payload, doc_); !why.empty()) {
    refusal_ = "request refused: " + why;
    return;
  }
  if (!doc_.IsObject() || !doc_.HasMember("commands") || !doc_["commands"].IsArray()) {
    refusal_ = "request must be an object with a \"commands\" array";
    return;
  }
  const rapidjson::Value& commands = doc_["commands"];
  if (commands.Size() > kMaxAdminCommands) {
    refusal_ = "request has " + std::to_string(commands.Size()) + " commands: at most " +
               std::to_string(kMaxAdminCommands) + " per request";
    return;
  }
  commands_ = &commands;
  for (const auto& command : commands.GetArray()) {
    if (const AdminCommand* known = find_admin_command(command_name(command))) writes_ = writes_ || known->writes;
  }
}

}  // namespace ota
