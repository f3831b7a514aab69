#include "protocol/response_topic.h"

#include "protocol/strict_json.h"
#include "protocol/topics.h"

namespace ota {
namespace {

constexpr size_t kMaxTopicBytes = 65535;  // an MQTT string's length is 16 bits

// Code points of valid UTF-8 that MQTT clients and Mosquitto refuse in a
// topic: controls (C0, DEL, C1) and non-characters.
bool has_refused_code_point(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = p[i];
    size_t n = cp < 0x80 ? 1 : cp < 0xe0 ? 2 : cp < 0xf0 ? 3 : 4;
    if (n > 1) cp &= 0x3fu >> (n - 1);
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (p[i + k] & 0x3fu);
    i += n;
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return true;
    if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe) return true;
  }
  return false;
}

bool level_is(std::string_view topic, std::string_view first_level) {
  return topic.compare(0, first_level.size(), first_level) == 0 &&
         (topic.size() == first_level.size() || topic[first_level.size()] == '/');
}

}  // namespace

std::string response_topic_error(std::string_view topic) {
  if (topic.empty()) return "Response Topic is empty";
  if (topic.size() > kMaxTopicBytes) return "Response Topic is over 65535 bytes";
  if (!is_valid_utf8(topic)) return "Response Topic is not valid UTF-8";
  if (has_refused_code_point(topic)) return "Response Topic holds a control character or a non-character";
  if (topic.find_first_of("+#") != std::string_view::npos) return "Response Topic holds a wildcard (+ or #)";
  if (topic[0] == '$' && !level_is(topic, kAdminResponseTopic)) {
    return "Response Topic starts with $ but is not under " + std::string(kAdminResponseTopic);
  }
  for (std::string_view owned : {"update_status", "update_ota_status", "cmd"}) {
    if (level_is(topic, owned)) return "Response Topic " + std::string(owned) + "/... is the plugin's own";
  }
  return {};
}

}  // namespace ota
