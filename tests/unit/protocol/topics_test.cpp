#include "protocol/topics.h"

#include <gtest/gtest.h>

using namespace ota;

TEST(ReportTopics, StatusTopicIsParsed) {
  auto p = parse_report_topic("update_status/lamp/dev-1/abc123");
  ASSERT_TRUE(p.ours);
  ASSERT_TRUE(p.topic);
  EXPECT_EQ(p.topic->kind, ReportKind::Status);
  EXPECT_EQ(p.topic->product, "lamp");
  EXPECT_EQ(p.topic->device, "dev-1");
  EXPECT_EQ(p.topic->message_id, "abc123");
}

TEST(ReportTopics, ProgressTopicIsParsed) {
  auto p = parse_report_topic("update_ota_status/lamp/dev-1/m1");
  ASSERT_TRUE(p.topic);
  EXPECT_EQ(p.topic->kind, ReportKind::Progress);
}

TEST(ReportTopics, OtherTopicsAreNotOurs) {
  EXPECT_FALSE(parse_report_topic("upload_data/lamp/dev/1").ours);
  EXPECT_FALSE(parse_report_topic("update_statusx/lamp/dev/1").ours);
  EXPECT_FALSE(parse_report_topic("update_status").ours);
}

TEST(ReportTopics, MalformedOwnedTopicsSayWhy) {
  struct Case {
    const char* topic;
    const char* error;
  } cases[] = {
      {"update_status/lamp/dev", "4 levels"},
      {"update_status/lamp/dev/1/extra", "4 levels"},
      {"update_status//dev/1", "product"},
      {"update_status/la mp/dev/1", "product"},
      {"update_status/lamp/d$v/1", "device"},
      {"update_ota_status/lamp/dev/", "message id"},
      {"update_ota_status/lamp/dev/a.b", "message id"},
  };
  for (const auto& c : cases) {
    auto p = parse_report_topic(c.topic);
    EXPECT_TRUE(p.ours) << c.topic;
    EXPECT_FALSE(p.topic) << c.topic;
    EXPECT_NE(p.error.find(c.error), std::string::npos) << c.topic << ": " << p.error;
  }
}

TEST(Usernames, DeviceIdentityComesFromProductSlashDevice) {
  auto d = device_from_username("lamp/dev-1");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->product, "lamp");
  EXPECT_EQ(d->device, "dev-1");
  EXPECT_EQ(d->username(), "lamp/dev-1");
  EXPECT_TRUE(d->is_username("lamp/dev-1"));
  for (const char* other : {"lamp/dev-2", "lamp/dev-1x", "lampdev-1", "lamp-dev-1", "lamp/", "", "lam/pdev-1"}) {
    EXPECT_FALSE(d->is_username(other)) << other;
  }
  EXPECT_FALSE(device_from_username("admin"));
  EXPECT_FALSE(device_from_username("lamp/dev/x"));
  EXPECT_FALSE(device_from_username("/dev"));
}

TEST(Topics, EventTopicNamesTheDevice) {
  EXPECT_EQ(event_topic({"lamp", "d1"}), "$CONTROL/ota/v1/events/lamp/d1");
}

TEST(CommandTopicDevice, TheDeviceOfACommandTopic) {
  EXPECT_EQ(command_topic_device("cmd/lamp/d1/$ota_upgrade/plain/r1"), (DeviceKey{"lamp", "d1"}));
  EXPECT_EQ(command_topic_device("cmd/lamp/d1"), (DeviceKey{"lamp", "d1"}));
  EXPECT_FALSE(command_topic_device("cmd/lamp"));
  EXPECT_FALSE(command_topic_device("cmd/lamp/$x/y"));
  EXPECT_FALSE(command_topic_device("update_status/lamp/d1/m"));
}

TEST(TopicSpaces, DecidedOnTheFirstBytes) {
  EXPECT_EQ(topic_space("update_status/lamp/d1/m1"), TopicSpace::Report);
  EXPECT_EQ(topic_space("update_ota_status/lamp/d1/m1"), TopicSpace::Report);
  EXPECT_EQ(topic_space("update_status/"), TopicSpace::Report);  // ours, and invalid: refused with why
  EXPECT_EQ(topic_space("cmd/lamp/d1/$ota_upgrade/1"), TopicSpace::Command);
  EXPECT_EQ(topic_space("$CONTROL/ota/v1"), TopicSpace::Admin);
  EXPECT_EQ(topic_space("$CONTROL/ota/v1/response"), TopicSpace::Admin);
  for (const char* foreign : {"", "u", "update_status", "update_statusx/a/b/c", "update_ota_statu", "cmd", "cmdx/a",
                              "$CONTROL/ota/v1x", "$CONTROL/ota/v", "$SYS/broker/uptime", "telemetry/lamp/d1/0",
                              "c/md", "Update_status/a/b/c"}) {
    EXPECT_EQ(topic_space(foreign), TopicSpace::Foreign) << foreign;
  }
}
