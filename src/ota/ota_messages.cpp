#include "ota/ota_messages.h"

#include "ota/ota_json.h"
#include "protocol/json.h"

namespace ota {
namespace {

std::string command_topic(const Execution& e, const char* command) {
  return "cmd/" + e.device.product + "/" + e.device.device + "/" + command + "/plain/" + e.request_id;
}

}  // namespace

std::string upgrade_command_topic(const Execution& e, const JobSpec& job) {
  std::string topic = command_topic(e, "$ota_upgrade");
  if (job.expires_at) topic += "/" + std::to_string(*job.expires_at / 1000);
  return topic;
}

std::string upgrade_command_payload(const JobSpec& job) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("type", json_string(job.type, a), a);
  d.AddMember("version", json_string(job.version, a), a);
  d.AddMember("url", json_string(job.url, a), a);
  d.AddMember("md5", json_string(job.md5, a), a);
  d.AddMember("size", rapidjson::Value(static_cast<int64_t>(job.size)), a);
  if (!job.sha256.empty()) d.AddMember("sha256", json_string(job.sha256, a), a);
  return to_json(d);
}

std::string cancel_command_topic(const Execution& e) { return command_topic(e, "$ota_cancel"); }

std::string cancel_command_payload(const Execution& e) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("type", json_string(e.type, a), a);
  d.AddMember("version", json_string(e.version, a), a);
  return to_json(d);
}

std::string execution_event_payload(const Execution& e, int64_t at) {
  rapidjson::Document d;
  return to_json(execution_json(e, d.GetAllocator(), at));
}

}  // namespace ota
