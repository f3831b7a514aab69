#include "admin/admin_api.h"

#include "admin/admin_audit.h"
#include "admin/admin_commands.h"
#include "protocol/names.h"
#include "store/store_error.h"

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

constexpr const char* kTooLarge = "response too large: page with limit/cursor";
constexpr const char* kTooMuchWork = "request too large: its answers pass 16 MiB, send fewer commands or smaller pages";
// Room kept free for each command not yet answered: enough for its error
// response (command name of at most kMaxEchoedNameBytes, escaped) when it
// gets no other room.
constexpr size_t kMaxEchoedNameBytes = 64;
constexpr size_t kRoomPerCommand = 1024;
// More than createUpgrade's or cancelJob's "data" ever takes.
constexpr size_t kStateChangeAnswerBytes = 512;

rapidjson::Value error_response(rapidjson::Value response, const char* code, const std::string& message,
                                JsonAlloc& alloc) {
  response.AddMember("error", json_string(message, alloc), alloc);
  response.AddMember("errorCode", rapidjson::Value(code, alloc), alloc);
  return response;
}

// A response that holds only the command's name and correlationData, so far.
rapidjson::Value response_head(const rapidjson::Value& command, bool with_correlation, JsonAlloc& alloc) {
  rapidjson::Value response(rapidjson::kObjectType);
  if (!command.IsObject()) {
    response.AddMember("command", "", alloc);
    return response;
  }
  auto name = command.FindMember("command");
  bool echo = name != command.MemberEnd() && name->value.IsString() &&
              name->value.GetStringLength() <= kMaxEchoedNameBytes;
  response.AddMember("command", echo ? rapidjson::Value(name->value, alloc) : rapidjson::Value(""), alloc);
  if (with_correlation) {
    auto correlation = command.FindMember("correlationData");
    if (correlation != command.MemberEnd()) {
      response.AddMember("correlationData", rapidjson::Value(correlation->value, alloc), alloc);
    }
  }
  return response;
}

rapidjson::Value run_command(AdminContext& ctx, const rapidjson::Value& command, JsonAlloc& alloc) {
  if (!command.IsObject()) {
    return error_response(response_head(command, false, alloc), "invalid_request", "a command must be a JSON object",
                          alloc);
  }
  rapidjson::Value response = response_head(command, true, alloc);
  auto name_member = command.FindMember("command");
  if (name_member == command.MemberEnd() || !name_member->value.IsString()) {
    return error_response(std::move(response), "invalid_request", "\"command\" must be a string", alloc);
  }
  const std::string_view name = command_name(command);
  const AdminCommand* handler = find_admin_command(name);
  if (!handler) {
    std::string what = name.size() <= kMaxEchoedNameBytes
                           ? "unknown command \"" + std::string(name) + "\""
                           : "unknown command (a name of " + std::to_string(name.size()) + " bytes)";
    return error_response(std::move(response), "unknown_command", what, alloc);
  }
  // A change of state must not be answered with an error: it does not run
  // when its head (an echoed correlationData) leaves no room for its answer.
  if (handler->writes && json_size(response) + kStateChangeAnswerBytes > ctx.response_budget) {
    return error_response(std::move(response), "invalid_request", kTooLarge, alloc);
  }
  auto failed = [&](const std::exception& e) {
    if (ctx.atomicity) ctx.atomicity->undo();
    ctx.out.logs.push_back({LogLevel::Error, "mosquitto_ota: admin command " + std::string(name) +
                                                 " failed, nothing of it kept: " + e.what()});
    return error_response(std::move(response), "internal", std::string("internal error: ") + e.what(), alloc);
  };
  if (ctx.atomicity) ctx.atomicity->begin();
  try {
    rapidjson::Value data(rapidjson::kObjectType);
    handler->handler(ctx, CommandArgs(command), data, alloc);
    if (ctx.atomicity) ctx.atomicity->keep();
    response.AddMember("data", data, alloc);
  } catch (const AdminError& e) {
    if (ctx.atomicity) ctx.atomicity->undo();  // a refused command changes nothing
    return error_response(std::move(response), e.code.c_str(), e.what(), alloc);
  } catch (const StoreError& e) {
    // Not the command's fault: the worker keeps the request and runs it again once it can write.
    if (e.storage_fault() && ctx.atomicity) throw;
    return failed(e);
  } catch (const std::exception& e) {
    return failed(e);
  }
  return response;
}

}  // namespace

