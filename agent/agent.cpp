#include "agent.h"

#include <chrono>
#include <filesystem>

#include "download.h"
#include "install.h"
#include "log.h"
#include "reports.h"
#include "verify.h"

namespace ota_agent {
namespace {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// How often the worker looks at the stop flag while it waits.
constexpr std::chrono::milliseconds kPoll{200};

std::string label(const Command& c) { return c.name + " " + c.request_id + " (" + c.type + " " + c.version + ")"; }

}  // namespace

Agent::Agent(Config config, std::optional<TrustedKeys> broker_key, std::optional<TrustedKeys> vendor_keys)
    : config_(std::move(config)),
      broker_key_(std::move(broker_key)),
      vendor_keys_(std::move(vendor_keys)),
      state_(State::load(config_.state_dir, config_.initial_versions)) {
  session_ = std::make_unique<MqttSession>(
      config_, [this] { on_connect(); },
      [this](const std::string& topic, const std::string& payload) { on_message(topic, payload); });
}

Agent::~Agent() { session_->stop(); }

void Agent::run(const std::atomic<bool>& stop) {
  stop_ = &stop;
  session_->start();
  // An upgrade interrupted by a restart goes on once the broker can hear about it.
  std::string resume;
  {
    ota::MutexLock lock(mutex_);
    while (!stop && !connected_) lock.wait_for(wake_, kPoll, [this]() REQUIRES(mutex_) { return connected_; });
    if (state_.current()) resume = state_.current()->topic;
  }
  if (!stop && !resume.empty()) {
    log_line("resuming the upgrade of " + resume);
    work_on_current();
  }
  while (!stop) {
    std::pair<std::string, std::string> next;
    {
      ota::MutexLock lock(mutex_);
      if (!lock.wait_for(wake_, kPoll, [this]() REQUIRES(mutex_) { return !inbox_.empty(); })) continue;
      next = std::move(inbox_.front());
      inbox_.pop_front();
    }
    handle(next.first, next.second);
  }
  log_line("stopping");
  session_->stop();
}

void Agent::on_connect() {
  ota::MutexLock lock(mutex_);
  connected_ = true;
  wake_.notify_all();
  const std::string status = state_.status_json();
  log_line("reporting status " + status);
  session_->publish(status_topic(config_.product, config_.device), status);
}

void Agent::on_message(const std::string& topic, const std::string& payload) {
  const ParsedCommand parsed = parse_command(config_.product, config_.device, topic, payload);
  ota::MutexLock lock(mutex_);
  if (parsed.command && parsed.command->request_id == active_request_) {
    const Command& c = *parsed.command;
    // A cancel for the upgrade in progress must reach the download now, not after it.
    if (!c.is_upgrade()) {
      const std::string refused = signature_problem(c);
      if (!refused.empty()) {
        log_line("refused " + label(c) + ": " + refused);
      } else if (installing_) {
        log_line("received " + label(c) + ": too late, installing");
      } else {
        log_line("received " + label(c) + ": stopping the download");
        cancel_ = true;
      }
    } else {
      log_line("ignored " + label(c) + ": already working on it");
    }
    return;
  }
  inbox_.emplace_back(topic, payload);
  wake_.notify_all();
}

void Agent::handle(const std::string& topic, const std::string& payload) {
  const ParsedCommand parsed = parse_command(config_.product, config_.device, topic, payload);
  if (!parsed.command) {
    log_line("ignored a message on " + topic + ": " + parsed.error);
    return;
  }
  const Command& c = *parsed.command;
  if (c.is_upgrade()) {
    handle_upgrade(c, topic, payload);
    return;
  }
  const std::string refused = signature_problem(c);
  if (!refused.empty()) {
    log_line("refused " + label(c) + ": " + refused);
    return;
  }
  // A cancel for an upgrade not started (or already done): it must not start later.
  log_line("received " + label(c) + ": nothing in progress for it, request marked handled");
  ota::MutexLock lock(mutex_);
  state_.mark_handled(c.request_id);
  persist();
}

void Agent::handle_upgrade(const Command& c, const std::string& topic, const std::string& payload) {
  {
    ota::MutexLock lock(mutex_);
    if (state_.handled(c.request_id)) {
      log_line("ignored " + label(c) + ": request already handled");
      return;
    }
  }
  if (expired(c, now_ms())) {
    log_line("ignored " + label(c) + ": expired at " + c.expires_at);
    return;
  }
  // A forged command is not remembered: its request id may be a real one, still to come.
  std::string refused = signature_problem(c);
  if (!refused.empty()) {
    log_line("refused " + label(c) + ": " + refused);
    report_progress(c, -4, "refused: " + refused);
    return;
  }
  refused = check_upgrade_fields(c);
  if (!refused.empty()) {
    log_line("refused " + label(c) + ": " + refused);
    report_progress(c, -4, "refused: " + refused);
    ota::MutexLock lock(mutex_);
    state_.mark_handled(c.request_id);
    persist();
    return;
  }
  {
    ota::MutexLock lock(mutex_);
    // A cancel that came while this command waited behind another upgrade.
    if (cancel_waiting(c.request_id)) {
      log_line("canceled " + label(c) + " before it started");
      state_.mark_handled(c.request_id);
      persist();
      return;
    }
    // From here on a cancel goes straight to the download (on_message).
    cancel_ = false;
    active_request_ = c.request_id;
    state_.set_current(CurrentUpgrade{topic, payload, false});
    persist();
  }
  log_line("accepted " + label(c) + " from " + c.url);
  work_on_current();
}

bool Agent::cancel_waiting(const std::string& request_id) const {
  for (const auto& [topic, payload] : inbox_) {
    const ParsedCommand parsed = parse_command(config_.product, config_.device, topic, payload);
    if (parsed.command && !parsed.command->is_upgrade() && parsed.command->request_id == request_id &&
        signature_problem(*parsed.command).empty()) {
      return true;
    }
  }
  return false;
}

std::string Agent::signature_problem(const Command& c) const {
  if (!broker_key_) return "";
  return check_signature(c, config_.product, config_.device, {&broker_key_->keys, broker_key_->ids[0]});
}

std::string Agent::image_path(const std::string& request_id) const {
  return config_.download_dir + "/" + request_id + ".img";
}

void Agent::work_on_current() {
  CurrentUpgrade current;
  {
    ota::MutexLock lock(mutex_);
    current = *state_.current();
  }
  const ParsedCommand parsed = parse_command(config_.product, config_.device, current.topic, current.payload);
  if (!parsed.command) {  // only a hand-edited state file gets here
    log_line("dropped the saved upgrade: " + parsed.error);
    ota::MutexLock lock(mutex_);
    state_.set_current(std::nullopt);
    persist();
    return;
  }
  const Command& c = *parsed.command;
  const std::string path = image_path(c.request_id);
  if (current.installing) {
    // The install command was cut short: nobody knows what it left, so it failed.
    log_line("the agent stopped while installing " + label(c) + ": reporting it failed");
    report_progress(c, -3, "install interrupted: the agent restarted while installing");
    finish(c.request_id);
    return;
  }
  {
    ota::MutexLock lock(mutex_);
    active_request_ = c.request_id;  // already set, unless this is a resume
    installing_ = false;
  }

  ProgressThrottle throttle(*c.size);
  const auto on_data = [&](uint64_t have) {
    if (auto percent = throttle.update(have, std::chrono::steady_clock::now())) {
      report_progress(c, *percent, "downloading");
    }
  };
  const auto interrupted = [&] { return cancel_.load() || stop_->load(); };
  DownloadRequest request{c.url, path, *c.size, config_.stall_timeout_seconds, config_.https_ca_file};
  std::error_code ec;
  const auto partial = std::filesystem::exists(path, ec) ? std::filesystem::file_size(path, ec) : 0;
  log_line("downloading " + c.url + " to " + path +
           (partial > 0 ? " (resuming at byte " + std::to_string(partial) + ")" : ""));
  const DownloadOutcome outcome = download(request, on_data, interrupted);

  if (outcome.result == DownloadResult::Interrupted) {
    if (cancel_) {
      log_line("canceled " + label(c) + ": download stopped, file deleted");
      finish(c.request_id);
    } else {
      log_line("download of " + label(c) + " interrupted by a stop; it resumes at the next start");
      ota::MutexLock lock(mutex_);
      active_request_.clear();
    }
    return;
  }
  std::string failure = outcome.desc;
  int code = outcome.result == DownloadResult::TooLarge ? -2 : -1;
  if (outcome.result == DownloadResult::Complete) {
    log_line("downloaded " + label(c) + ", verifying");
    failure = check_image(path, {*c.size, c.md5, c.sha256, c.image_signature},
                          vendor_keys_ ? &vendor_keys_->keys : nullptr);
    code = -2;
  }
  if (!failure.empty()) {
    log_line("failed " + label(c) + ": " + failure + "; file deleted");
    report_progress(c, code, failure);
    finish(c.request_id);
    return;
  }

  bool canceled = false;
  {
    ota::MutexLock lock(mutex_);
    // A cancel that came after the last byte still stops it here; once installing_ is set it is too late.
    canceled = cancel_;
    if (!canceled) {
      installing_ = true;
      state_.set_current(CurrentUpgrade{current.topic, current.payload, true});
      persist();
    }
  }
  if (canceled) {
    log_line("canceled " + label(c) + " before installing, file deleted");
    finish(c.request_id);
    return;
  }
  log_line("image verified; installing with: " + config_.install_command + " " + path + " " + c.type + " " +
           c.version);
  report_progress(c, 100, "installing");
  const std::string install_failure = run_install(config_.install_command, path, c.type, c.version);
  if (!install_failure.empty()) {
    log_line("failed " + label(c) + ": " + install_failure);
    report_progress(c, -3, install_failure);
    finish(c.request_id);
    return;
  }
  {
    ota::MutexLock lock(mutex_);
    state_.set_version(c.type, c.version);
  }
  finish(c.request_id);
  log_line("installed " + c.type + " " + c.version);
  report_status();
}

void Agent::finish(const std::string& request_id) {
  std::error_code ec;
  std::filesystem::remove(image_path(request_id), ec);
  ota::MutexLock lock(mutex_);
  state_.mark_handled(request_id);
  state_.set_current(std::nullopt);
  persist();
  active_request_.clear();
  installing_ = false;
}

void Agent::persist() {
  try {
    state_.save();
  } catch (const std::exception& e) {
    log_line(std::string("cannot save the state: ") + e.what());
  }
}

void Agent::report_progress(const Command& c, int progress, const std::string& desc) {
  const std::string payload = progress_json(c.type, c.version, progress, desc);
  log_line("reporting progress " + payload);
  session_->publish(progress_topic(config_.product, config_.device), payload);
}

void Agent::report_status() {
  std::string status;
  {
    ota::MutexLock lock(mutex_);
    status = state_.status_json();
  }
  log_line("reporting status " + status);
  session_->publish(status_topic(config_.product, config_.device), status);
}

}  // namespace ota_agent
