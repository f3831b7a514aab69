#include "runtime/cluster_node.h"

#include <algorithm>
#include <limits>

#include "runtime/cluster_codec.h"
#include "store/store_error.h"

namespace ota {
namespace {

constexpr std::chrono::seconds kLeadCheckEvery{1};
constexpr int kInboxChunk = 256;
constexpr int kOutboxChunk = 1000;

// The disk or connection failed, not the event: the worker retries the whole step.
bool storage_fault(const std::exception& e) {
  const auto* store_error = dynamic_cast<const StoreError*>(&e);
  return store_error && store_error->storage_fault();
}

}  // namespace

ClusterNode::ClusterNode(const Repositories& store, ClusterRepository& cluster, const Options& options,
                         int64_t inbox_limit)
    : store_(store),
      cluster_(cluster),
      options_(options),
      self_(options.broker_id.empty() ? "broker" : options.broker_id),
      timeout_ms_(int64_t{options.broker_timeout_seconds} * 1000),
      inbox_limit_(inbox_limit) {}

void ClusterNode::set_send_rate(double per_second) {
  send_rate_ = per_second;
  if (engine_) engine_->set_send_rate(per_second);
}

void ClusterNode::set_step_budget(std::chrono::microseconds budget) {
  step_budget_ = budget;
  if (engine_) engine_->set_step_budget(budget);
}

bool ClusterNode::wants_fast_ticks() const {
  if (!engine_) return outbox_backlog_;
  return inbox_backlog_ || engine_->wants_fast_ticks();
}

void ClusterNode::after_commit() {
  // A leader's own entries are not for it to read again.
  outbox_read_ = outbox_pending_ = std::max(outbox_pending_, outbox_written_);
  outbox_written_ = 0;
  announced_ = announced_ || announcing_;
  announcing_ = false;
}

void ClusterNode::start(int64_t now_ms, Effects& out) {
  if (outbox_pending_ < 0) {
    // What was decided before this broker started is not for it (devices get
    // their commands again when they connect); what is decided from now on is,
    // answers to its first requests included.
    outbox_read_ = outbox_pending_ = cluster_.outbox_head();
  }
  if (!announced_ && !announcing_) {
    // Its row first, in the same transaction: a broker that dies right after
    // relaying a connection still lapses (and its device goes offline).
    heartbeat(now_ms, out);
    if (!announcing_) announce(now_ms, out);
  }
}

void ClusterNode::resync() {
  outbox_pending_ = outbox_read_;
  outbox_written_ = 0;
  announcing_ = false;
  // What this leader relayed of its own may be back in the inbox: its next
  // events go behind it again until the inbox is taken.
  if (engine_) own_events_queued_ = true;
  // Relaying cannot fail but for the store (the whole transaction is then
  // rolled back and applied again): what was relayed in it is relayed again.
  relayed_.clear();
  if (engine_) engine_->resync();
}

void ClusterNode::handle(Event& event, int64_t now_ms, Effects& out) {
  start(now_ms, out);
  if (engine_ && !cluster_.still_leading()) step_down(out);
  if (const auto* opened = std::get_if<ConnectionOpened>(&event)) {
    local_sessions_[opened->conn] = *opened;
  } else if (const auto* closed = std::get_if<ConnectionClosed>(&event)) {
    local_sessions_.erase(closed->conn);
  }
  relay(&event, now_ms, out);
}

void ClusterNode::prefetch(const std::vector<const Event*>& events) {
  if (engine_) engine_->prefetch(events);  // a follower reads nothing for them
}

bool ClusterNode::applies_own_events(int64_t now_ms, Effects& out) {
  if (!engine_) return false;
  // What this broker relayed before it led (or before a rollback) comes
  // first: all of it now, once, rather than its new events behind it in the
  // inbox, where under load they would never catch up.
  if (own_events_queued_) take_inbox(now_ms, out, Clock::time_point::max(), self_);
  return true;
}

void ClusterNode::relay(Event* event, int64_t now_ms, Effects& out) {
  if (applies_own_events(now_ms, out)) {
    if (event) {
      apply(self_, *event, now_ms, out);
    } else {
      forget_sessions(self_);
    }
    return;
  }
  relayed_.push_back(event ? encode_event(*event) : encode_sessions_gone());
}

void ClusterNode::stopping(int64_t now_ms, Effects& out) {
  if (engine_ && !cluster_.still_leading()) step_down(out);
  relay(nullptr, now_ms, out);
}

void ClusterNode::announce(int64_t now_ms, Effects& out) {
  // The sessions this broker held before (an earlier run, or before the leader forgot it) are gone...
  relay(nullptr, now_ms, out);
  // ...and these are the ones it holds now.
  for (auto& [conn, opened] : local_sessions_) {
    Event event = opened;
    relay(&event, now_ms, out);
  }
  announcing_ = true;  // announced once committed
}

void ClusterNode::tick(int64_t now_ms, Effects& out, Clock::time_point deadline) {
  start(now_ms, out);
  const auto now = Clock::now();
  if (engine_ && !cluster_.still_leading()) step_down(out);
  if (!engine_ && now >= next_lead_check_) {
    next_lead_check_ = now + kLeadCheckEvery;
    if (cluster_.try_lead()) take_lead(out);
  }
  if (now >= next_heartbeat_) heartbeat(now_ms, out);
  // The leader too: what a leader before it decided for this broker.
  read_outbox(out, deadline);
  if (!engine_) return;
  // Half the step for the inbox at most: the timers must not starve while
  // the other brokers keep it full.
  take_inbox(now_ms, out, now + (deadline - now) / 2);
  if (now >= next_lapse_check_) {
    next_lapse_check_ = now + kLeadCheckEvery;
    forget_lapsed_brokers(out);
  }
  engine_->tick(now_ms, out, deadline);
}

void ClusterNode::heartbeat(int64_t now_ms, Effects& out) {
  // A third of the timeout at most: two heartbeats may be late before the broker lapses.
  next_heartbeat_ = Clock::now() + std::min<std::chrono::milliseconds>(std::chrono::seconds(1),
                                                                       std::chrono::milliseconds(timeout_ms_ / 3));
  const auto beat = cluster_.heartbeat(self_, std::max<int64_t>(0, outbox_read_), timeout_ms_);
  // A row missing after the first heartbeat: the leader forgot this broker (it lapsed).
  if (beat == ClusterRepository::Heartbeat::First && heartbeats_ > 0 && !announcing_) announce(now_ms, out);
  ++heartbeats_;
  report_id_clash(beat == ClusterRepository::Heartbeat::Taken, out);
  live_brokers_ = cluster_.live_broker_count(timeout_ms_);
  if (!engine_) {
    // Acknowledged still means stored (in the inbox), but a leader that cannot
    // keep up must not let the inbox grow without bound.
    const int64_t waiting = cluster_.inbox_size(inbox_limit_);
    behind_ = waiting >= inbox_limit_ || (behind_ && waiting > inbox_limit_ / 2);
  } else {
    behind_ = false;
  }
}

void ClusterNode::report_id_clash(bool taken, Effects& out) {
  const auto now = Clock::now();
  if (!taken) {
    taken_since_ = Clock::time_point();
    return;
  }
  if (taken_since_ == Clock::time_point()) taken_since_ = now;
  // For a timeout it is this broker's own earlier run (restarted) whose row has not lapsed yet.
  if (now - taken_since_ <= std::chrono::milliseconds(timeout_ms_) + std::chrono::seconds(2)) return;
  if (clash_logged_at_ != Clock::time_point() && now - clash_logged_at_ < std::chrono::seconds(30)) return;
  clash_logged_at_ = now;
  out.logs.push_back({LogLevel::Error, "mosquitto_ota: another running broker uses the broker id " + self_ +
                                           ": give each broker its own plugin_opt_broker_id (until then their "
                                           "devices' presence and their admin answers are mixed up)"});
}

void ClusterNode::take_lead(Effects& out) {
  // What the last leader decided for this broker and did not see published yet.
  read_outbox(out, Clock::time_point::max());
  auto engine = std::make_unique<Engine>(store_, options_);
  engine->set_step_budget(step_budget_);
  engine->set_send_rate(send_rate_);
  broker_numbers_.clear();
  for (const auto& s : cluster_.sessions(std::nullopt)) {
    engine->restore_session(fleet_conn(s.broker, s.conn), DeviceKey{s.product, s.device}, s.client_id);
  }
  engine_ = std::move(engine);
  leading_.store(true, std::memory_order_relaxed);
  own_events_queued_ = true;
  next_lapse_check_ = Clock::now();
  out.logs.push_back({LogLevel::Notice, "mosquitto_ota: broker " + self_ +
                                            " leads the brokers sharing the database: it runs the upgrades of "
                                            "the whole fleet"});
}

void ClusterNode::step_down(Effects& out) {
  engine_.reset();
  leading_.store(false, std::memory_order_relaxed);
  // The outbox cursor stays after what it wrote itself as leader: what the
  // next leader writes comes after that, and is read from there.
  out.logs.push_back({LogLevel::Warning, "mosquitto_ota: broker " + self_ +
                                             " lost the lead (its database connection was replaced): another "
                                             "broker runs the upgrades now"});
}

uint64_t ClusterNode::fleet_conn(const std::string& broker, uint64_t conn) {
  // Each broker numbers its connections from 1: the broker's number goes above them.
  const auto [it, added] = broker_numbers_.try_emplace(broker, broker_numbers_.size() + 1);
  return (it->second << 40) | (conn & ((uint64_t{1} << 40) - 1));
}

void ClusterNode::apply(const std::string& broker, Event& event, int64_t now_ms, Effects& out) {
  if (auto* opened = std::get_if<ConnectionOpened>(&event)) {
    cluster_.save_session({broker, opened->conn, opened->device.product, opened->device.device, opened->client_id});
    Event keyed = ConnectionOpened{fleet_conn(broker, opened->conn), opened->device, opened->client_id};
    engine_->handle(keyed, now_ms, out);
  } else if (auto* closed = std::get_if<ConnectionClosed>(&event)) {
    cluster_.drop_session(broker, closed->conn);
    Event keyed = ConnectionClosed{fleet_conn(broker, closed->conn)};
    engine_->handle(keyed, now_ms, out);
  } else {
    if (auto* admin = std::get_if<AdminRequest>(&event)) admin->origin = broker == self_ ? "" : broker;
    engine_->handle(event, now_ms, out);
  }
}

void ClusterNode::take_inbox(int64_t now_ms, Effects& out, Clock::time_point deadline,
                             const std::optional<std::string>& from) {
  if (!from) inbox_backlog_ = false;
  // What this broker relayed in this transaction comes behind what it relayed before.
  cluster_.append_inbox(self_, relayed_);
  relayed_.clear();
  while (true) {
    // A chunk in one savepoint (one per event would cost two round trips
    // each); when one of its events fails, the chunk is taken again, an event
    // per savepoint, and only that one is dropped.
    const size_t publishes = out.publishes.size();
    const size_t logs = out.logs.size();
    store_.transactions.savepoint();
    size_t taken = 0;
    try {
      taken = apply_inbox_chunk(now_ms, out, false, from);
      store_.transactions.release();
    } catch (const std::exception& e) {
      if (storage_fault(e)) throw;
      undo_to_savepoint(out, publishes, logs);
      taken = apply_inbox_chunk(now_ms, out, true, from);
    }
    if (taken < static_cast<size_t>(kInboxChunk)) {
      own_events_queued_ = false;  // what this broker relayed before it led is applied
      return;
    }
    if (!from && Clock::now() >= deadline) {
      inbox_backlog_ = true;
      return;
    }
  }
}

void ClusterNode::undo_to_savepoint(Effects& out, size_t publishes, size_t logs) {
  store_.transactions.rollback_to();
  out.publishes.resize(publishes);
  out.logs.resize(logs);
  engine_->resync();
}

size_t ClusterNode::apply_inbox_chunk(int64_t now_ms, Effects& out, bool one_by_one,
                                      const std::optional<std::string>& from) {
  std::vector<InboxEntry> entries = cluster_.take_inbox(kInboxChunk, from);
  std::vector<std::optional<RelayedEvent>> decoded;
  std::vector<const Event*> events;
  decoded.reserve(entries.size());
  for (const auto& entry : entries) {
    decoded.push_back(decode_event(entry.body));
    if (decoded.back() && !decoded.back()->sessions_gone) events.push_back(&decoded.back()->event);
  }
  engine_->prefetch(events);
  for (size_t i = 0; i < entries.size(); ++i) {
    const InboxEntry& entry = entries[i];
    auto& relayed = decoded[i];
    if (!relayed) {
      out.logs.push_back({LogLevel::Error, "mosquitto_ota: an event relayed by broker " + entry.broker +
                                               " could not be read: dropped"});
      continue;
    }
    auto apply_entry = [&] {
      if (relayed->sessions_gone) {
        forget_sessions(entry.broker);
        // Before its first device: what is published from now on goes to it too.
        if (entry.broker != self_) live_brokers_ = std::max<int64_t>(live_brokers_, 2);
      } else {
        apply(entry.broker, relayed->event, now_ms, out);
      }
    };
    if (!one_by_one) {
      apply_entry();
      continue;
    }
    const size_t publishes = out.publishes.size();
    const size_t logs = out.logs.size();
    store_.transactions.savepoint();
    try {
      apply_entry();
      store_.transactions.release();
    } catch (const std::exception& e) {
      if (storage_fault(e)) throw;
      undo_to_savepoint(out, publishes, logs);
      out.logs.push_back({LogLevel::Error, "mosquitto_ota: an event relayed by broker " + entry.broker +
                                               " failed, nothing of it kept: " + e.what()});
    }
  }
  return entries.size();
}

void ClusterNode::forget_sessions(const std::string& broker) {
  for (const auto& s : cluster_.sessions(broker)) {
    Event closed = ConnectionClosed{fleet_conn(s.broker, s.conn)};
    Effects none;
    engine_->handle(closed, 0, none);
  }
  cluster_.drop_sessions(broker);
}

void ClusterNode::forget_lapsed_brokers(Effects& out) {
  for (const auto& broker : cluster_.lapsed_brokers(timeout_ms_)) {
    if (broker == self_) continue;
    forget_sessions(broker);
    cluster_.forget_broker(broker);
    out.logs.push_back({LogLevel::Warning, "mosquitto_ota: broker " + broker + " sent no heartbeat for " +
                                               std::to_string(options_.broker_timeout_seconds) +
                                               " s: its devices count as offline until they connect again"});
  }
  cluster_.trim_outbox(timeout_ms_);
}

void ClusterNode::read_outbox(Effects& out, Clock::time_point deadline) {
  outbox_backlog_ = false;
  while (true) {
    const auto entries = cluster_.outbox_after(self_, outbox_pending_, kOutboxChunk);
    for (const auto& entry : entries) {
      outbox_pending_ = entry.seq;
      auto message = decode_outgoing(entry.body);
      if (!message) continue;
      message->only_on = "";  // published here, not relayed again
      out.publishes.push_back(std::move(*message));
    }
    if (entries.size() < static_cast<size_t>(kOutboxChunk)) return;
    if (Clock::now() >= deadline) {
      outbox_backlog_ = true;
      return;
    }
  }
}

void ClusterNode::before_commit(Effects& effects) {
  const bool wrote_inbox = !relayed_.empty();
  cluster_.append_inbox(self_, relayed_);
  relayed_.clear();
  std::vector<ClusterRepository::OutboxWrite> outbox;
  if (engine_) {
    auto& publishes = effects.publishes;
    size_t kept = 0;
    for (size_t i = 0; i < publishes.size(); ++i) {
      Outgoing& message = publishes[i];
      const bool here_only = message.only_on && (message.only_on->empty() || *message.only_on == self_);
      if (!here_only && (message.only_on || live_brokers_ > 1)) {
        outbox.push_back({message.only_on, encode_outgoing(message)});
      }
      if (message.only_on && !here_only) continue;  // another broker's client asked
      if (kept != i) publishes[kept] = std::move(message);
      ++kept;
    }
    publishes.resize(kept);
    outbox_written_ = std::max(outbox_written_, cluster_.append_outbox(outbox));
  }
  if (wrote_inbox) cluster_.notify_inbox();
  if (!outbox.empty()) cluster_.notify_outbox();
}

}  // namespace ota
