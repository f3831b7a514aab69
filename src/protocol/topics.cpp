#include "protocol/topics.h"

#include <functional>

#include "protocol/names.h"

namespace ota {

std::vector<std::string_view> split_topic(std::string_view topic) {
  std::vector<std::string_view> levels;
  size_t start = 0;
  while (true) {
    size_t slash = topic.find('/', start);
    if (slash == std::string_view::npos) {
      levels.push_back(topic.substr(start));
      return levels;
    }
    levels.push_back(topic.substr(start, slash - start));
    start = slash + 1;
  }
}

ParsedReportTopic parse_report_topic(std::string_view topic) {
  ParsedReportTopic result;
  ReportKind kind;
  if (topic.substr(0, kStatusTopicPrefix.size()) == kStatusTopicPrefix) {
    kind = ReportKind::Status;
  } else if (topic.substr(0, kProgressTopicPrefix.size()) == kProgressTopicPrefix) {
    kind = ReportKind::Progress;
  } else {
    return result;
  }
  result.ours = true;
  // Exactly four levels; found by hand, as this runs for every device publish.
  std::string_view levels[4];
  size_t count = 0, start = 0;
  while (count < 5) {
    size_t slash = topic.find('/', start);
    if (count < 4) levels[count] = topic.substr(start, slash == std::string_view::npos ? slash : slash - start);
    ++count;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (count != 4) {
    result.error = "topic must have 4 levels: {kind}/{product}/{device}/{message_id}";
  } else if (!is_valid_name(levels[1])) {
    result.error = "invalid product name";
  } else if (!is_valid_name(levels[2])) {
    result.error = "invalid device name";
  } else if (!is_valid_message_id(levels[3])) {
    result.error = "invalid message id";
  } else {
    result.topic = ReportTopicView{kind, levels[1], levels[2], levels[3]};
  }
  return result;
}

std::optional<DeviceKey> device_from_username(std::string_view username) {
  size_t slash = username.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view product = username.substr(0, slash);
  std::string_view device = username.substr(slash + 1);
  if (!is_valid_name(product) || !is_valid_name(device)) return std::nullopt;
  return DeviceKey{std::string(product), std::string(device)};
}

std::optional<DeviceKey> command_topic_device(std::string_view topic) {
  if (topic.rfind("cmd/", 0) != 0) return std::nullopt;
  size_t device_end = topic.find('/', topic.find('/', 4) + 1);
  return device_from_username(topic.substr(4, device_end == std::string_view::npos ? device_end : device_end - 4));
}

std::string event_topic(const DeviceKey& device) {
  return std::string(kAdminTopic) + "/events/" + device.product + "/" + device.device;
}

}  // namespace ota
