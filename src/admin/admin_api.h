#pragma once
// The admin request/response API on $CONTROL/ota/v1 (SPEC "Admin request/response"):
// the envelope, argument checking and dispatch to the command handlers.
#include <rapidjson/document.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "admin/admin_request.h"
#include "ota/effects.h"
#include "protocol/json.h"
#include "ota/presence.h"
#include "store/repositories.h"
#include "ota/upgrades.h"

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
inline constexpr size_t kMaxAdminCommands = 100;           // per request
inline constexpr size_t kMaxAdminResponseBytes = 4u << 20;  // one response payload
inline constexpr size_t kMaxAdminWorkBytes = 16u << 20;     // answers built for one request

// Makes each command of a request atomic: a command that fails leaves nothing
// it wrote or queued to send (the worker implements it with a savepoint).
class CommandAtomicity {
 public:
  virtual ~CommandAtomicity() = default;
  virtual void begin() = 0;
  virtual void keep() = 0;  // the command succeeded
  virtual void undo() = 0;  // it failed
};

// Who sent a request: named in the audit line of each of its commands.
struct AdminCaller {
  std::string user;
  std::string client;
};

struct AdminContext {
  StoreReaders store;  // what commands read; they write through upgrades
  Upgrades* upgrades;  // null on the read-only path: commands that change state are not run there
  const Presence& presence;
  int64_t now_ms;
  Effects& out;  // what a command sends (OTA commands, events)
  CommandAtomicity* atomicity = nullptr;  // none on the read-only path, which writes nothing
  // Bytes the running command's answer may take; set by handle_admin_request.
  size_t response_budget = kMaxAdminResponseBytes;
  // Bytes of answers the whole request may still build, sent or refused: what
  // bounds its time (SPEC: a read-only request holds the broker thread a few ms).
  size_t work_left = kMaxAdminWorkBytes;
  bool work_ran_out = false;  // a command was refused because work_left ran out
  AdminCaller caller{};
  const Options* options = nullptr;  // the plugin's: its keys (null: none)
};

// Thrown by a handler whose answer would pass ctx.response_budget.
[[noreturn]] void response_too_large();

// A list handler's running count of its answer's size: add() each item as it is
// built, and it throws response_too_large() as soon as the items pass the budget,
// so a page too large to send is never built whole.
class ResponseMeter {
 public:
  explicit ResponseMeter(AdminContext& ctx) : ctx_(ctx), budget_(std::min(ctx.response_budget, ctx.work_left)) {}
  void add(const rapidjson::Value& item) {
    if (!fits(item)) response_too_large();
  }
  // The same without throwing: false once the items pass the budget.
  bool fits(const rapidjson::Value& item);

 private:
  AdminContext& ctx_;
  size_t budget_;
  size_t used_ = 0;
};

// A handler fills `data`, or throws AdminError.
using AdminHandler = void (*)(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc);

// Runs a request's commands and returns the response envelope: valid UTF-8
// JSON of at most kMaxAdminResponseBytes. Logs an audit line per command (to
// ctx.out). Never throws.
std::string handle_admin_request(AdminContext& ctx, const ParsedAdminRequest& request);
// The same for a request not parsed yet.
inline std::string handle_admin_request(AdminContext& ctx, std::string_view payload) {
  return handle_admin_request(ctx, ParsedAdminRequest(payload));
}

// The answer to a request that is not run at all (e.g. its Response Topic is
// refused): one invalid_request response, command "", error `reason`.
std::string rejected_admin_request(std::string_view reason);

}  // namespace ota
