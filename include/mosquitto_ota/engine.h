#pragma once
// The engine: applies what happens at the broker (reports, connections, admin
// requests) to the store and decides what to publish. It runs on the worker
// thread only, inside the transaction the worker opened; it never blocks on the
// broker and knows nothing of Mosquitto.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mosquitto_ota/admin_requests.h"
#include "mosquitto_ota/effects.h"
#include "mosquitto_ota/job_store.h"
#include "mosquitto_ota/options.h"
#include "mosquitto_ota/presence.h"
#include "mosquitto_ota/recent_messages.h"
#include "mosquitto_ota/reports.h"
#include "mosquitto_ota/store.h"
#include "mosquitto_ota/upgrades.h"

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
};

using Event = std::variant<Report, ConnectionOpened, ConnectionClosed, AdminRequest>;

class Engine {
 public:
  Engine(Store& store, const Options& options);

  void handle(Event& event, int64_t now_ms, Effects& out);
  // Timers: re-sends, timeouts, expiry.
  void tick(int64_t now_ms, Effects& out);
  // True while timers need ticks more often than every 100 ms (rate-limited sends).
  bool wants_fast_ticks() const { return upgrades_.needs_fast_ticks(); }

  const Presence& presence() const { return presence_; }

 private:
  void on_report(Report& report, int64_t now_ms, Effects& out);
  void on_admin(AdminRequest& request, int64_t now_ms, Effects& out);

  Store& store_;
  Presence presence_;
  RecentMessages recent_;
  JobStore jobs_;
  Upgrades upgrades_;
  AdminRequestLog admin_requests_;
};

}  // namespace ota
