#include "ota/ota_json.h"

#include <string>
#include <vector>

namespace ota {
namespace {

rapidjson::Value int_json(int64_t v) { return rapidjson::Value(v); }

// Left out when absent (admin form).
void add_optional(rapidjson::Value& out, const char* key, const std::optional<int64_t>& v, JsonAlloc& alloc) {
  if (v) out.AddMember(rapidjson::StringRef(key), int_json(*v), alloc);
}

void add_optional(rapidjson::Value& out, const char* key, const std::string& v, JsonAlloc& alloc) {
  if (!v.empty()) out.AddMember(rapidjson::StringRef(key), json_string(v, alloc), alloc);
}

// Null when absent (event form).
rapidjson::Value string_or_null(const std::string& s, JsonAlloc& alloc) {
  return s.empty() ? rapidjson::Value() : json_string(s, alloc);
}

rapidjson::Value strings_json(const std::vector<std::string>& items, JsonAlloc& alloc) {
  rapidjson::Value out(rapidjson::kArrayType);
  for (const auto& item : items) out.PushBack(json_string(item, alloc), alloc);
  return out;
}

}  // namespace

rapidjson::Value execution_json(const Execution& e, JsonAlloc& alloc, std::optional<int64_t> event_at) {
  rapidjson::Value out(rapidjson::kObjectType);
  out.AddMember("jobId", json_string(e.job_id, alloc), alloc);
  out.AddMember("product", json_string(e.device.product, alloc), alloc);
  out.AddMember("device", json_string(e.device.device, alloc), alloc);
  if (event_at) {
    out.AddMember("state", rapidjson::StringRef(to_string(e.state)), alloc);
    out.AddMember("progress", e.progress ? rapidjson::Value(*e.progress) : rapidjson::Value(), alloc);
    out.AddMember("reason", string_or_null(e.reason, alloc), alloc);
    out.AddMember("desc", string_or_null(e.desc, alloc), alloc);
    out.AddMember("at", int_json(*event_at), alloc);
    return out;
  }
  out.AddMember("type", json_string(e.type, alloc), alloc);
  out.AddMember("version", json_string(e.version, alloc), alloc);
  out.AddMember("state", rapidjson::StringRef(to_string(e.state)), alloc);
  add_optional(out, "reason", e.reason, alloc);
  if (e.progress) out.AddMember("progress", *e.progress, alloc);
  add_optional(out, "desc", e.desc, alloc);
  out.AddMember("requestId", json_string(e.request_id, alloc), alloc);
  out.AddMember("createdAt", int_json(e.created_at), alloc);
  out.AddMember("updatedAt", int_json(e.updated_at), alloc);
  add_optional(out, "firstSentAt", e.first_sent_at, alloc);
  add_optional(out, "lastSentAt", e.last_sent_at, alloc);
  out.AddMember("resends", e.resends, alloc);
  return out;
}

rapidjson::Value job_json(const Job& j, JsonAlloc& alloc) {
  rapidjson::Value out(rapidjson::kObjectType);
  const JobSpec& s = j.spec;
  out.AddMember("jobId", json_string(j.id, alloc), alloc);
  out.AddMember("product", json_string(s.product, alloc), alloc);
  out.AddMember("type", json_string(s.type, alloc), alloc);
  out.AddMember("version", json_string(s.version, alloc), alloc);
  out.AddMember("versionKey", json_string(s.version_key, alloc), alloc);
  out.AddMember("url", json_string(s.url, alloc), alloc);
  out.AddMember("md5", json_string(s.md5, alloc), alloc);
  out.AddMember("size", int_json(s.size), alloc);
  add_optional(out, "sha256", s.sha256, alloc);
  add_optional(out, "imageSignature", s.image_signature, alloc);
  if (s.from_versions) out.AddMember("fromVersions", strings_json(*s.from_versions, alloc), alloc);
  out.AddMember("timeoutSeconds", int_json(s.timeout_seconds), alloc);
  add_optional(out, "expiresAt", s.expires_at, alloc);
  add_optional(out, "maxPerMinute", s.max_per_minute, alloc);
  if (s.abort_failure_percent) out.AddMember("abortFailurePercent", *s.abort_failure_percent, alloc);
  add_optional(out, "abortMinFinished", s.abort_min_finished, alloc);
  out.AddMember("dynamic", s.dynamic, alloc);
  // True while a job over a whole product is still creating its executions.
  out.AddMember("filling", j.fill_cursor.has_value(), alloc);
  out.AddMember("state", rapidjson::StringRef(to_string(j.state)), alloc);
  out.AddMember("createdAt", int_json(j.created_at), alloc);
  add_optional(out, "finishedAt", j.finished_at, alloc);
  out.AddMember("total", int_json(j.total()), alloc);
  rapidjson::Value counts(rapidjson::kObjectType);
  for (int i = 0; i < kExecStateCount; ++i) {
    counts.AddMember(rapidjson::StringRef(to_string(static_cast<ExecState>(i))),
                     int_json(j.counts[static_cast<size_t>(i)]), alloc);
  }
  out.AddMember("counts", counts, alloc);
  return out;
}

rapidjson::Value history_entry_json(const HistoryEntry& h, JsonAlloc& alloc) {
  rapidjson::Value out(rapidjson::kObjectType);
  out.AddMember("at", int_json(h.at), alloc);
  out.AddMember("event", json_string(h.event, alloc), alloc);
  out.AddMember("state", json_string(h.state, alloc), alloc);
  if (h.progress) out.AddMember("progress", *h.progress, alloc);
  add_optional(out, "reason", h.reason, alloc);
  add_optional(out, "desc", h.desc, alloc);
  return out;
}

rapidjson::Value device_json(const DeviceRecord& d, bool online, JsonAlloc& alloc) {
  rapidjson::Value out(rapidjson::kObjectType);
  out.AddMember("product", json_string(d.key.product, alloc), alloc);
  out.AddMember("device", json_string(d.key.device, alloc), alloc);
  out.AddMember("status", parse_json(d.status, alloc), alloc);
  out.AddMember("statusAt", int_json(d.status_at), alloc);
  out.AddMember("online", online, alloc);
  return out;
}

rapidjson::Value progress_json(const ProgressRecord& r, JsonAlloc& alloc) {
  rapidjson::Value out(rapidjson::kObjectType);
  out.AddMember("type", json_string(r.type, alloc), alloc);
  out.AddMember("version", json_string(r.version, alloc), alloc);
  out.AddMember("progress", r.progress, alloc);
  out.AddMember("desc", json_string(r.desc, alloc), alloc);
  out.AddMember("messageId", json_string(r.message_id, alloc), alloc);
  out.AddMember("at", rapidjson::Value(static_cast<int64_t>(r.at)), alloc);
  return out;
}

}  // namespace ota
