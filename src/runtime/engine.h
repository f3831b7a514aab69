#pragma once
// The engine: applies what happens at the broker (reports, connections, admin
// requests) to the store and decides what to publish. It runs on the worker
// thread only, inside the transaction the worker opened; it never blocks on the
// broker and knows nothing of Mosquitto.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "admin/admin_request.h"
#include "ota/effects.h"
#include "ota/presence.h"
#include "ota/upgrades.h"
#include "protocol/options.h"
#include "protocol/reports.h"
#include "store/recent_messages.h"
#include "store/repositories.h"

namespace ota {

struct ConnectionOpened {
  uint64_t conn;
  DeviceKey device;
  std::string client_id{};
};

struct ConnectionClosed {
  uint64_t conn;
};

struct AdminRequest {
  std::string username;
  std::string payload;
  std::string response_topic;  // $CONTROL/ota/v1/response or the MQTT 5 Response Topic
  std::optional<std::string> correlation_data;
  std::string client_id{};
  int qos = 0;
  // The payload parsed, once: by whoever first needs it (see parsed()).
  std::shared_ptr<const ParsedAdminRequest> body{};
};

// The request's payload parsed: parsed now if it was not yet.
const ParsedAdminRequest& parsed(AdminRequest& request);

using Event = std::variant<Report, ConnectionOpened, ConnectionClosed, AdminRequest>;

class Engine {
 public:
  Engine(const Repositories& store, const Options& options);

  // Leaves `event` as it was, so that it can be applied again after a rollback.
  void handle(Event& event, int64_t now_ms, Effects& out);
  // Timers: re-sends, timeouts, expiry; what is left at `deadline` waits for the next tick.
  void tick(int64_t now_ms, Effects& out,
            std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());
  // After the store was rolled back (to a savepoint or wholly): what the engine
  // keeps in memory of the store is read from it again, so that the two agree.
  void resync();
  // How long one step of a job's execution fill may take.
  void set_step_budget(std::chrono::microseconds budget) { upgrades_.set_fill_budget(budget); }
  // True while timers need ticks more often than every 100 ms (rate-limited sends).
  bool wants_fast_ticks() const { return upgrades_.needs_fast_ticks(); }
  // True while a rollout is under way: reports may move executions.
  bool rollout_under_way() const { return upgrades_.under_way(); }

  const Presence& presence() const { return presence_; }

 private:
  void on_report(Report& report, int64_t now_ms, Effects& out);
  void on_admin(AdminRequest& request, int64_t now_ms, Effects& out);
  class CommandSavepoint;

  const Repositories store_;
  const Options& options_;
  Presence presence_;
  RecentMessages recent_;
  Upgrades upgrades_;
};

}  // namespace ota
