#include "ota/upgrades.h"

#include <algorithm>
#include <chrono>
#include <unordered_set>

#include "ota/ids.h"
#include "ota/execution_state.h"
#include "ota/ota_messages.h"
#include "ota/targeting.h"

namespace ota {
namespace {

// Devices are read, and timers handled, in pages of this many.
constexpr int kPage = 1000;
// A status report right after a (re)connect does not send the command a second time.
constexpr int64_t kStatusResendGapMs = 1000;

const std::string* status_version(const StatusPayload& status, const std::string& key) {
  for (const auto& v : status.versions) {
    if (v.key == key) return &v.value;
  }
  return nullptr;
}

bool is_unsent(const Execution& e) { return e.state == ExecState::Queued || e.state == ExecState::Sent; }

const char* stop_reason(const Job& j, int64_t now) {
  if (j.expired(now)) return "expired";
  return j.state == JobState::Aborted ? "aborted" : "canceled";
}

}  // namespace

Upgrades::Upgrades(const Repositories& store, const Presence& presence, const Options& options)
    : devices_(store.devices),
      jobs_(store.jobs),
      executions_(store.executions),
      history_(store.history),
      presence_(presence),
      options_(options) {
  reload();
}

void Upgrades::reload() {
  // Resume: every unfinished job's parameters, rate slot and dynamic membership rules.
  job_cache_.clear();
  rate_cursor_.clear();
  paced_jobs_.clear();
  for (auto& j : jobs_.in_progress_jobs()) {
    // What the pace held back, or sent in what was rolled back, is found again.
    if (pace_.limited()) paced_jobs_.emplace(j.id, true);
    job_cache_.emplace(j.id, std::move(j));
  }
  unfinished_ = jobs_.unfinished_execution_count();
}

Job* Upgrades::cached(const std::string& id) {
  auto it = job_cache_.find(id);
  if (it != job_cache_.end()) return &it->second;
  auto found = jobs_.find_job(id);
  if (!found) return nullptr;
  return &job_cache_.emplace(id, std::move(*found)).first->second;
}

void Upgrades::set_job_state(const std::string& id, JobState state, int64_t now) {
  jobs_.set_job_state(id, state, now);
  if (Job* j = cached(id)) {
    j->state = state;
    j->finished_at = now;
    if (state != JobState::InProgress && j->fill_cursor) {
      j->fill_cursor.reset();  // a canceled or aborted job takes in no more devices
      jobs_.set_fill_cursor(id, j->fill_cursor);
    }
  }
  if (state != JobState::InProgress) {
    rate_cursor_.erase(id);
    paced_jobs_.erase(id);
  }
}

void Upgrades::set_send_rate(double per_second) {
  const bool was_limited = pace_.limited();
  pace_.set_rate(per_second);
  if (was_limited || !pace_.limited()) return;
  // Paced from now on (a broker that starts, or that takes the lead): what an
  // earlier leader's pace held back for devices online here is found again.
  for (const auto& [id, j] : job_cache_) {
    if (j.state == JobState::InProgress) paced_jobs_.emplace(id, true);
  }
}

bool Upgrades::needs_fast_ticks() const {
  if (!paced_jobs_.empty()) return true;
  for (const auto& [id, j] : job_cache_) {
    if (j.state == JobState::InProgress && (j.spec.max_per_minute || j.fill_cursor)) return true;
  }
  return false;
}

CreateResult Upgrades::create(const JobSpec& spec, int64_t now, Effects& out) {
  const auto started = std::chrono::steady_clock::now();
  Job job;
  job.id = random_id();
  job.spec = spec;
  job.created_at = now;
  jobs_.insert_job(job);
  Job& cached_job = job_cache_[job.id] = job;

  CreateResult result;
  result.job_id = job.id;
  if (spec.devices) {
    target_listed(cached_job, result, now, out);
  } else {
    target_fleet(cached_job, result, now, out);
  }
  after_finish(job.id, now, out);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  out.logs.push_back({LogLevel::Info, "mosquitto_ota: job " + job.id + " created for product " + spec.product + ": " +
                                          std::to_string(result.targeted) + " targeted in " + std::to_string(ms) +
                                          " ms"});
  return result;
}

void Upgrades::target_listed(const Job& job, CreateResult& result, int64_t now, Effects& out) {
  const JobSpec& spec = job.spec;
  auto busy_list = executions_.busy_devices(spec.product, spec.type);  // read once, not per device
  std::unordered_set<std::string> busy(busy_list.begin(), busy_list.end());
  std::unordered_set<std::string> seen;
  for (const auto& name : *spec.devices) {
    if (!seen.insert(name).second) continue;
    DeviceKey device{spec.product, name};
    if (!devices_.is_known(device)) {
      ++result.unknown;
      continue;
    }
    auto current = devices_.device_version(device, spec.version_key);
    switch (why_skipped(spec, current ? &*current : nullptr, busy.count(name) > 0)) {
      case Skip::AlreadyAtVersion:
        ++result.already_at_version;
        break;
      case Skip::NotInFromVersions:
        ++result.not_in_from_versions;
        break;
      case Skip::Busy:
        ++result.busy;
        break;
      case Skip::None:
        ++result.targeted;
        add_execution(job, device, now, out, /*counted=*/false);
    }
  }
  if (result.targeted > 0) jobs_.add_to_count(job.id, ExecState::Queued, result.targeted);
}

void Upgrades::target_fleet(Job& job, CreateResult& result, int64_t now, Effects& out) {
  // Counted now for the answer; the executions are created a chunk at a time
  // (the first one here), so that a huge job neither delays its answer nor
  // holds up the reports queued behind it.
  static_cast<TargetCounts&>(result) = executions_.count_fleet_targets(job);
  job.fill_cursor = "";
  jobs_.set_fill_cursor(job.id, job.fill_cursor);
  fill_next_chunk(job, now, out);
}

void Upgrades::fill_next_chunk(Job& j, int64_t now, Effects& out) {
  // Sized to take about fill_budget_, so that the reports waiting behind it
  // are still committed within flush_ms.
  const auto started = std::chrono::steady_clock::now();
  const double fits = static_cast<double>(fill_budget_.count()) / fill_us_per_device_;
  const int chunk = static_cast<int>(std::min(std::max(fits, 500.0), static_cast<double>(std::max(1, fill_chunk_))));
  const std::string after = *j.fill_cursor;
  auto upto = executions_.fleet_chunk_end(j.spec.product, after, chunk);
  int64_t added = executions_.insert_fleet_chunk(j, after, upto, now);
  if (added > 0) {
    jobs_.add_to_count(j.id, ExecState::Queued, added);
    unfinished_ += added;
    std::vector<DeviceKey> online;
    for (const auto& device : presence_.devices_of(j.spec.product)) {
      if (device.device > after && (!upto || device.device <= *upto)) online.push_back(device);
    }
    executions_.prefetch(online);
    for (const auto& device : online) {
      for (auto& e : executions_.unfinished_executions(device)) {
        if (e.job_id == j.id && e.state == ExecState::Queued) deliver(e, Trigger::Create, now, out);
      }
    }
  }
  j.fill_cursor = upto;  // none: every device considered
  jobs_.set_fill_cursor(j.id, j.fill_cursor);
  if (!j.fill_cursor) after_finish(j.id, now, out);
  if (upto) {  // a whole chunk: a fair measure of the time per device
    const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count();
    fill_us_per_device_ = std::max(0.1, (fill_us_per_device_ + us / chunk) / 2);
  }
}

void Upgrades::stop_filling(Job& j, int64_t now, Effects& out) {
  j.fill_cursor.reset();
  jobs_.set_fill_cursor(j.id, j.fill_cursor);
  after_finish(j.id, now, out);
}

void Upgrades::add_execution(const Job& job, const DeviceKey& device, int64_t now, Effects& out, bool counted) {
  Execution e;
  e.job_id = job.id;
  e.device = device;
  e.type = job.spec.type;
  e.version = job.spec.version;
  e.version_key = job.spec.version_key;
  e.request_id = random_id();
  e.created_at = e.updated_at = now;
  executions_.insert_execution(e);
  if (counted) jobs_.count_change(job.id, std::nullopt, ExecState::Queued);
  ++unfinished_;
  deliver(e, Trigger::Create, now, out);
}

void Upgrades::try_join(const Job& job, const DeviceKey& device, const StatusPayload& status, int64_t now,
                        Effects& out) {
  if (job.state != JobState::InProgress || job.expired(now)) return;
  const std::string* current = status_version(status, job.spec.version_key);
  // The version is checked first: most reports need no look at the executions.
  if (why_skipped(job.spec, current, false) != Skip::None) return;
  if (executions_.find_execution(job.id, device.device)) return;
  bool busy = false;
  for (const auto& active : executions_.unfinished_executions(device)) busy |= active.type == job.spec.type;
  if (why_skipped(job.spec, current, busy) != Skip::None) return;  // busy: may join on a later report
  add_execution(job, device, now, out);
}

void Upgrades::send_command(const Execution& e, const std::string& topic, const std::string& payload, Effects& out) {
  // Straight to every session of the device: IotHub devices do not subscribe to cmd/...
  for (const auto& client_id : presence_.client_ids(e.device)) {
    out.publishes.push_back(Outgoing{client_id, topic, payload, 1, std::nullopt});
  }
}

bool Upgrades::take_send_slot(Job& j, int64_t now) {
  if (!j.spec.max_per_minute) return true;
  if (j.next_send_at && now < *j.next_send_at) return false;
  // Evenly spaced slots; after an idle spell at most one slot is made up, never a burst.
  const int64_t interval = std::max<int64_t>(1, 60000 / *j.spec.max_per_minute);
  j.next_send_at = std::max(j.next_send_at.value_or(now), now - interval) + interval;
  jobs_.set_next_send_at(j.id, *j.next_send_at);
  return true;
}

void Upgrades::deliver(Execution& e, Trigger trigger, int64_t now, Effects& out) {
  Job* j = cached(e.job_id);
  if (!j) return;
  if (j->expired(now) || j->state != JobState::InProgress) {
    if (e.state == ExecState::Queued) {
      move(e, ExecState::Canceled, stop_reason(*j, now), now, out);
    } else if (e.next_resend_at) {
      e.next_resend_at.reset();  // nothing more is sent for this job
      executions_.update_execution(e);
    }
    return;
  }
  if (!presence_.online(e.device)) return;  // sent when it connects or reports status
  if (trigger == Trigger::Status && e.last_sent_at && now - *e.last_sent_at < kStatusResendGapMs) return;
  const bool first = e.state == ExecState::Queued;
  // A device that connects or reports is sent its command then; a rollout's
  // sends keep to the pace.
  if (first && (trigger == Trigger::Create || trigger == Trigger::Rate) && !pace_.take(now)) {
    hold_back(j->id);
    return;
  }
  if (first && !take_send_slot(*j, now)) return;  // waits for its rate-limited turn

  const SigningKey* key = options_.signing_key.get();
  send_command(e, upgrade_command_topic(e, j->spec), upgrade_command_payload(e, j->spec, key), out);
  e.last_sent_at = now;
  e.updated_at = now;
  if (trigger == Trigger::Timer) {
    ++e.resends;
  } else if (!first) {
    e.resends = 0;  // the device is (back) online: a new round of re-sends
  }
  if (first) {
    e.first_sent_at = now;
    e.deadline_at = now + j->spec.timeout_seconds * 1000;
  }
  if ((first || e.state == ExecState::Sent) && e.resends < options_.max_resends) {
    e.next_resend_at = now + options_.resend_seconds * 1000LL;
  } else {
    e.next_resend_at.reset();
  }
  if (first) {
    move(e, ExecState::Sent, "", now, out);
  } else {
    executions_.update_execution(e);
  }
}

void Upgrades::move(Execution& e, ExecState to, const std::string& reason, int64_t now, Effects& out) {
  ExecState from = e.state;
  e.state = to;
  e.reason = reason;
  e.updated_at = now;
  if (to != ExecState::Sent) e.next_resend_at.reset();
  if (is_final(to)) e.deadline_at.reset();
  executions_.update_execution(e);
  jobs_.count_change(e.job_id, from, to);
  unfinished_ += (is_final(to) ? 0 : 1) - (is_final(from) ? 0 : 1);
  history_.append_history(e.id, HistoryEntry{now, "state", to_string(to), e.progress, reason, e.desc});
  out.publishes.push_back(Outgoing{"", event_topic(e.device), execution_event_payload(e, now), 1, std::nullopt});
  if (is_final(to)) after_finish(e.job_id, now, out);
}

void Upgrades::after_finish(const std::string& job_id, int64_t now, Effects& out) {
  auto fresh = jobs_.find_job(job_id);
  if (!fresh || fresh->state != JobState::InProgress) return;
  if (fresh->abort_threshold_crossed()) {
    // Decided the moment the threshold is crossed: nothing more is sent, and what
    // waits is canceled; executions in flight finish and are still recorded.
    set_job_state(job_id, JobState::Aborted, now);
    out.logs.push_back({LogLevel::Warning, "mosquitto_ota: job " + job_id + " aborted: failures passed " +
                                               std::to_string(*fresh->spec.abort_failure_percent) + "%"});
    // One page now; the timers cancel the rest between other work.
    cancel_queued(job_id, "aborted", now, out, std::chrono::steady_clock::now());
    return;
  }
  // Not while executions are still being created; a dynamic job stays open for
  // devices that join later, until canceled or expired.
  if (fresh->fill_cursor || fresh->unfinished() > 0 || (fresh->spec.dynamic && !fresh->expired(now))) return;
  set_job_state(job_id, JobState::Completed, now);
}

void Upgrades::on_status(const DeviceKey& device, const StatusPayload& status, int64_t now, Effects& out) {
  for (auto& e : executions_.executions_awaiting_status(device)) {
    const std::string* version = status_version(status, e.version_key);
    auto t = after_status(e.state, version && *version == e.version);
    if (t) {
      move(e, t->to, t->reason, now, out);
    } else if (is_unsent(e)) {
      deliver(e, Trigger::Status, now, out);
    }
  }
  std::vector<const Job*> open;
  for (const auto& [id, j] : job_cache_) {
    if (j.spec.dynamic && j.state == JobState::InProgress && j.spec.product == device.product) open.push_back(&j);
  }
  for (const Job* j : open) try_join(*j, device, status, now, out);
}

void Upgrades::on_connect(const DeviceKey& device, int64_t now, Effects& out) {
  for (auto& e : executions_.unfinished_executions(device)) {
    if (is_unsent(e)) deliver(e, Trigger::Connect, now, out);
  }
}

void Upgrades::on_progress(const DeviceKey& device, const ProgressPayload& p, int64_t now, Effects& out) {
  if (unfinished_ == 0) return;
  for (auto& e : executions_.unfinished_executions(device)) {
    if (e.type != p.type || e.version != p.version) continue;
    e.progress = p.progress;
    e.desc = p.desc;
    auto t = after_progress(e.state, p.progress);
    history_.append_history(e.id, HistoryEntry{now, "progress", to_string(t ? t->to : e.state), p.progress, "", p.desc});
    if (t && t->to != e.state) {
      move(e, t->to, t->reason, now, out);
    } else {
      e.updated_at = now;
      executions_.update_execution(e);
    }
    return;  // at most one unfinished execution per type
  }
}

bool Upgrades::cancel_queued(const std::string& job_id, const std::string& reason, int64_t now, Effects& out,
                             std::chrono::steady_clock::time_point deadline) {
  while (true) {
    auto queued = executions_.job_executions(job_id, ExecState::Queued, "", kPage);
    for (auto& e : queued) move(e, ExecState::Canceled, reason, now, out);
    if (static_cast<int>(queued.size()) < kPage) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
  }
}

int64_t Upgrades::cancel(const std::string& job_id, int64_t now, Effects& out) {
  const Job* j = cached(job_id);
  if (!j || j->state != JobState::InProgress) return 0;
  set_job_state(job_id, JobState::Canceled, now);
  int64_t n = 0;
  for (ExecState s : {ExecState::Queued, ExecState::Sent, ExecState::Downloading, ExecState::Installing}) {
    while (true) {
      auto page = executions_.job_executions(job_id, s, "", kPage);
      for (auto& e : page) {
        if (is_in_flight(e.state)) {
          send_command(e, cancel_command_topic(e), cancel_command_payload(e, options_.signing_key.get()), out);
        }
        move(e, ExecState::Canceled, "canceled", now, out);
        ++n;
      }
      if (static_cast<int>(page.size()) < kPage) break;
    }
  }
  return n;
}

void Upgrades::send_rate_limited(Job& j, int64_t now, Effects& out, std::chrono::steady_clock::time_point deadline) {
  // Queued executions in device order; offline devices are passed over and
  // found again on a later round (or sent at once when they connect).
  std::string& cursor = rate_cursor_[j.id];
  int scanned = 0;
  bool wrapped = false;
  while (j.state == JobState::InProgress && (!j.next_send_at || now >= *j.next_send_at) && scanned < kPage &&
         std::chrono::steady_clock::now() < deadline) {
    auto page = executions_.job_executions(j.id, ExecState::Queued, cursor, 100);
    if (page.empty()) {
      auto paced = paced_jobs_.find(j.id);
      if (paced != paced_jobs_.end()) {
        if (!paced->second) {  // a whole pass held none back: every online device has its command
          paced_jobs_.erase(paced);
          if (!j.spec.max_per_minute) rate_cursor_.erase(j.id);
          return;
        }
        paced->second = false;  // a new pass
      }
      if (wrapped || cursor.empty()) return;
      cursor.clear();
      wrapped = true;
      continue;
    }
    for (auto& e : page) {
      const bool online = presence_.online(e.device);
      if (online && !pace_.ready(now)) return;  // this device first, on a later tick
      ++scanned;
      cursor = e.device.device;
      if (!online) continue;
      deliver(e, Trigger::Rate, now, out);
      if (j.next_send_at && now < *j.next_send_at) return;
    }
  }
}

void Upgrades::hold_back(const std::string& job_id) {
  auto [paced, added] = paced_jobs_.emplace(job_id, true);
  paced->second = true;
  if (added && !cached(job_id)->spec.max_per_minute) rate_cursor_[job_id].clear();  // a pass from the first device
}

void Upgrades::tick(int64_t now, Effects& out, std::chrono::steady_clock::time_point deadline) {
  auto over = [&] { return std::chrono::steady_clock::now() >= deadline; };
  for (const auto& id : jobs_.aborted_job_ids_with_queued()) {
    if (!cancel_queued(id, "aborted", now, out, deadline)) return;
  }
  for (const auto& id : jobs_.expired_job_ids(now)) {
    if (!cancel_queued(id, "expired", now, out, deadline)) return;
    after_finish(id, now, out);
  }
  for (auto& e : executions_.past_deadline(now, kPage)) {
    if (over()) return;
    if (auto t = after_deadline(e.state)) {
      move(e, t->to, t->reason, now, out);
    } else {
      e.deadline_at.reset();
      executions_.update_execution(e);
    }
  }
  for (auto& e : executions_.due_for_resend(now, kPage)) {
    if (over()) return;
    if (e.state == ExecState::Sent && presence_.online(e.device)) {
      deliver(e, Trigger::Timer, now, out);
    } else {
      e.next_resend_at.reset();  // offline: re-sent when it comes back
      executions_.update_execution(e);
    }
  }
  std::vector<Job*> active;  // collected first: sending may add jobs to the cache
  for (auto& [id, j] : job_cache_) {
    if (j.state == JobState::InProgress) active.push_back(&j);
  }
  for (Job* j : active) {
    if (over()) return;
    if (j->fill_cursor) {
      if (j->expired(now)) {
        stop_filling(*j, now, out);  // nothing more would be sent
      } else {
        fill_next_chunk(*j, now, out);
      }
    }
    const bool scanned = j->spec.max_per_minute || paced_jobs_.count(j->id);
    if (j->state == JobState::InProgress && scanned && !j->expired(now)) send_rate_limited(*j, now, out, deadline);
  }
}

}  // namespace ota
