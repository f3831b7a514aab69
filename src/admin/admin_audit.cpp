#include "admin/admin_audit.h"

#include "admin/admin_commands.h"

namespace ota {

namespace {

constexpr size_t kMaxAuditValueBytes = 64;
constexpr size_t kMaxAuditReasonBytes = 256;

// A value the sender chose, fit for one field of one log line: no control
// characters, no field separator, at most 64 bytes (not cutting a UTF-8 character).
std::string log_safe(std::string_view value, size_t max_bytes = kMaxAuditValueBytes) {
  if (value.empty()) return "-";
  std::string out;
  for (char c : value.substr(0, max_bytes)) {
    const auto byte = static_cast<unsigned char>(c);
    out += byte < 0x20 || byte == 0x7f || c == '|' ? '?' : c;
  }
  if (value.size() > max_bytes) {
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
    out += "...";
  }
  return out;
}

std::string_view string_member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return {};
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

std::string head(const AdminCaller& caller, std::string_view command) {
  return "mosquitto_ota: admin | " + log_safe(command) + " | user=" + log_safe(caller.user) +
         " | client=" + log_safe(caller.client);
}

}  // namespace

LogLine audit_line(const AdminCaller& caller, const rapidjson::Value& command, const rapidjson::Value& response) {
  const std::string_view name = command_name(command);
  const AdminCommand* known = find_admin_command(name);
  std::string line = head(caller, name);
  // What it was about, as asked ...
  for (const char* field : {"product", "device", "jobId"}) {
    const std::string_view value = string_member(command, field);
    if (!value.empty()) line += std::string(" | ") + field + "=" + log_safe(value);
  }
  // ... and what came of it: the error, or what a change of state did.
  const std::string_view error = string_member(response, "errorCode");
  if (!error.empty()) {
    line += " | error=" + log_safe(error);
  } else if (known && known->writes && response.HasMember("data")) {
    const rapidjson::Value& data = response["data"];
    if (string_member(command, "jobId").empty() && !string_member(data, "jobId").empty()) {
      line += " | jobId=" + log_safe(string_member(data, "jobId"));
    }
    for (const char* count : {"targeted", "canceled"}) {
      auto it = data.FindMember(count);
      if (it != data.MemberEnd() && it->value.IsInt64()) {
        line += std::string(" | ") + count + "=" + std::to_string(it->value.GetInt64());
      }
    }
  } else {
    line += " | ok";
  }
  return {known && known->writes ? LogLevel::Notice : LogLevel::Info, std::move(line)};
}

LogLine audit_refused_request(const AdminCaller& caller, const std::string& reason) {
  return {LogLevel::Info, head(caller, "") + " | error=invalid_request (" + log_safe(reason, kMaxAuditReasonBytes) + ")"};
}

}  // namespace ota
