#include "protocol/reports.h"

#include <rapidjson/document.h>

#include "protocol/names.h"
#include "protocol/strict_json.h"

namespace ota {
namespace {

template <typename T>
Checked<T> refuse(std::string why) {
  Checked<T> c;
  c.error = std::move(why);
  return c;
}

bool has_control_bytes(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

std::string_view view_of(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

bool is_version_key(std::string_view key) { return key.size() > 4 && key.substr(key.size() - 4) == "_ver"; }

// A status object: every "*_ver" member a version. Its versions (string
// members that look like one) go to `versions` when given.
std::string check_status_object(const rapidjson::Value& doc, std::vector<VersionField>* versions) {
  if (!doc.IsObject()) return "payload must be a JSON object";
  for (auto& m : doc.GetObject()) {
    std::string_view key = view_of(m.name);
    if (m.value.IsString()) {
      std::string_view value = view_of(m.value);
      if (is_version_key(key) && !is_valid_version(value)) {
        return "\"" + std::string(key) + "\" must be a version: 1-64 characters, no control bytes";
      }
      if (versions && key.size() <= 64 && is_valid_version(value)) {
        versions->push_back({std::string(key), std::string(value)});
      }
    } else if (is_version_key(key)) {
      return "\"" + std::string(key) + "\" must be a string";
    }
  }
  return {};
}

// A progress object: type, version, progress and an optional desc.
std::string check_progress_object(const rapidjson::Value& doc, ReportView& out) {
  if (!doc.IsObject()) return "payload must be a JSON object";
  auto type = doc.FindMember("type");
  if (type == doc.MemberEnd() || !type->value.IsString()) return "\"type\" must be a string";
  out.type = view_of(type->value);
  if (!is_valid_upgrade_type(out.type)) return "\"type\" must be 1-32 characters of [a-z0-9_]";
  auto version = doc.FindMember("version");
  if (version == doc.MemberEnd() || !version->value.IsString()) return "\"version\" must be a string";
  out.version = view_of(version->value);
  if (!is_valid_version(out.version)) return "\"version\" must be 1-64 characters, no control bytes";
  auto progress = doc.FindMember("progress");
  if (progress == doc.MemberEnd() || !progress->value.IsInt()) return "\"progress\" must be an integer";
  out.progress = progress->value.GetInt();
  if (out.progress < -4 || out.progress > 100) return "\"progress\" must be in -4..100";
  out.desc = {};
  auto desc = doc.FindMember("desc");
  if (desc != doc.MemberEnd()) {
    if (!desc->value.IsString()) return "\"desc\" must be a string";
    if (desc->value.GetStringLength() > kMaxDescBytes) return "\"desc\" is over 1024 bytes";
    out.desc = view_of(desc->value);
  }
  return {};
}

std::string payload_refused(const std::string& parse_error) { return "payload refused: " + parse_error; }

}  // namespace

bool is_valid_version(std::string_view s) {
  return !s.empty() && s.size() <= kMaxVersionBytes && !has_control_bytes(s);
}

Checked<StatusPayload> check_status(std::string_view payload) {
  StrictJsonParser parser;
  if (auto err = parser.parse(payload); !err.empty()) return refuse<StatusPayload>(payload_refused(err));
  StatusPayload status;
  if (auto err = check_status_object(parser.root(), &status.versions); !err.empty()) {
    return refuse<StatusPayload>(err);
  }
  status.json.assign(payload.data(), payload.size());
  return {std::move(status), {}};
}

Checked<ProgressPayload> check_progress(std::string_view payload) {
  StrictJsonParser parser;
  if (auto err = parser.parse(payload); !err.empty()) return refuse<ProgressPayload>(payload_refused(err));
  ReportView view;
  if (auto err = check_progress_object(parser.root(), view); !err.empty()) return refuse<ProgressPayload>(err);
  return {ProgressPayload{std::string(view.type), std::string(view.version), view.progress, std::string(view.desc)},
          {}};
}

std::string ReportChecker::check(const ReportTopicView& topic, std::string_view username, std::string_view payload,
                                 size_t max_payload_bytes, ReportView& out) {
  if (!topic.is_username(username)) {
    return "client username is not " + std::string(topic.product) + "/" + std::string(topic.device);
  }
  if (payload.size() > max_payload_bytes) {
    return "payload of " + std::to_string(payload.size()) + " bytes is over max_payload_bytes (" +
           std::to_string(max_payload_bytes) + ")";
  }
  if (auto err = parser_.parse(payload); !err.empty()) return payload_refused(err);
  out.topic = topic;
  if (topic.kind == ReportKind::Status) {
    out.status_json = payload;
    return check_status_object(parser_.root(), nullptr);
  }
  return check_progress_object(parser_.root(), out);
}

Report to_report(const ReportView& view, int64_t at_ms) {
  Report report;
  report.kind = view.topic.kind;
  report.device = {std::string(view.topic.product), std::string(view.topic.device)};
  report.message_id = std::string(view.topic.message_id);
  report.at = at_ms;
  if (view.topic.kind == ReportKind::Status) {
    auto status = check_status(view.status_json);  // checked before: it passes
    if (status.value) report.status = std::move(*status.value);
    else report.status.json = std::string(view.status_json);
  } else {
    report.progress = {std::string(view.type), std::string(view.version), view.progress, std::string(view.desc)};
  }
  return report;
}

ReportView view_of(const Report& report) {
  ReportView view;
  view.topic = {report.kind, report.device.product, report.device.device, report.message_id};
  view.status_json = report.status.json;
  view.type = report.progress.type;
  view.version = report.progress.version;
  view.desc = report.progress.desc;
  view.progress = report.progress.progress;
  return view;
}

Checked<Report> check_report(const ReportTopic& topic, std::string_view username, std::string_view payload,
                             size_t max_payload_bytes, int64_t now_ms) {
  ReportChecker checker;
  ReportView view;
  ReportTopicView topic_view{topic.kind, topic.device.product, topic.device.device, topic.message_id};
  if (auto err = checker.check(topic_view, username, payload, max_payload_bytes, view); !err.empty()) {
    return refuse<Report>(std::move(err));
  }
  return {to_report(view, now_ms), {}};
}

}  // namespace ota