void response_too_large() { invalid_request(kTooLarge); }

bool ResponseMeter::fits(const rapidjson::Value& item) {
  const size_t size = json_size(item) + 1;  // and a comma
  used_ += size;
  ctx_.work_left -= std::min(size, ctx_.work_left);
  if (used_ <= budget_) return true;
  if (budget_ < ctx_.response_budget) ctx_.work_ran_out = true;
  return false;
}

std::string rejected_admin_request(std::string_view reason) {
  rapidjson::Document out(rapidjson::kObjectType);
  auto& alloc = out.GetAllocator();
  rapidjson::Value response(rapidjson::kObjectType);
  response.AddMember("command", "", alloc);
  rapidjson::Value responses(rapidjson::kArrayType);
  responses.PushBack(error_response(std::move(response), "invalid_request", std::string(reason), alloc), alloc);
  out.AddMember("responses", responses, alloc);
  return to_json(out);
}

std::string handle_admin_request(AdminContext& ctx, const ParsedAdminRequest& request) {
  if (!request.refusal().empty()) {
    ctx.out.logs.push_back(audit_refused_request(ctx.caller, request.refusal()));
    return rejected_admin_request(request.refusal());
  }
  const rapidjson::Value& commands = request.commands();

  // Each response is written as soon as it is made, and measured so: one whose
  // text would not fit (keeping room for those still to come) is answered
  // invalid_request instead, so the whole payload stays within the limit.
  static constexpr std::string_view kHead = "{\"responses\":[", kTail = "]}";
  std::string out(kHead);
  const size_t n = commands.Size();
  for (size_t i = 0; i < n; ++i) {
    const rapidjson::Value& command = commands[static_cast<rapidjson::SizeType>(i)];
    if (i > 0) out += ',';
    const size_t limit = kMaxAdminResponseBytes - kTail.size() - (n - 1 - i) * kRoomPerCommand;
    ctx.response_budget = limit - out.size();
    rapidjson::Document response_doc;  // one allocator per command: its memory goes once it is written
    auto& alloc = response_doc.GetAllocator();
    const char* refusal = kTooLarge;
    if (ctx.work_left > 0) {
      const bool ran_out_before = ctx.work_ran_out;
      const size_t work_before = ctx.work_left;
      rapidjson::Value response = run_command(ctx, command, alloc);
      if (ctx.work_ran_out == ran_out_before) {
        const size_t before = out.size();
        bool fits = append_json(response, out, limit);
        // What writing it cost, beyond what its handler's meter counted already (a
        // refused answer was written up to the limit before it was dropped).
        const size_t written = fits ? out.size() - before : limit - before;
        const size_t metered = work_before - ctx.work_left;
        if (written > metered) ctx.work_left -= std::min(written - metered, ctx.work_left);
        if (fits) {
          ctx.out.logs.push_back(audit_line(ctx.caller, command, response));
          continue;
        }
      } else {
        refusal = kTooMuchWork;  // its handler stopped when the request's work ran out
      }
    } else {
      ctx.work_ran_out = true;  // not run at all
      refusal = kTooMuchWork;
    }
    rapidjson::Value too_large = error_response(response_head(command, true, alloc), "invalid_request", refusal, alloc);
    ctx.out.logs.push_back(audit_line(ctx.caller, command, too_large));
    if (append_json(too_large, out, limit)) continue;
    // Not even its correlationData fits: answered without it.
    append_json(error_response(response_head(command, false, alloc), "invalid_request", refusal, alloc), out, limit);
  }
  out += kTail;
  return out;
}

}  // namespace ota
