#include "mosquitto_ota/upgrades.h"

#include <algorithm>
#include <set>

#include "mosquitto_ota/ids.h"
#include "mosquitto_ota/ota_messages.h"

namespace ota {
namespace {

// Devices are read, and timers handled, in pages of this many.
constexpr int kPage = 1000;

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

const std::string* status_version(const StatusPayload& status, const std::string& key) {
  for (const auto& v : status.versions) {
    if (v.key == key) return &v.value;
  }
  return nullptr;
}

}  // namespace

Upgrades::Upgrades(Store& store, JobStore& jobs, const Presence& presence, const Options& options)
    : store_(store), jobs_(jobs), presence_(presence), options_(options) {}

const Job* Upgrades::job(const std::string& id) {
  auto it = job_cache_.find(id);
  if (it != job_cache_.end()) return &it->second;
  auto found = jobs_.find_job(id);
  if (!found) return nullptr;
  return &job_cache_.emplace(id, std::move(*found)).first->second;
}

CreateResult Upgrades::create(const JobSpec& spec, int64_t now, Effects& out) {
  Job job;
  job.id = random_id();
  job.spec = spec;
  job.created_at = now;
  jobs_.insert_job(job);
  job_cache_[job.id] = job;

  CreateResult result;
  result.job_id = job.id;
  std::set<std::string> seen;
  auto consider = [&](const std::string& name) {
    if (!seen.insert(name).second) return;
    DeviceKey device{spec.product, name};
    if (spec.devices && !store_.is_known(device)) {
      ++result.unknown;
      return;
    }
    auto current = store_.device_version(device, spec.version_key);
    if (current && *current == spec.version) {
      ++result.already_at_version;
      return;
    }
    if (spec.from_versions && (!current || !contains(*spec.from_versions, *current))) {
      ++result.not_in_from_versions;
      return;
    }
    for (const auto& active : jobs_.unfinished_executions(device)) {
      if (active.type == spec.type) {
        ++result.busy;
        return;
      }
    }
    Execution e;
    e.job_id = job.id;
    e.device = device;
    e.type = spec.type;
    e.version = spec.version;
    e.version_key = spec.version_key;
    e.request_id = random_id();
    e.created_at = e.updated_at = now;
    jobs_.insert_execution(e);
    jobs_.count_change(job.id, std::nullopt, ExecState::Queued);
    ++result.targeted;
    deliver(e, Trigger::Create, now, out);
  };

  if (spec.devices) {
    for (const auto& name : *spec.devices) consider(name);
  } else {
    std::string after;
    while (true) {
      auto names = store_.device_names(spec.product, after, kPage);
      for (const auto& name : names) consider(name);
      if (static_cast<int>(names.size()) < kPage) break;
      after = names.back();
    }
  }
  finish_job_if_done(job.id, now);
  return result;
}

void Upgrades::send_command(const Execution& e, const std::string& topic, const std::string& payload, Effects& out) {
  // Straight to every session of the device: IotHub devices do not subscribe to cmd/...
  for (const auto& client_id : presence_.client_ids(e.device)) {
    out.publishes.push_back(Outgoing{client_id, topic, payload, 1, std::nullopt});
  }
}

void Upgrades::deliver(Execution& e, Trigger trigger, int64_t now, Effects& out) {
  const Job* j = job(e.job_id);
  if (!j) return;
  if (j->expired(now) || j->state != JobState::InProgress) {
    if (e.state == ExecState::Queued) {
      move(e, ExecState::Canceled, j->expired(now) ? "expired" : "canceled", now, out);
    } else if (e.next_resend_at) {
      e.next_resend_at.reset();  // nothing more is sent for this job
      jobs_.update_execution(e);
    }
    return;
  }
  if (!presence_.online(e.device)) return;  // sent when it connects or reports status

  send_command(e, upgrade_command_topic(e, j->spec), upgrade_command_payload(j->spec), out);
  const bool first = e.state == ExecState::Queued;
  e.last_sent_at = now;
  e.updated_at = now;
  if (trigger == Trigger::Timer) {
    ++e.resends;
  } else {
    e.resends = 0;  // created, or the device is (back) online: a new round of re-sends
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
    jobs_.update_execution(e);
  }
}

void Upgrades::move(Execution& e, ExecState to, const std::string& reason, int64_t now, Effects& out) {
  ExecState from = e.state;
  e.state = to;
  e.reason = reason;
  e.updated_at = now;
  if (to != ExecState::Sent) e.next_resend_at.reset();
  if (is_final(to)) e.deadline_at.reset();
  jobs_.update_execution(e);
  jobs_.count_change(e.job_id, from, to);
  jobs_.append_history(e.id, HistoryEntry{now, "state", to_string(to), e.progress, reason, e.desc});
  out.publishes.push_back(Outgoing{"", event_topic(e.device), execution_event_payload(e, now), 1, std::nullopt});
  if (is_final(to)) finish_job_if_done(e.job_id, now);
}

void Upgrades::finish_job_if_done(const std::string& job_id, int64_t now) {
  auto fresh = jobs_.find_job(job_id);
  if (!fresh || fresh->state != JobState::InProgress || fresh->unfinished() > 0) return;
  jobs_.set_job_state(job_id, JobState::Completed, now);
  job_cache_.erase(job_id);
}

void Upgrades::on_status(const DeviceKey& device, const StatusPayload& status, int64_t now, Effects& out) {
  for (auto& e : jobs_.executions_awaiting_status(device)) {
    const std::string* version = status_version(status, e.version_key);
    auto t = after_status(e.state, version && *version == e.version);
    if (t) {
      move(e, t->to, t->reason, now, out);
    } else if (e.state == ExecState::Queued || e.state == ExecState::Sent) {
      deliver(e, Trigger::Device, now, out);
    }
  }
}

void Upgrades::on_connect(const DeviceKey& device, int64_t now, Effects& out) {
  for (auto& e : jobs_.unfinished_executions(device)) {
    if (e.state == ExecState::Queued || e.state == ExecState::Sent) deliver(e, Trigger::Device, now, out);
  }
}

void Upgrades::on_progress(const DeviceKey& device, const ProgressPayload& p, int64_t now, Effects& out) {
  for (auto& e : jobs_.unfinished_executions(device)) {
    if (e.type != p.type || e.version != p.version) continue;
    e.progress = p.progress;
    e.desc = p.desc;
    auto t = after_progress(e.state, p.progress);
    jobs_.append_history(e.id, HistoryEntry{now, "progress", to_string(t ? t->to : e.state), p.progress, "", p.desc});
    if (t && t->to != e.state) {
      move(e, t->to, t->reason, now, out);
    } else {
      e.updated_at = now;
      jobs_.update_execution(e);
    }
    return;  // at most one unfinished execution per type
  }
}

void Upgrades::cancel_queued(const Job& j, const std::string& reason, int64_t now, Effects& out) {
  while (true) {
    auto queued = jobs_.job_executions(j.id, ExecState::Queued, "", kPage);
    for (auto& e : queued) move(e, ExecState::Canceled, reason, now, out);
    if (static_cast<int>(queued.size()) < kPage) return;
  }
}

int64_t Upgrades::cancel(const std::string& job_id, int64_t now, Effects& out) {
  const Job* j = job(job_id);
  if (!j || j->state != JobState::InProgress) return 0;
  jobs_.set_job_state(job_id, JobState::Canceled, now);
  job_cache_.erase(job_id);
  int64_t n = 0;
  for (ExecState s : {ExecState::Queued, ExecState::Sent, ExecState::Downloading, ExecState::Installing}) {
    while (true) {
      auto page = jobs_.job_executions(job_id, s, "", kPage);
      for (auto& e : page) {
        if (is_in_flight(e.state)) send_command(e, cancel_command_topic(e), cancel_command_payload(e), out);
        move(e, ExecState::Canceled, "canceled", now, out);
        ++n;
      }
      if (static_cast<int>(page.size()) < kPage) break;
    }
  }
  return n;
}

void Upgrades::tick(int64_t now, Effects& out) {
  for (const auto& id : jobs_.expired_job_ids(now)) {
    if (const Job* j = job(id)) {
      Job expired = *j;
      cancel_queued(expired, "expired", now, out);
      finish_job_if_done(id, now);
    }
  }
  for (auto& e : jobs_.past_deadline(now, kPage)) {
    if (auto t = after_deadline(e.state)) {
      move(e, t->to, t->reason, now, out);
    } else {
      e.deadline_at.reset();
      jobs_.update_execution(e);
    }
  }
  for (auto& e : jobs_.due_for_resend(now, kPage)) {
    if (e.state == ExecState::Sent && presence_.online(e.device)) {
      deliver(e, Trigger::Timer, now, out);
    } else {
      e.next_resend_at.reset();  // offline: re-sent when it comes back
      jobs_.update_execution(e);
    }
  }
}

}  // namespace ota
