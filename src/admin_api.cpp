#include "mosquitto_ota/admin_api.h"

#include <cstring>

#include "mosquitto_ota/admin_commands.h"
#include "mosquitto_ota/names.h"

namespace ota {

const rapidjson::Value* CommandArgs::find(const char* field) const {
  auto it = cmd_.FindMember(field);
  if (it == cmd_.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

std::optional<std::string> CommandArgs::optional_string(const char* field) const {
  const rapidjson::Value* v = find(field);
  if (!v) return std::nullopt;
  if (!v->IsString()) invalid_request(std::string("\"") + field + "\" must be a string");
  return std::string(v->GetString(), v->GetStringLength());
}

std::string CommandArgs::name(const char* field) const {
  auto value = optional_string(field);
  if (!value) invalid_request(std::string("\"") + field + "\" is required");
  if (!is_valid_name(*value)) invalid_request(std::string("\"") + field + "\" must be 1-64 characters of [A-Za-z0-9_.-]");
  return *value;
}

int CommandArgs::limit() const {
  const rapidjson::Value* v = find("limit");
  if (!v) return kDefaultPageLimit;
  if (!v->IsInt() || v->GetInt() < 1 || v->GetInt() > kMaxPageLimit) {
    invalid_request("\"limit\" must be an integer in 1.." + std::to_string(kMaxPageLimit));
  }
  return v->GetInt();
}

std::string CommandArgs::cursor() const { return optional_string("cursor").value_or(""); }

namespace {

struct NamedHandler {
  const char* name;
  AdminHandler handler;
};

const NamedHandler kHandlers[] = {
    {"getDevice", admin_get_device},
    {"listDevices", admin_list_devices},
};

rapidjson::Value error_response(rapidjson::Value response, const char* code, const std::string& message,
                                JsonAlloc& alloc) {
  response.AddMember("error", json_string(message, alloc), alloc);
  response.AddMember("errorCode", rapidjson::Value(code, alloc), alloc);
  return response;
}

rapidjson::Value run_command(AdminContext& ctx, const rapidjson::Value& command, JsonAlloc& alloc) {
  rapidjson::Value response(rapidjson::kObjectType);
  if (!command.IsObject()) {
    response.AddMember("command", "", alloc);
    return error_response(std::move(response), "invalid_request", "a command must be a JSON object", alloc);
  }
  auto name = command.FindMember("command");
  bool named = name != command.MemberEnd() && name->value.IsString();
  response.AddMember("command", named ? rapidjson::Value(name->value, alloc) : rapidjson::Value(""), alloc);
  auto correlation = command.FindMember("correlationData");
  if (correlation != command.MemberEnd()) {
    response.AddMember("correlationData", rapidjson::Value(correlation->value, alloc), alloc);
  }
  if (!named) {
    return error_response(std::move(response), "invalid_request", "\"command\" must be a string", alloc);
  }
  AdminHandler handler = find_admin_handler(name->value.GetString());
  if (!handler) {
    return error_response(std::move(response), "unknown_command",
                          std::string("unknown command \"") + name->value.GetString() + "\"", alloc);
  }
  try {
    rapidjson::Value data(rapidjson::kObjectType);
    handler(ctx, CommandArgs(command), data, alloc);
    response.AddMember("data", data, alloc);
  } catch (const AdminError& e) {
    return error_response(std::move(response), e.code.c_str(), e.what(), alloc);
  } catch (const std::exception& e) {
    return error_response(std::move(response), "internal", std::string("internal error: ") + e.what(), alloc);
  }
  return response;
}

}  // namespace

AdminHandler find_admin_handler(std::string_view command) {
  for (const auto& h : kHandlers) {
    if (command == h.name) return h.handler;
  }
  return nullptr;
}

std::string handle_admin_request(AdminContext& ctx, std::string_view payload) {
  rapidjson::Document out(rapidjson::kObjectType);
  auto& alloc = out.GetAllocator();
  rapidjson::Value responses(rapidjson::kArrayType);
  auto envelope_error = [&](const std::string& message) {
    rapidjson::Value response(rapidjson::kObjectType);
    response.AddMember("command", "", alloc);
    responses.PushBack(error_response(std::move(response), "invalid_request", message, alloc), alloc);
  };

  rapidjson::Document request;
  if (payload.size() > kMaxAdminRequestBytes) {
    envelope_error("request is over " + std::to_string(kMaxAdminRequestBytes) + " bytes");
  } else if (request.Parse(payload.data(), payload.size()).HasParseError()) {
    envelope_error("request is not JSON");
  } else if (!request.IsObject() || !request.HasMember("commands") || !request["commands"].IsArray()) {
    envelope_error("request must be an object with a \"commands\" array");
  } else {
    for (const auto& command : request["commands"].GetArray()) {
      responses.PushBack(run_command(ctx, command, alloc), alloc);
    }
  }
  out.AddMember("responses", responses, alloc);
  return to_json(out);
}

}  // namespace ota
