#include "ota/ota_messages.h"

#include "ota/ota_json.h"
#include "protocol/command_signing.h"
#include "protocol/json.h"

namespace ota {
namespace {

std::string command_topic(const Execution& e, const char* command) {
  return "cmd/" + e.device.product + "/" + e.device.device + "/" + command + "/plain/" + e.request_id;
}

// The topic's expires_at: the job's expiresAt in unix seconds, or empty.
std::string expires_at_seconds(const std::optional<int64_t>& expires_at_ms) {
  return expires_at_ms ? std::to_string(*expires_at_ms / 1000) : "";
}

// Adds "keyId" and "sig" over the command's signing string: where it goes,
// and its signed fields as the payload holds them (absent ones empty).
void sign(rapidjson::Document& payload, const Execution& e, const char* command, const std::string& expires_at,
          const SigningKey& key) {
  const std::string to_sign =
      signing_string_of({e.device.product, e.device.device, command, e.request_id, expires_at, {}}, payload);
  auto& a = payload.GetAllocator();
  payload.AddMember("keyId", json_string(key.id(), a), a);
  payload.AddMember("sig", json_string(base64_encode(key.sign(to_sign)), a), a);
}

}  // namespace

std::string upgrade_command_topic(const Execution& e, const JobSpec& job) {
  std::string topic = command_topic(e, "$ota_upgrade");
  if (job.expires_at) topic += "/" + expires_at_seconds(job.expires_at);
  return topic;
}

std::string upgrade_command_payload(const Execution& e, const JobSpec& job, const SigningKey* key) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("type", json_string(job.type, a), a);
  d.AddMember("version", json_string(job.version, a), a);
  d.AddMember("url", json_string(job.url, a), a);
  d.AddMember("md5", json_string(job.md5, a), a);
  d.AddMember("size", rapidjson::Value(static_cast<int64_t>(job.size)), a);
  if (!job.sha256.empty()) d.AddMember("sha256", json_string(job.sha256, a), a);
  if (!job.image_signature.empty()) d.AddMember("imageSignature", json_string(job.image_signature, a), a);
  if (key) sign(d, e, "$ota_upgrade", expires_at_seconds(job.expires_at), *key);
  return to_json(d);
}

std::string cancel_command_topic(const Execution& e) { return command_topic(e, "$ota_cancel"); }

std::string cancel_command_payload(const Execution& e, const SigningKey* key) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("type", json_string(e.type, a), a);
  d.AddMember("version", json_string(e.version, a), a);
  if (key) sign(d, e, "$ota_cancel", "", *key);
  return to_json(d);
}

std::string execution_event_payload(const Execution& e, int64_t at) {
  rapidjson::Document d;
  return to_json(execution_json(e, d.GetAllocator(), at));
}

}  // namespace ota
