#pragma once
// The admin request/response API on $CONTROL/ota/v1 (SPEC "Admin request/response"):
// the envelope, argument checking and dispatch to the command handlers.
#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mosquitto_ota/effects.h"
#include "mosquitto_ota/job_store.h"
#include "mosquitto_ota/json.h"
#include "mosquitto_ota/presence.h"
#include "mosquitto_ota/store.h"
#include "mosquitto_ota/upgrades.h"

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
  std::string required_string(const char* field) const;
  std::optional<std::string> optional_string(const char* field) const;
  std::optional<int64_t> optional_int(const char* field, int64_t min, int64_t max) const;
  std::optional<double> optional_number(const char* field, double min, double max) const;
  std::optional<bool> optional_bool(const char* field) const;
  // An array of strings, each accepted by `valid` (described by `what`); 1..max_items of them.
  std::optional<std::vector<std::string>> optional_strings(const char* field, bool (*valid)(std::string_view),
                                                           const char* what, size_t max_items) const;
  bool has(const char* field) const { return find(field) != nullptr; }
  // Refuses fields other than these (and "command", "correlationData"): a typo is an error.
  void only(std::initializer_list<const char*> fields) const;
  int limit() const;  // "limit": default 100, 1..1000
  std::string cursor() const;  // "cursor": empty for the first page

 private:
  const rapidjson::Value* find(const char* field) const;
  const rapidjson::Value& cmd_;
};

inline constexpr int kDefaultPageLimit = 100;
inline constexpr int kMaxPageLimit = 1000;
inline constexpr size_t kMaxAdminRequestBytes = 16u << 20;

// Makes each command of a request atomic: a command that fails leaves nothing
// it wrote or queued to send (the worker implements it with a savepoint).
class CommandAtomicity {
 public:
  virtual ~CommandAtomicity() = default;
  virtual void begin() = 0;
  virtual void keep() = 0;  // the command succeeded
  virtual void undo() = 0;  // it failed
};

struct AdminContext {
  Store& store;
  JobStore& jobs;
  Upgrades* upgrades;  // null on the read-only path: commands that change state are not run there
  const Presence& presence;
  int64_t now_ms;
  Effects& out;  // what a command sends (OTA commands, events)
  CommandAtomicity* atomicity = nullptr;  // none on the read-only path, which writes nothing
};

// A handler fills `data`, or throws AdminError.
using AdminHandler = void (*)(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc);

// The handler of a command name, or null.
AdminHandler find_admin_handler(std::string_view command);

// Handles one request envelope and returns the response envelope. Never throws.
std::string handle_admin_request(AdminContext& ctx, std::string_view payload);

// True when no command of the request changes state (queries, and requests that
// only get errors): it can be answered from a read-only connection.
bool admin_request_is_read_only(std::string_view payload);

}  // namespace ota
