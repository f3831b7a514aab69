#include "protocol/acl_rules.h"

#include <algorithm>

#include "protocol/topics.h"

namespace ota {
namespace {

bool is_under(std::string_view topic, std::string_view prefix) {
  return topic == prefix || (topic.size() > prefix.size() && topic.compare(0, prefix.size(), prefix) == 0 &&
                             topic[prefix.size()] == '/');
}

// Strips "$share/{group}/" from an MQTT 5 shared subscription.
std::string_view without_share(std::string_view filter) {
  if (filter.rfind("$share/", 0) != 0) return filter;
  size_t slash = filter.find('/', 7);
  return slash == std::string_view::npos ? std::string_view{} : filter.substr(slash + 1);
}

// cmd/{product}/{device}/$ota_upgrade/... and $ota_cancel: the commands the plugin sends.
bool is_ota_command_topic(const std::vector<std::string_view>& levels) {
  return levels.size() >= 4 && levels[0] == "cmd" && (levels[3] == "$ota_upgrade" || levels[3] == "$ota_cancel");
}

}  // namespace

bool filter_reaches(std::string_view filter, std::string_view prefix) {
  auto f = split_topic(filter);
  auto p = split_topic(prefix);
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] == "#") return i > 0;  // '#' and '+' never match a leading '$' level
    if (i >= p.size()) return true;
    if (f[i] == "+") {
      if (i == 0) return false;
      continue;
    }
    if (f[i] != p[i]) return false;
  }
  return f.size() >= p.size();
}

AclRules::AclRules(const Options& options)
    : admins_(options.admin_usernames), default_allow_(options.acl_default_allow) {}

bool AclRules::is_admin(std::string_view username) const {
  return std::find(admins_.begin(), admins_.end(), username) != admins_.end();
}

AclDecision AclRules::fallback() const { return {default_allow_ ? AclAnswer::Allow : AclAnswer::Defer, {}}; }

AclDecision AclRules::check_admin_topic(std::string_view username, Access access) const {
  if (admins_.empty() || access == Access::Unsubscribe) return {AclAnswer::Defer, {}};
  if (is_admin(username)) return {AclAnswer::Allow, {}};
  return {AclAnswer::Deny, "only admin_usernames may use " + std::string(kAdminTopic)};
}

AclDecision AclRules::check(std::string_view username, std::string_view topic, Access access) const {
  if (access == Access::Subscribe || access == Access::Unsubscribe) {
    std::string_view filter = without_share(topic);
    if (filter_reaches(filter, kAdminTopic)) return check_admin_topic(username, access);
    auto levels = split_topic(filter);
    if (access == Access::Subscribe && is_ota_command_topic(levels)) {
      auto device = device_from_username(username);
      if (device && levels[1] == device->product && levels[2] == device->device) return {AclAnswer::Allow, {}};
    }
    return fallback();
  }

  if (is_under(topic, kAdminTopic)) return check_admin_topic(username, access);

  // Device reports (update_status/..., update_ota_status/...) are decided with their payload, by the caller.
  if (topic.rfind("cmd/", 0) != 0) return fallback();  // the common case, without splitting
  auto levels = split_topic(topic);
  if (access == Access::Write) {
    if (device_from_username(username)) return {AclAnswer::Deny, "devices may not publish under cmd/"};
    if (levels.size() >= 4 && !levels[3].empty() && levels[3][0] == '$') {
      return {AclAnswer::Deny, "cmd/{product}/{device}/$... topics are sent by the plugin only"};
    }
    return fallback();
  }
  if (is_ota_command_topic(levels)) {
    auto device = device_from_username(username);
    if (device && levels[1] == device->product && levels[2] == device->device) return {AclAnswer::Allow, {}};
  }
  return fallback();
}

}  // namespace ota
