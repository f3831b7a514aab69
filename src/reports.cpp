#include "mosquitto_ota/reports.h"

#include <rapidjson/document.h>

#include "mosquitto_ota/names.h"
#include "mosquitto_ota/strict_json.h"

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

// Reports are small: their DOM fits a stack buffer, so parsing one allocates
// next to nothing (the parser's own stacks only).
constexpr size_t kParseBufferBytes = 8192;
using ParseAllocator = rapidjson::MemoryPoolAllocator<>;
using ParseDocument = rapidjson::Document;  // with a ParseAllocator over the buffer

// Parses a payload that must be one JSON object, strictly; returns why not otherwise.
std::string parse_object(std::string_view payload, ParseDocument& doc) {
  if (auto error = parse_strict_json(payload, doc); !error.empty()) return "payload refused: " + error;
  if (!doc.IsObject()) return "payload must be a JSON object";
  return {};
}

}  // namespace

bool is_valid_version(std::string_view s) {
  return !s.empty() && s.size() <= kMaxVersionBytes && !has_control_bytes(s);
}

Checked<StatusPayload> check_status(std::string_view payload) {
  char buffer[kParseBufferBytes];
  ParseAllocator alloc(buffer, sizeof buffer);
  ParseDocument doc(&alloc);
  if (auto err = parse_object(payload, doc); !err.empty()) return refuse<StatusPayload>(err);
  StatusPayload status;
  status.json.assign(payload.data(), payload.size());
  for (auto& m : doc.GetObject()) {
    std::string key(m.name.GetString(), m.name.GetStringLength());
    bool version_key = key.size() > 4 && key.compare(key.size() - 4, 4, "_ver") == 0;
    if (m.value.IsString()) {
      std::string value(m.value.GetString(), m.value.GetStringLength());
      if (version_key && !is_valid_version(value)) {
        return refuse<StatusPayload>("\"" + key + "\" must be a version: 1-64 characters, no control bytes");
      }
      if (key.size() <= 64 && is_valid_version(value)) status.versions.push_back({std::move(key), std::move(value)});
    } else if (version_key) {
      return refuse<StatusPayload>("\"" + key + "\" must be a string");
    }
  }
  return {std::move(status), {}};
}

Checked<ProgressPayload> check_progress(std::string_view payload) {
  char buffer[kParseBufferBytes];
  ParseAllocator alloc(buffer, sizeof buffer);
  ParseDocument doc(&alloc);
  if (auto err = parse_object(payload, doc); !err.empty()) return refuse<ProgressPayload>(err);
  ProgressPayload p;
  auto type = doc.FindMember("type");
  if (type == doc.MemberEnd() || !type->value.IsString()) return refuse<ProgressPayload>("\"type\" must be a string");
  p.type.assign(type->value.GetString(), type->value.GetStringLength());
  if (!is_valid_upgrade_type(p.type)) return refuse<ProgressPayload>("\"type\" must be 1-32 characters of [a-z0-9_]");
  auto version = doc.FindMember("version");
  if (version == doc.MemberEnd() || !version->value.IsString()) {
    return refuse<ProgressPayload>("\"version\" must be a string");
  }
  p.version.assign(version->value.GetString(), version->value.GetStringLength());
  if (!is_valid_version(p.version)) {
    return refuse<ProgressPayload>("\"version\" must be 1-64 characters, no control bytes");
  }
  auto progress = doc.FindMember("progress");
  if (progress == doc.MemberEnd() || !progress->value.IsInt()) {
    return refuse<ProgressPayload>("\"progress\" must be an integer");
  }
  p.progress = progress->value.GetInt();
  if (p.progress < -4 || p.progress > 100) return refuse<ProgressPayload>("\"progress\" must be in -4..100");
  auto desc = doc.FindMember("desc");
  if (desc != doc.MemberEnd()) {
    if (!desc->value.IsString()) return refuse<ProgressPayload>("\"desc\" must be a string");
    if (desc->value.GetStringLength() > kMaxDescBytes) return refuse<ProgressPayload>("\"desc\" is over 1024 bytes");
    p.desc.assign(desc->value.GetString(), desc->value.GetStringLength());
  }
  return {std::move(p), {}};
}

Checked<Report> check_report(const ReportTopic& topic, std::string_view username, std::string_view payload,
                             size_t max_payload_bytes, int64_t now_ms) {
  if (!topic.device.is_username(username)) {
    return refuse<Report>("client username is not " + topic.device.username());
  }
  if (payload.size() > max_payload_bytes) {
    return refuse<Report>("payload of " + std::to_string(payload.size()) + " bytes is over max_payload_bytes (" +
                          std::to_string(max_payload_bytes) + ")");
  }
  Report report;
  report.kind = topic.kind;
  report.device = topic.device;
  report.message_id = topic.message_id;
  report.at = now_ms;
  if (topic.kind == ReportKind::Status) {
    auto status = check_status(payload);
    if (!status.value) return refuse<Report>(status.error);
    report.status = std::move(*status.value);
  } else {
    auto progress = check_progress(payload);
    if (!progress.value) return refuse<Report>(progress.error);
    report.progress = std::move(*progress.value);
  }
  return {std::move(report), {}};
}

}  // namespace ota
