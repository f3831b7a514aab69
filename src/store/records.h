#pragma once
// What is stored: devices, progress reports, jobs, their executions and the
// executions' history, as plain values. The repositories (store/repositories.h)
// read and write them; nothing here knows how they are kept.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/device_key.h"
#include "store/states.h"

namespace ota {

struct DeviceRecord {
  DeviceKey key;
  std::string status;  // JSON object text
  int64_t status_at = 0;
};

// Devices whose status key `key` holds `version`.
struct VersionFilter {
  std::string key;
  std::string version;
};

struct ProgressRecord {
  std::string message_id;
  std::string type;
  std::string version;
  int progress = 0;
  std::string desc;
  int64_t at = 0;
};

// What createUpgrade asked for.
struct JobSpec {
  std::string product;
  std::string type;
  std::string version;
  std::string version_key;
  std::string url;
  std::string md5;
  int64_t size = 0;
  std::string sha256;  // empty: none
  std::string image_signature;  // the vendor's, base64 (docs/protocol.md 3.10); empty: none
  std::optional<std::vector<std::string>> devices;
  std::optional<std::vector<std::string>> from_versions;
  int64_t timeout_seconds = 86400;
  std::optional<int64_t> expires_at;  // unix ms
  // Rollout controls.
  std::optional<int64_t> max_per_minute;         // first sends per minute
  std::optional<double> abort_failure_percent;   // with abort_min_finished
  std::optional<int64_t> abort_min_finished;
  bool dynamic = false;                          // devices that later match join
};

using ExecutionCounts = std::array<int64_t, kExecStateCount>;

// How createUpgrade sorted the devices it looked at: the targets, and the
// skipped by why (its answer's "targeted" and "skipped"; ota/targeting.h).
struct TargetCounts {
  int64_t targeted = 0;
  int64_t already_at_version = 0;
  int64_t busy = 0;     // an unfinished execution of the same type
  int64_t unknown = 0;  // listed but never seen: none over a whole product
  int64_t not_in_from_versions = 0;
};

struct Job {
  std::string id;
  int64_t seq = 0;
  JobSpec spec;
  JobState state = JobState::InProgress;
  int64_t created_at = 0;
  std::optional<int64_t> finished_at;
  ExecutionCounts counts{};
  std::optional<int64_t> next_send_at;  // the next first-send slot of a rate-limited job
  std::optional<std::string> fill_cursor;  // set while executions are still being created

  int64_t total() const;
  int64_t unfinished() const;
  bool expired(int64_t now_ms) const { return spec.expires_at && *spec.expires_at <= now_ms; }
  int64_t count(ExecState s) const { return counts[static_cast<size_t>(s)]; }
  // True once at least abort_min_finished executions finished and the failed and
  // timed-out share of the finished ones is over abort_failure_percent.
  bool abort_threshold_crossed() const;
};

struct Execution {
  int64_t id = 0;
  std::string job_id;
  DeviceKey device;
  std::string type;
  std::string version;
  std::string version_key;
  std::string request_id;
  ExecState state = ExecState::Queued;
  std::string reason;
  std::optional<int> progress;
  std::string desc;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> first_sent_at;
  std::optional<int64_t> last_sent_at;
  int resends = 0;
  std::optional<int64_t> deadline_at;
  std::optional<int64_t> next_resend_at;
};

struct HistoryEntry {
  int64_t at = 0;
  std::string event;  // "state" or "progress"
  std::string state;
  std::optional<int> progress;
  std::string reason;
  std::string desc;
  int64_t id = 0;  // ascending with time: the cursor of a history page (set when read)
};

}  // namespace ota
