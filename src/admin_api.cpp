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

std::string CommandArgs::required_string(const char* field) const {
  auto value = optional_string(field);
  if (!value) invalid_request(std::string("\"") + field + "\" is required");
  return *value;
}

std::optional<int64_t> CommandArgs::optional_int(const char* field, int64_t min, int64_t max) const {
  const rapidjson::Value* v = find(field);
  if (!v) return std::nullopt;
  if (!v->IsInt64() || v->GetInt64() < min || v->GetInt64() > max) {
    invalid_request(std::string("\"") + field + "\" must be an integer in " + std::to_string(min) + ".." +
                    std::to_string(max));
  }
  return v->GetInt64();
}

std::optional<double> CommandArgs::optional_number(const char* field, double min, double max) const {
  const rapidjson::Value* v = find(field);
  if (!v) return std::nullopt;
  if (!v->IsNumber() || v->GetDouble() < min || v->GetDouble() > max) {
    invalid_request(std::string("\"") + field + "\" must be a number in " + std::to_string(min) + ".." +
                    std::to_string(max));
  }
  return v->GetDouble();
}

std::optional<bool> CommandArgs::optional_bool(const char* field) const {
  const rapidjson::Value* v = find(field);
  if (!v) return std::nullopt;
  if (!v->IsBool()) invalid_request(std::string("\"") + field + "\" must be true or false");
  return v->GetBool();
}

std::optional<std::vector<std::string>> CommandArgs::optional_strings(const char* field,
                                                                      bool (*valid)(std::string_view),
                                                                      const char* what, size_t max_items) const {
  const rapidjson::Value* v = find(field);
  if (!v) return std::nullopt;
  std::string must = std::string("\"") + field + "\" must be an array of 1.." + std::to_string(max_items) + " " + what;
  if (!v->IsArray() || v->Empty() || v->Size() > max_items) invalid_request(must);
  std::vector<std::string> out;
  out.reserve(v->Size());
  for (const auto& item : v->GetArray()) {
    if (!item.IsString() || !valid(std::string_view(item.GetString(), item.GetStringLength()))) invalid_request(must);
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

void CommandArgs::only(std::initializer_list<const char*> fields) const {
  for (const auto& m : cmd_.GetObject()) {
    std::string_view name(m.name.GetString(), m.name.GetStringLength());
    if (name == "command" || name == "correlationData") continue;
    bool known = false;
    for (const char* f : fields) known = known || name == f;
    if (!known) invalid_request("unknown field \"" + std::string(name) + "\"");
  }
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
  bool changes_state;
};

const NamedHandler kHandlers[] = {
    {"createUpgrade", admin_create_upgrade, true},
    {"getJob", admin_get_job, false},
    {"listJobs", admin_list_jobs, false},
    {"listJobExecutions", admin_list_job_executions, false},
    {"getExecution", admin_get_execution, false},
    {"cancelJob", admin_cancel_job, true},
    {"getDevice", admin_get_device, false},
    {"listDevices", admin_list_devices, false},
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
  for (auto a = command.MemberBegin(); a != command.MemberEnd(); ++a) {
    for (auto b = a + 1; b != command.MemberEnd(); ++b) {
      if (a->name == b->name) {
        return error_response(std::move(response), "invalid_request",
                              std::string("field \"") + a->name.GetString() + "\" is given twice", alloc);
      }
    }
  }
  AdminHandler handler = find_admin_handler(name->value.GetString());
  if (!handler) {
    return error_response(std::move(response), "unknown_command",
                          std::string("unknown command \"") + name->value.GetString() + "\"", alloc);
  }
  auto failed = [&](const std::exception& e) {
    if (ctx.atomicity) ctx.atomicity->undo();
    ctx.out.logs.push_back({LogLevel::Error, std::string("mosquitto_ota: admin command ") + name->value.GetString() +
                                                 " failed, nothing of it kept: " + e.what()});
    return error_response(std::move(response), "internal", std::string("internal error: ") + e.what(), alloc);
  };
  if (ctx.atomicity) ctx.atomicity->begin();
  try {
    rapidjson::Value data(rapidjson::kObjectType);
    handler(ctx, CommandArgs(command), data, alloc);
    if (ctx.atomicity) ctx.atomicity->keep();
    response.AddMember("data", data, alloc);
  } catch (const AdminError& e) {
    if (ctx.atomicity) ctx.atomicity->undo();  // a refused command changes nothing
    return error_response(std::move(response), e.code.c_str(), e.what(), alloc);
  } catch (const SqliteError& e) {
    // Not the command's fault: the worker keeps the request and runs it again once it can write.
    if (e.storage_fault() && ctx.atomicity) throw;
    return failed(e);
  } catch (const std::exception& e) {
    return failed(e);
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

bool admin_request_is_read_only(std::string_view payload) {
  rapidjson::Document request;
  if (payload.size() > kMaxAdminRequestBytes || request.Parse(payload.data(), payload.size()).HasParseError() ||
      !request.IsObject() || !request.HasMember("commands") || !request["commands"].IsArray()) {
    return true;  // answered with an error only
  }
  for (const auto& command : request["commands"].GetArray()) {
    if (!command.IsObject() || !command.HasMember("command") || !command["command"].IsString()) continue;
    for (const auto& h : kHandlers) {
      if (h.changes_state && command["command"] == h.name) return false;
    }
  }
  return true;
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
