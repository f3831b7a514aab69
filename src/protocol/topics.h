#pragma once
// Parsing of the device topics the plugin owns, and building of the topics it sends.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/device_key.h"

namespace ota {

// The prefix of every admin topic.
inline constexpr std::string_view kAdminTopic = "$CONTROL/ota/v1";
inline constexpr std::string_view kAdminResponseTopic = "$CONTROL/ota/v1/response";
// The device report topics: {prefix}{product}/{device}/{message_id}.
inline constexpr std::string_view kStatusTopicPrefix = "update_status/";
inline constexpr std::string_view kProgressTopicPrefix = "update_ota_status/";

enum class ReportKind { Status, Progress };

// update_status/{product}/{device}/{message_id} or update_ota_status/...
struct ReportTopic {
  ReportKind kind;
  DeviceKey device;
  std::string message_id;
};

// The same, as views into the topic (the broker thread's path: no copies).
struct ReportTopicView {
  ReportKind kind;
  std::string_view product;
  std::string_view device;
  std::string_view message_id;

  // True when `username` is "{product}/{device}".
  bool is_username(std::string_view username) const {
    return username.size() == product.size() + 1 + device.size() && username.substr(0, product.size()) == product &&
           username[product.size()] == '/' && username.substr(product.size() + 1) == device;
  }
  ReportTopic owned() const {
    return ReportTopic{kind, {std::string(product), std::string(device)}, std::string(message_id)};
  }
};

struct ParsedReportTopic {
  bool ours = false;                     // the topic is in the plugin's device-report namespace
  std::optional<ReportTopicView> topic;  // set when ours and valid
  std::string_view error;                // why an owned topic is invalid
};

ParsedReportTopic parse_report_topic(std::string_view topic);

// Which of the plugin's namespaces a topic (not a filter) is in, decided on its
// first bytes, without reading the rest: most of a broker's traffic is not the
// plugin's, and for that traffic this is all the plugin does.
enum class TopicSpace { Foreign, Report, Command, Admin };
namespace detail {
// True when the NUL-terminated `s` starts with `prefix` (stops at the first difference).
inline bool starts_with(const char* s, std::string_view prefix) {
  for (char c : prefix) {
    if (*s++ != c) return false;
  }
  return true;
}
}  // namespace detail
inline TopicSpace topic_space(const char* topic) {
  switch (topic[0]) {
    case 'u':
      return detail::starts_with(topic, kStatusTopicPrefix) || detail::starts_with(topic, kProgressTopicPrefix)
                 ? TopicSpace::Report
                 : TopicSpace::Foreign;
    case 'c':
      return detail::starts_with(topic, "cmd/") ? TopicSpace::Command : TopicSpace::Foreign;
    case '$': {  // $CONTROL/ota/v1 and below
      const char after = detail::starts_with(topic, kAdminTopic) ? topic[kAdminTopic.size()] : 'x';
      return after == '\0' || after == '/' ? TopicSpace::Admin : TopicSpace::Foreign;
    }
    default:
      return TopicSpace::Foreign;
  }
}

// The device of a command topic cmd/{product}/{device}/...
std::optional<DeviceKey> command_topic_device(std::string_view topic);

// A device's identity from its MQTT username "{product}/{device}".
std::optional<DeviceKey> device_from_username(std::string_view username);

std::string event_topic(const DeviceKey& device);

std::vector<std::string_view> split_topic(std::string_view topic);

}  // namespace ota
