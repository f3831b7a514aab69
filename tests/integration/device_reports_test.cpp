// Device status and progress reports on a real broker (SPEC "Device -> broker").
#include "fixture.h"

namespace ota_test {
namespace {

class DeviceReports : public BrokerTest {};

TEST_F(DeviceReports, StatusIsStoredAndStillDeliveredToSubscribers) {
  auto& watcher = client("business", "watcher");
  ASSERT_EQ(watcher.subscribe("update_status/#"), 1);
  auto& dev = device("p1/d1");
  ASSERT_EQ(dev.publish("update_status/p1/d1/m1", R"({"firmware_ver":"1.0","app_ver":"2.3"})"), 0);

  auto delivered = watcher.wait_topic("update_status/p1/d1/m1");
  ASSERT_TRUE(delivered);
  EXPECT_EQ(delivered->payload, R"({"firmware_ver":"1.0","app_ver":"2.3"})");

  auto r = get_device("p1", "d1");
  ASSERT_TRUE(r.HasMember("data")) << to_string(r);
  EXPECT_STREQ(r["data"]["status"]["firmware_ver"].GetString(), "1.0");
  EXPECT_STREQ(r["data"]["status"]["app_ver"].GetString(), "2.3");
  EXPECT_TRUE(r["data"]["online"].GetBool());
  EXPECT_GT(r["data"]["statusAt"].GetInt64(), 1700000000000);
}

TEST_F(DeviceReports, NewStatusReplacesTheOldOne) {
  auto& dev = device("p1/d1");
  ASSERT_EQ(dev.publish("update_status/p1/d1/m1", R"({"firmware_ver":"1.0","app_ver":"2.3"})"), 0);
  ASSERT_EQ(dev.publish("update_status/p1/d1/m2", R"({"firmware_ver":"1.1"})"), 0);
  auto r = get_device("p1", "d1");
  ASSERT_TRUE(r.HasMember("data")) << to_string(r);
  EXPECT_EQ(to_string(r["data"]["status"]), R"({"firmware_ver":"1.1"})");
}

TEST_F(DeviceReports, ProgressIsAppendedToTheDeviceHistory) {
  auto& dev = device("p1/d1");
  ASSERT_EQ(dev.publish("update_status/p1/d1/s1", R"({"firmware_ver":"1.0"})"), 0);
  ASSERT_EQ(dev.publish("update_ota_status/p1/d1/a1", R"({"type":"firmware","version":"1.1","progress":40,"desc":"downloading"})"), 0);
  ASSERT_EQ(dev.publish("update_ota_status/p1/d1/a2", R"({"type":"firmware","version":"1.1","progress":-2,"desc":"md5 mismatch"})"), 0);
  auto r = get_device("p1", "d1");
  const auto& history = r["data"]["recentProgress"];
  ASSERT_EQ(history.Size(), 2u) << to_string(r);
  EXPECT_EQ(history[0]["progress"].GetInt(), -2);
  EXPECT_STREQ(history[0]["desc"].GetString(), "md5 mismatch");
  EXPECT_EQ(history[1]["progress"].GetInt(), 40);
  EXPECT_STREQ(history[1]["type"].GetString(), "firmware");
  EXPECT_STREQ(history[1]["version"].GetString(), "1.1");
}

TEST_F(DeviceReports, RepeatedMessageIdIsAppliedOnce) {
  auto& dev = device("p1/d1");
  ASSERT_EQ(dev.publish("update_status/p1/d1/s1", "{}"), 0);
  const char* progress = R"({"type":"firmware","version":"1.1","progress":10})";
  ASSERT_EQ(dev.publish("update_ota_status/p1/d1/dup", progress), 0);
  ASSERT_EQ(dev.publish("update_ota_status/p1/d1/dup", progress), 0);
  auto r = get_device("p1", "d1");
  EXPECT_EQ(r["data"]["recentProgress"].Size(), 1u) << to_string(r);
}

TEST_F(DeviceReports, DeviceMayNotReportForAnotherDevice) {
  auto& dev = device("p1/d1");
  EXPECT_EQ(dev.publish("update_status/p1/d2/m1", R"({"firmware_ver":"6.6"})"), kNotAuthorized);
  EXPECT_EQ(dev.publish("update_ota_status/p2/d1/m1", R"({"type":"fw","version":"1","progress":1})"),
            kNotAuthorized);
  auto& business = client("business", "biz");
  EXPECT_EQ(business.publish("update_status/p1/d1/m1", "{}"), kNotAuthorized);
  EXPECT_TRUE(dev.connected());
  EXPECT_TRUE(business.connected());
  EXPECT_EQ(error_code(get_device("p1", "d2")), "not_found");
  EXPECT_EQ(error_code(get_device("p1", "d1")), "not_found");
  EXPECT_TRUE(broker->wait_for_log("client username is not p1/d2"));
}

TEST_F(DeviceReports, InvalidReportsAreDeniedLoggedAndLoseNothing) {
  auto& watcher = client("business", "watcher");
  ASSERT_EQ(watcher.subscribe("update_status/#"), 1);
  ASSERT_EQ(watcher.subscribe("update_ota_status/#"), 1);
  auto& dev = device("p1/d1");
  ASSERT_EQ(dev.publish("update_status/p1/d1/good", R"({"firmware_ver":"1.0"})"), 0);

  struct Case {
    const char* topic;
    std::string payload;
    const char* logged;
  } cases[] = {
      {"update_status/p1/d1/m1", "not json", "not JSON"},
      {"update_status/p1/d1/m2", "[1,2,3]", "must be a JSON object"},
      {"update_status/p1/d1/m3", R"({"firmware_ver":2})", "\"firmware_ver\" must be a string"},
      {"update_status/p1/d1/m4", "{\"x\":\"" + std::string(20000, 'a') + "\"}", "max_payload_bytes"},
      {"update_status/p1/d1/bad.id", "{}", "invalid message id"},
      {"update_status/p1/d1", "{}", "4 levels"},
      {"update_ota_status/p1/d1/m5", R"({"type":"firmware","version":"1.1","progress":101})", "-4..100"},
      {"update_ota_status/p1/d1/m6", R"({"type":"firmware","version":"1.1","progress":"50"})", "must be an integer"},
      {"update_ota_status/p1/d1/m7", R"({"type":"firmware","progress":50})", "\"version\" must be a string"},
      {"update_ota_status/p1/d1/m8", R"({"type":"firmware","version":"1.1","progress":5,"desc":[]})",
       "\"desc\" must be a string"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(dev.publish(c.topic, c.payload), kNotAuthorized) << c.topic;
    EXPECT_TRUE(broker->wait_for_log(c.logged)) << c.logged;
  }
  EXPECT_TRUE(dev.connected());
  EXPECT_EQ(dev.disconnects(), 0);
  // The connection still works, and nothing invalid was stored or delivered.
  ASSERT_EQ(dev.publish("update_ota_status/p1/d1/ok", R"({"type":"firmware","version":"1.1","progress":5})"), 0);
  ASSERT_TRUE(watcher.wait_topic("update_ota_status/p1/d1/ok"));
  for (const auto& m : watcher.messages()) {
    EXPECT_TRUE(m.topic == "update_status/p1/d1/good" || m.topic == "update_ota_status/p1/d1/ok") << m.topic;
  }
  auto r = get_device("p1", "d1");
  EXPECT_EQ(to_string(r["data"]["status"]), R"({"firmware_ver":"1.0"})");
  ASSERT_EQ(r["data"]["recentProgress"].Size(), 1u);
  EXPECT_EQ(r["data"]["recentProgress"][0]["progress"].GetInt(), 5);
}

TEST_F(DeviceReports, Mqtt311ClientSendingBadInputStaysConnected) {
  auto& dev = device("p1/d1", MQTT_PROTOCOL_V311);
  EXPECT_EQ(dev.publish("update_status/p1/d1/m1", "garbage"), 0);  // 3.1.1 has no reason code to carry a denial
  EXPECT_EQ(dev.publish("update_status/p1/d2/m1", "{}"), 0);
  ASSERT_EQ(dev.publish("update_status/p1/d1/m2", R"({"app_ver":"3"})"), 0);
  EXPECT_TRUE(dev.connected());
  auto r = get_device("p1", "d1");
  EXPECT_EQ(to_string(r["data"]["status"]), R"({"app_ver":"3"})");
  EXPECT_EQ(error_code(get_device("p1", "d2")), "not_found");
}

TEST_F(DeviceReports, PresenceFollowsConnectionsAndTakeover) {
  auto& dev = device("p1/d1");
  ASSERT_EQ(dev.publish("update_status/p1/d1/m1", "{}"), 0);
  auto online = [&] {
    auto r = get_device("p1", "d1");
    return r.HasMember("data") && r["data"]["online"].GetBool();
  };
  EXPECT_TRUE(online());

  // A second connection of the same device, with a suffixed client id.
  auto& second = client("p1/d1", "p1/d1/backup");
  dev.disconnect();
  EXPECT_TRUE(online());

  // Session takeover: the same client id connects again; the old connection is closed.
  auto& third = client("p1/d1", "p1/d1/backup");
  EXPECT_TRUE(eventually([&] { return !second.connected(); }));
  EXPECT_TRUE(online());
  third.disconnect();
  EXPECT_TRUE(eventually([&] { return !online(); }));
}

TEST_F(DeviceReports, RefusedLoginIsNeverOnline) {
  ClientOptions o;
  o.client_id = "p1/d3";
  o.username = "p1/d3";
  o.password = "wrong";
  MqttClient intruder(broker->port(), o);
  EXPECT_NE(intruder.connect(), 0);
  auto& dev = device("p1/d3");
  ASSERT_EQ(dev.publish("update_status/p1/d3/m1", "{}"), 0);
  dev.disconnect();
  EXPECT_TRUE(eventually([&] {
    auto r = get_device("p1", "d3");
    return r.HasMember("data") && !r["data"]["online"].GetBool();
  }));
}

class SmallPayloads : public BrokerTest {
  BrokerConfig config() override {
    auto c = default_config(dir.path());
    c.plugin_opts.push_back({"max_payload_bytes", "100"});
    return c;
  }
};

TEST_F(SmallPayloads, PayloadOverTheConfiguredLimitIsRefused) {
  auto& dev = device("p1/d1");
  std::string fits = R"({"x":")" + std::string(92, 'a') + "\"}";
  ASSERT_EQ(fits.size(), 100u);
  EXPECT_EQ(dev.publish("update_status/p1/d1/m1", fits), 0);
  EXPECT_EQ(dev.publish("update_status/p1/d1/m2", R"({"x":")" + std::string(93, 'b') + "\"}"), kNotAuthorized);
  EXPECT_TRUE(broker->wait_for_log("over max_payload_bytes (100)"));
}

}  // namespace
}  // namespace ota_test
