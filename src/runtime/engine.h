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

#include "ota/effects.h"
#include "ota/presence.h"
#include "ota/upgrades.h"
#include "protocol/options.h"
#include "protocol/reports.h"
#include "store/recent_messages.h"
#include "store/repositories.h"
#include "runtime/applier.h"
#include "runtime/events.h"

namespace ota {

class Engine : public Applier {
 public:
  Engine(const Repositories& store, const Options& options);

  // Leaves `event` as it was, so that it can be applied again after a rollback.
  void handle(Event& event, int64_t now_ms, Effects& out) override;
  // The devices' executions (and, for statuses, their last status id), for a
  // store where each read is a round trip.
  void prefetch(const std::vector<const Event*>& events) override;
  // Timers: re-sends, timeouts, expiry; what is left at `deadline` waits for the next tick.
  void tick(int64_t now_ms, Effects& out,
            std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max()) override;
  // After the store was rolled back (to a savepoint or wholly): what the engine
  // keeps in memory of the store is read from it again, so that the two agree.
  void resync() override;
  // How long one step of a job's execution fill may take.
  void set_step_budget(std::chrono::microseconds budget) override { upgrades_.set_fill_budget(budget); }
  void set_send_rate(double per_second) override { upgrades_.set_send_rate(per_second); }
  // True while timers need ticks more often than every 100 ms (rate-limited sends).
  bool wants_fast_ticks() const override { return upgrades_.needs_fast_ticks(); }
  // True while a rollout is under way: reports may move executions.
  bool rollout_under_way() const override { return upgrades_.under_way(); }
  // A session a new leader learns of from the store (runtime/cluster_node.h):
  // online from now on, without what a connection triggers (it connected before).
  void restore_session(uint64_t conn, const DeviceKey& device, const std::string& client_id) {
    presence_.opened(conn, device, client_id);
  }

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
