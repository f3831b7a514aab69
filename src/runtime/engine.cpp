#include "runtime/engine.h"

#include <algorithm>

#include "admin/admin_api.h"
#include "runtime/admin_replay.h"

namespace ota {

const ParsedAdminRequest& parsed(AdminRequest& request) {
  if (!request.body) request.body = std::make_shared<const ParsedAdminRequest>(request.payload);
  return *request.body;
}

Engine::Engine(const Repositories& store, const Options& options)
    : store_(store), options_(options), upgrades_(store, presence_, options) {}

void Engine::handle(Event& event, int64_t now_ms, Effects& out) {
  if (auto* report = std::get_if<Report>(&event)) {
    on_report(*report, now_ms, out);
  } else if (auto* opened = std::get_if<ConnectionOpened>(&event)) {
    presence_.opened(opened->conn, opened->device, opened->client_id);
    upgrades_.on_connect(opened->device, now_ms, out);
  } else if (auto* closed = std::get_if<ConnectionClosed>(&event)) {
    presence_.closed(closed->conn);
  } else if (auto* admin = std::get_if<AdminRequest>(&event)) {
    on_admin(*admin, now_ms, out);
  }
}

void Engine::prefetch(const std::vector<const Event*>& events) {
  std::vector<DeviceKey> executions, statuses, unknown;
  for (const Event* event : events) {
    if (const auto* report = std::get_if<Report>(event)) {
      if (!recent_.knows(report->device)) unknown.push_back(report->device);
      if (report->kind == ReportKind::Status) {
        statuses.push_back(report->device);
        executions.push_back(report->device);
      } else if (upgrades_.under_way()) {  // otherwise a progress report reads no execution
        executions.push_back(report->device);
      }
    } else if (const auto* opened = std::get_if<ConnectionOpened>(event)) {
      executions.push_back(opened->device);
    }
  }
  if (!unknown.empty()) {
    std::sort(unknown.begin(), unknown.end());
    unknown.erase(std::unique(unknown.begin(), unknown.end()), unknown.end());
    auto ids = store_.progress.recent_progress_ids(unknown, static_cast<int>(kRecentIdsPerDevice));
    for (size_t i = 0; i < unknown.size(); ++i) recent_.load(unknown[i], {ids[i].rbegin(), ids[i].rend()});
  }
  if (!statuses.empty()) store_.devices.prefetch(statuses);
  if (!executions.empty()) store_.executions.prefetch(executions);
}

void Engine::tick(int64_t now_ms, Effects& out, std::chrono::steady_clock::time_point deadline) {
  upgrades_.tick(now_ms, out, deadline);
}

void Engine::resync() {
  recent_ = RecentMessages();  // each device's recent ids are read again from the store when next needed
  upgrades_.reload();
}

// One admin command inside a savepoint: when it fails, its writes, what it
// queued to send and the engine's memory of them are undone; the request's
// other commands stand.
class Engine::CommandSavepoint : public CommandAtomicity {
 public:
  CommandSavepoint(Engine& engine, Effects& out) : engine_(engine), out_(out) {}
  void begin() override {
    engine_.store_.transactions.savepoint();
    publishes_ = out_.publishes.size();
    logs_ = out_.logs.size();
  }
  void keep() override { engine_.store_.transactions.release(); }
  void undo() override {
    engine_.store_.transactions.rollback_to();
    out_.publishes.resize(publishes_);
    out_.logs.resize(logs_);
    engine_.resync();
  }

 private:
  Engine& engine_;
  Effects& out_;
  size_t publishes_ = 0;
  size_t logs_ = 0;
};

void Engine::on_report(Report& report, int64_t now_ms, Effects& out) {
  // A QoS 1 retransmission arrives again with the same message id: apply it once.
  if (!recent_.knows(report.device)) {
    auto ids = store_.progress.recent_progress_ids(report.device, static_cast<int>(kRecentIdsPerDevice));
    recent_.load(report.device, {ids.rbegin(), ids.rend()});
  }
  if (!recent_.first_time(report.device, report.message_id)) return;
  if (report.kind == ReportKind::Status) {
    if (store_.devices.save_status(report.device, report.message_id, report.status, report.at)) {
      upgrades_.on_status(report.device, report.status, now_ms, out);
    }
  } else {
    store_.progress.append_progress(report.device, report.message_id, report.progress, report.at);
    upgrades_.on_progress(report.device, report.progress, now_ms, out);
  }
}

void Engine::on_admin(AdminRequest& request, int64_t now_ms, Effects& out) {
  Outgoing response;
  response.topic = request.response_topic;
  response.correlation_data = request.correlation_data;
  response.only_on = request.origin;  // the requester is a client of that broker
  // A QoS 2 request that changes state runs once, however often it is retransmitted.
  std::optional<std::string> replay_key;
  const ParsedAdminRequest& body = parsed(request);
  if (request.qos == 2 && body.writes()) {
    replay_key = admin_request_key(request.client_id, request.payload, request.correlation_data);
    if (auto previous = store_.admin_requests.answer_of(*replay_key, now_ms - kAdminReplayWindowMs)) {
      out.logs.push_back({LogLevel::Info, "mosquitto_ota: repeated QoS 2 admin request from client " +
                                              request.client_id + " answered again, not run again"});
      response.payload = std::move(*previous);
      out.publishes.push_back(std::move(response));
      return;
    }
  }
  CommandSavepoint atomicity(*this, out);
  AdminContext ctx{store_.readers(), &upgrades_, presence_, now_ms, out, &atomicity};
  ctx.caller = {request.username, request.client_id};
  ctx.options = &options_;
  response.payload = handle_admin_request(ctx, body);
  if (replay_key) {
    store_.admin_requests.forget_before(now_ms - kAdminReplayWindowMs);
    store_.admin_requests.remember(*replay_key, response.payload, now_ms);
  }
  out.publishes.push_back(std::move(response));
}

}  // namespace ota
