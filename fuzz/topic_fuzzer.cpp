// Topic parsing, the ACL rules and the Response Topic check, on any bytes as
// topic, filter and username.
#include <cstddef>
#include <cstdint>
#include <string>

#include "protocol/acl_rules.h"
#include "protocol/response_topic.h"
#include "protocol/strict_json.h"
#include "protocol/topics.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  // The first line is the username, the rest the topic.
  size_t nl = input.find('\n');
  std::string username = nl == std::string::npos ? "" : input.substr(0, nl);
  std::string topic = nl == std::string::npos ? input : input.substr(nl + 1);

  auto parsed = ota::parse_report_topic(topic);
  if (parsed.topic && parsed.topic->owned().device.username().size() > topic.size()) __builtin_trap();
  ota::device_from_username(username);

  ota::Options options;
  options.admin_usernames = {"admin"};
  static const ota::AclRules rules(options);
  for (auto access : {ota::Access::Read, ota::Access::Write, ota::Access::Subscribe, ota::Access::Unsubscribe}) {
    auto d = rules.check(username, topic, access);
    // A device may never be allowed to write another device's reports.
    if (access == ota::Access::Write && parsed.topic && d.answer == ota::AclAnswer::Allow &&
        username != parsed.topic->owned().device.username()) {
      __builtin_trap();
    }
  }
  ota::filter_reaches(topic, "$CONTROL/ota/v1");

  // The topic as an admin request's Response Topic: one that is accepted is a
  // valid topic name outside what the plugin owns.
  if (ota::response_topic_error(topic).empty()) {
    if (topic.empty() || topic.find_first_of("+#") != std::string::npos || !ota::is_valid_utf8(topic) ||
        parsed.ours || topic.rfind("cmd/", 0) == 0 ||
        (topic[0] == '$' && topic.rfind(std::string(ota::kAdminResponseTopic), 0) != 0)) {
      __builtin_trap();
    }
  }
  return 0;
}
