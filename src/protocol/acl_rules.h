#pragma once
// Who may publish and subscribe to the admin and command topics (SPEC "Admin
// request/response", "Hostile input"). Publishes to device report topics are
// decided with their payload (check_report); everything else gets the
// acl_default answer.
#include <string>
#include <string_view>
#include <vector>

#include "protocol/options.h"

namespace ota {

enum class Access { Read, Write, Subscribe, Unsubscribe };
enum class AclAnswer { Allow, Deny, Defer };

struct AclDecision {
  AclAnswer answer;
  std::string reason;  // why a request was denied, for the broker log
};

class AclRules {
 public:
  explicit AclRules(const Options& options);

  // username is empty for clients without one; topic is a subscription filter
  // for Subscribe/Unsubscribe.
  AclDecision check(std::string_view username, std::string_view topic, Access access) const;

  bool is_admin(std::string_view username) const;
  bool admins_configured() const { return !admins_.empty(); }

 private:
  AclDecision check_admin_topic(std::string_view username, Access access) const;
  AclDecision fallback() const;

  std::vector<std::string> admins_;
  bool default_allow_;
};

// True when the subscription filter could match the topic `prefix` or a topic below it.
bool filter_reaches(std::string_view filter, std::string_view prefix);

}  // namespace ota
