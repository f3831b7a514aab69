#pragma once
// Validation of what devices report: the status object and OTA progress.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/strict_json.h"
#include "protocol/topics.h"

namespace ota {

// A string member of a status object: a version under its key.
struct VersionField {
  std::string key;
  std::string value;
};

struct StatusPayload {
  std::string json;                    // the object as the device sent it
  std::vector<VersionField> versions;  // its string members
};

// Progress codes below zero are failures (SPEC: execution states).
struct ProgressPayload {
  std::string type;
  std::string version;
  int progress = 0;  // -4..100
  std::string desc;
};

// An accepted device report, on its way to the store.
struct Report {
  ReportKind kind;
  DeviceKey device;
  std::string message_id;
  int64_t at = 0;  // unix ms of arrival
  StatusPayload status;
  ProgressPayload progress;
};

template <typename T>
struct Checked {
  std::optional<T> value;
  std::string error;  // set when value is empty
};

inline constexpr size_t kMaxDescBytes = 1024;
inline constexpr size_t kMaxVersionBytes = 64;

Checked<StatusPayload> check_status(std::string_view payload);
Checked<ProgressPayload> check_progress(std::string_view payload);

// The whole check of a device publish that parse_report_topic() said is ours:
// identity, size and payload. Returns the report to store, or why it is refused.
Checked<Report> check_report(const ReportTopic& topic, std::string_view username, std::string_view payload,
                             size_t max_payload_bytes, int64_t now_ms);

// A report as the broker thread checked it: views into its topic, its payload
// and the checker's parse, valid until the checker's next check.
struct ReportView {
  ReportTopicView topic;
  std::string_view status_json;  // a status: the object as sent
  // progress:
  std::string_view type;
  std::string_view version;
  std::string_view desc;
  int progress = 0;
};

// The check of a device publish on the broker thread, for every report: the
// same rules as check_report(), without allocating (its parser keeps its buffers).
class ReportChecker {
 public:
  // Empty when `out` holds the report; why it is refused otherwise.
  std::string check(const ReportTopicView& topic, std::string_view username, std::string_view payload,
                    size_t max_payload_bytes, ReportView& out);

 private:
  StrictJsonParser parser_;
};

// The report a view describes, owning its data. A status's versions are read
// from its JSON again (it was checked: they are there).
Report to_report(const ReportView& view, int64_t at_ms);
// A view of a report's data (valid while the report lives).
ReportView view_of(const Report& report);

// Versions: 1-64 printable characters, no control bytes.
bool is_valid_version(std::string_view s);

}  // namespace ota
