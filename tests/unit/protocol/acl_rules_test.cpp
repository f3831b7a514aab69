#include "protocol/acl_rules.h"

#include <gtest/gtest.h>

using namespace ota;

namespace {

AclRules rules(std::vector<std::string> admins, bool allow = false) {
  Options o;
  o.admin_usernames = std::move(admins);
  o.acl_default_allow = allow;
  return AclRules(o);
}

}  // namespace

TEST(AclRules, OnlyAdminsUseTheAdminTopics) {
  auto acl = rules({"ops"});
  EXPECT_EQ(acl.check("ops", "$CONTROL/ota/v1", Access::Write).answer, AclAnswer::Allow);
  EXPECT_EQ(acl.check("intruder", "$CONTROL/ota/v1", Access::Write).answer, AclAnswer::Deny);
  EXPECT_EQ(acl.check("", "$CONTROL/ota/v1", Access::Write).answer, AclAnswer::Deny);
  EXPECT_EQ(acl.check("lamp/d1", "$CONTROL/ota/v1/response", Access::Read).answer, AclAnswer::Deny);
  EXPECT_EQ(acl.check("ops", "$CONTROL/ota/v1/response", Access::Read).answer, AclAnswer::Allow);
  EXPECT_EQ(acl.check("lamp/d1", "$CONTROL/ota/v1/events/lamp/d1", Access::Read).answer, AclAnswer::Deny);
}

TEST(AclRules, SubscriptionsThatCouldReachAdminTopicsAreAdminOnly) {
  auto acl = rules({"ops"});
  for (const char* filter : {"$CONTROL/ota/v1/response", "$CONTROL/#", "$CONTROL/+/v1/#", "$CONTROL/ota/v1/events/#",
                             "$CONTROL/ota/+", "$share/g/$CONTROL/ota/v1/response", "$CONTROL/ota/v1"}) {
    EXPECT_EQ(acl.check("dev", filter, Access::Subscribe).answer, AclAnswer::Deny) << filter;
    EXPECT_EQ(acl.check("ops", filter, Access::Subscribe).answer, AclAnswer::Allow) << filter;
  }
  // '#' and '+' never match topics that begin with '$'; other $CONTROL plugins are not ours.
  for (const char* filter : {"#", "+/ota/v1/#", "$CONTROL/dynamic-security/#", "$CONTROL/ota", "$SYS/#"}) {
    EXPECT_EQ(acl.check("dev", filter, Access::Subscribe).answer, AclAnswer::Defer) << filter;
  }
}

TEST(AclRules, WithoutAdminsTheAdminTopicIsLeftToOtherAccessControl) {
  auto acl = rules({}, true);
  EXPECT_EQ(acl.check("anyone", "$CONTROL/ota/v1", Access::Write).answer, AclAnswer::Defer);
  EXPECT_EQ(acl.check("anyone", "$CONTROL/#", Access::Subscribe).answer, AclAnswer::Defer);
}

TEST(AclRules, ReportTopicsAreLeftToThePayloadCheck) {
  // The glue decides report publishes with their payload (check_report); reading them is not the plugin's business.
  auto acl = rules({"ops"});
  EXPECT_EQ(acl.check("ops", "update_status/lamp/d1/m1", Access::Read).answer, AclAnswer::Defer);
}

TEST(AclRules, OtaCommandsAreReadableByTheirDeviceAndWrittenByNobody) {
  auto acl = rules({"ops"});
  const char* cmd = "cmd/lamp/d1/$ota_upgrade/plain/r1";
  EXPECT_EQ(acl.check("lamp/d1", cmd, Access::Read).answer, AclAnswer::Allow);
  EXPECT_EQ(acl.check("lamp/d1", "cmd/lamp/d1/$ota_upgrade/#", Access::Subscribe).answer, AclAnswer::Allow);
  EXPECT_EQ(acl.check("lamp/d2", cmd, Access::Read).answer, AclAnswer::Defer);
  EXPECT_EQ(acl.check("lamp/d1", cmd, Access::Write).answer, AclAnswer::Deny);
  EXPECT_EQ(acl.check("ops", "cmd/lamp/d1/$ota_cancel/plain/r1", Access::Write).answer, AclAnswer::Deny);
}

TEST(AclRules, DevicesPublishNoCommandsAndNobodyPublishesDollarCommands) {
  auto acl = rules({"ops"}, true);
  // A device may not publish anywhere under cmd/, not even to its own commands.
  for (const char* topic : {"cmd/lamp/d2/reboot/plain/r1", "cmd/lamp/d1/reboot/plain/r1", "cmd/x", "cmd/"}) {
    EXPECT_EQ(acl.check("lamp/d1", topic, Access::Write).answer, AclAnswer::Deny) << topic;
  }
  // cmd/{product}/{device}/${name}/...: the plugin's, in any case.
  for (const char* topic : {"cmd/lamp/d2/$OTA_UPGRADE/plain/r1", "cmd/lamp/d2/$Ota_Cancel/plain/r1",
                            "cmd/lamp/d2/$anything", "cmd/lamp/d2/$"}) {
    EXPECT_EQ(acl.check("ops", topic, Access::Write).answer, AclAnswer::Deny) << topic;
    EXPECT_EQ(acl.check("", topic, Access::Write).answer, AclAnswer::Deny) << topic;
  }
  // Business systems may still send their own commands to devices.
  EXPECT_EQ(acl.check("ops", "cmd/lamp/d2/reboot/plain/r1", Access::Write).answer, AclAnswer::Allow);
}

TEST(AclRules, OtherTopicsGetTheDefaultAnswer) {
  EXPECT_EQ(rules({"ops"}).check("x", "some/topic", Access::Write).answer, AclAnswer::Defer);
  EXPECT_EQ(rules({"ops"}, true).check("x", "some/topic", Access::Write).answer, AclAnswer::Allow);
  EXPECT_EQ(rules({"ops"}, true).check("x", "some/#", Access::Subscribe).answer, AclAnswer::Allow);
}
