#pragma once
// Parsing of the device topics the plugin owns, and building of the topics it sends.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ota {

struct DeviceKey {
  std::string product;
  std::string device;

  std::string username() const { return product + "/" + device; }
  // True when `username` is this device's "{product}/{device}" (no allocation: it runs per publish).
  bool is_username(std::string_view username) const {
    return username.size() == product.size() + 1 + device.size() && username.compare(0, product.size(), product) == 0 &&
           username[product.size()] == '/' && username.compare(product.size() + 1, device.size(), device) == 0;
  }
  bool operator==(const DeviceKey& o) const { return product == o.product && device == o.device; }
  bool operator<(const DeviceKey& o) const {
    return product < o.product || (product == o.product && device < o.device);
  }
};

struct DeviceKeyHash {
  size_t operator()(const DeviceKey& k) const;
};

enum class ReportKind { Status, Progress };

// update_status/{product}/{device}/{message_id} or update_ota_status/...
struct ReportTopic {
  ReportKind kind;
  DeviceKey device;
  std::string message_id;
};

struct ParsedReportTopic {
  bool ours = false;                   // the topic is in the plugin's device-report namespace
  std::optional<ReportTopic> topic;    // set when ours and valid
  std::string error;                   // why an owned topic is invalid
};

ParsedReportTopic parse_report_topic(std::string_view topic);

// The device of a command topic cmd/{product}/{device}/...
std::optional<DeviceKey> command_topic_device(std::string_view topic);

// A device's identity from its MQTT username "{product}/{device}".
std::optional<DeviceKey> device_from_username(std::string_view username);

// The prefix of every admin topic.
inline constexpr std::string_view kAdminTopic = "$CONTROL/ota/v1";
inline constexpr std::string_view kAdminResponseTopic = "$CONTROL/ota/v1/response";
std::string event_topic(const DeviceKey& device);

std::vector<std::string_view> split_topic(std::string_view topic);

}  // namespace ota
