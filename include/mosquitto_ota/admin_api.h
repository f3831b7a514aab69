#pragma once
// The admin request/response API on $CONTROL/ota/v1 (SPEC "Admin request/response"):
// the envelope, argument checking and dispatch to the command handlers.
#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "mosquitto_ota/json.h"
#include "mosquitto_ota/presence.h"
#include "mosquitto_ota/store.h"

namespace ota {

// A command's failure: errorCode is one of the SPEC's codes.
struct AdminError : std::runtime_error {
  AdminError(std::string code, const std::string& message) : std::runtime_error(message), code(std::move(code)) {}
  std::string code;
};

[[noreturn]] inline void invalid_request(const std::string& message) { throw AdminError("invalid_request", message); }

// Typed access to one command's fields; every getter throws invalid_request.
class CommandArgs {
 public:
  explicit CommandArgs(const rapidjson::Value& command) : cmd_(command) {}

  std::string name(const char* field) const;  // required product/device name
  std::optional<std::string> optional_string(const char* field) const;
  int limit() const;  // "limit": default 100, 1..1000
  std::string cursor() const;  // "cursor": empty for the first page

 private:
  const rapidjson::Value* find(const char* field) const;
  const rapidjson::Value& cmd_;
};

inline constexpr int kDefaultPageLimit = 100;
inline constexpr int kMaxPageLimit = 1000;
inline constexpr size_t kMaxAdminRequestBytes = 16u << 20;

struct AdminContext {
  Store& store;
  const Presence& presence;
  int64_t now_ms;
};

// A handler fills `data`, or throws AdminError.
using AdminHandler = void (*)(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc);

// The handler of a command name, or null.
AdminHandler find_admin_handler(std::string_view command);

// Handles one request envelope and returns the response envelope. Never throws.
std::string handle_admin_request(AdminContext& ctx, std::string_view payload);

}  // namespace ota
