// The admin request/response topic on a real broker (SPEC "Admin request/response").
#include <algorithm>
#include <chrono>
#include <fstream>
#include <vector>

#include "fixture.h"

namespace ota_test {
namespace {

class AdminTopic : public BrokerTest {
 protected:
  void report_devices() {
    for (int i = 1; i <= 5; ++i) {
      std::string name = "p1/d" + std::to_string(i);
      std::string version = i % 2 ? "1.0" : "2.0";
      auto& dev = device(name);
      ASSERT_EQ(dev.publish("update_status/" + name + "/m1", R"({"firmware_ver":")" + version + "\"}"), 0);
    }
  }
};

TEST_F(AdminTopic, Mqtt5RequestIsAnsweredOnItsResponseTopicWithItsCorrelationData) {
  report_devices();
  auto& a = admin();
  // AdminClient::request only accepts the message with the request's Correlation Data.
  auto response = a.request(R"({"commands":[{"command":"getDevice","correlationData":"42","product":"p1","device":"d2"},
                                           {"command":"listDevices","product":"p1","versionKey":"firmware_ver","version":"1.0"}]})");
  ASSERT_TRUE(response);
  auto doc = parse(*response);
  const auto& r = doc["responses"];
  ASSERT_EQ(r.Size(), 2u) << *response;
  EXPECT_STREQ(r[0]["command"].GetString(), "getDevice");
  EXPECT_STREQ(r[0]["correlationData"].GetString(), "42");
  EXPECT_STREQ(r[0]["data"]["status"]["firmware_ver"].GetString(), "2.0");
  const auto& devices = r[1]["data"]["devices"];
  ASSERT_EQ(devices.Size(), 3u);
  EXPECT_STREQ(devices[0]["device"].GetString(), "d1");
  EXPECT_STREQ(devices[1]["device"].GetString(), "d3");
  EXPECT_STREQ(devices[2]["device"].GetString(), "d5");
}

TEST_F(AdminTopic, Mqtt311RequestIsAnsweredOnTheResponseTopic) {
  report_devices();
  auto& a = admin("admin", MQTT_PROTOCOL_V311);
  auto r = a.command(R"({"command":"listDevices","product":"p1","limit":2,"correlationData":"page1"})");
  ASSERT_TRUE(r.HasMember("data")) << to_string(r);
  EXPECT_STREQ(r["correlationData"].GetString(), "page1");
  EXPECT_EQ(r["data"]["devices"].Size(), 2u);
  std::string cursor = r["data"]["cursor"].GetString();
  auto next = a.command(R"({"command":"listDevices","product":"p1","limit":2,"cursor":")" + cursor + "\"}");
  EXPECT_STREQ(next["data"]["devices"][0]["device"].GetString(), "d3");
}

TEST_F(AdminTopic, MalformedRequestsGetErrorsAndTheClientStaysConnected) {
  auto& a = admin();
  for (const char* bad : {"not json", "{}", R"({"commands":"getDevice"})"}) {
    auto response = a.request(bad);
    ASSERT_TRUE(response) << bad;
    auto doc = parse(*response);
    EXPECT_EQ(error_code(doc["responses"][0]), "invalid_request") << *response;
  }
  EXPECT_EQ(error_code(a.command(R"({"command":"rebootEverything"})")), "unknown_command");
  EXPECT_EQ(error_code(a.command(R"({"command":"getDevice","product":"p1","device":"#"})")), "invalid_request");
  EXPECT_EQ(error_code(a.command(R"({"command":"getDevice","product":"p1","device":"ghost"})")), "not_found");
  EXPECT_EQ(error_code(a.command(R"({"command":"listDevices","product":"p1","limit":5000})")), "invalid_request");
  EXPECT_TRUE(a.mqtt().connected());
  EXPECT_EQ(a.mqtt().disconnects(), 0);
}

TEST_F(AdminTopic, EachCommandIsAuditedInTheBrokerLogWithWhoAskedAndWhatCameOfIt) {
  report_devices();  // d1, d3, d5 at 1.0
  auto& a = admin();
  auto created = a.command(R"({"command":"createUpgrade","product":"p1","type":"firmware","version":"2.0",)"
                           R"("url":"https://fw.example/2.0.bin","md5":"9e107d9d372bb6826bd81d3542a419d6","size":1})");
  ASSERT_TRUE(created.HasMember("data")) << to_string(created);
  const std::string job = created["data"]["jobId"].GetString();
  const std::string who = "user=admin | client=" + a.mqtt().client_id();
  EXPECT_TRUE(broker->wait_for_log("mosquitto_ota: admin | createUpgrade | " + who + " | product=p1 | jobId=" + job +
                                   " | targeted=3"))
      << broker->log();
  EXPECT_EQ(error_code(a.command(R"({"command":"getJob","jobId":"nope"})")), "not_found");
  EXPECT_TRUE(broker->wait_for_log("mosquitto_ota: admin | getJob | " + who + " | jobId=nope | error=not_found"))
      << broker->log();
}

// An answer the worker makes (a request that writes) is published as soon as
// it is committed: the plugin wakes the broker's loop, which would otherwise
// sleep up to 100 ms in epoll_wait on an idle broker before the next TICK
// (without the wake, every such answer here took ~100 ms).
TEST_F(AdminTopic, AnAnswerTheWorkerMakesIsPublishedWithoutWaitingForTheIdleBrokersNextLoopPass) {
  auto& a = admin();
  std::vector<double> ms;
  for (int i = 0; i < 10; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto created = a.command(R"({"command":"createUpgrade","product":"none","type":"firmware","version":"2.0",)"
                             R"("url":"https://fw.example/2.0.bin","md5":"9e107d9d372bb6826bd81d3542a419d6","size":1})");
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    ASSERT_TRUE(created.HasMember("data")) << to_string(created);
  }
  std::sort(ms.begin(), ms.end());
  EXPECT_LT(ms[ms.size() / 2], 50) << "median of " << ms.size() << " answers, ms";
}

TEST_F(AdminTopic, NonAdminsCanNeitherRequestNorListen) {
  // An admin listening on the shared response topic sees whatever gets answered.
  auto& a = admin("admin", MQTT_PROTOCOL_V311);
  auto& outsider = client("business", "outsider");
  EXPECT_EQ(outsider.publish("$CONTROL/ota/v1", R"({"commands":[{"command":"listDevices","product":"p1"}]})"),
            kNotAuthorized);
  for (const char* filter : {"$CONTROL/ota/v1/response", "$CONTROL/ota/v1/events/#", "$CONTROL/#"}) {
    EXPECT_GE(outsider.subscribe(filter), 128) << filter;
  }
  auto& dev = device("p1/d1");
  EXPECT_EQ(dev.publish("$CONTROL/ota/v1", R"({"commands":[{"command":"getDevice"}]})"), kNotAuthorized);
  EXPECT_TRUE(outsider.connected());
  EXPECT_TRUE(dev.connected());
  EXPECT_TRUE(broker->wait_for_log("denied publish to $CONTROL/ota/v1 for client outsider"));
  // The refused requests were never answered: the only response is to the admin's own request.
  EXPECT_TRUE(a.command(R"({"command":"listDevices","product":"p2"})").HasMember("data"));
  ASSERT_EQ(a.mqtt().messages().size(), 1u);
  EXPECT_NE(a.mqtt().messages()[0].payload.find("listDevices"), std::string::npos);
}

// With no admin_usernames, the broker's ACL file decides who may use the admin topic.
class AdminTopicWithoutAdmins : public BrokerTest {
  BrokerConfig config() override {
    auto c = default_config(dir.path());
    c.plugin_opts = {{"db_path", dir.path() + "/ota.db"}};
    std::ofstream acl(dir.path() + "/acl");
    acl << "user business\ntopic readwrite $CONTROL/ota/v1/#\ntopic readwrite $CONTROL/ota/v1\n"
        << "topic readwrite ota-test/#\n";
    c.extra_lines = {"acl_file " + dir.path() + "/acl"};
    return c;
  }
};

TEST_F(AdminTopicWithoutAdmins, TheAclFileDecides) {
  EXPECT_TRUE(broker->wait_for_log("no plugin_opt_admin_usernames"));
  auto& business = admin("business");
  EXPECT_TRUE(business.command(R"({"command":"listDevices","product":"p1"})").HasMember("data"));
  auto& outsider = client("admin", "not-in-acl");
  EXPECT_EQ(outsider.publish("$CONTROL/ota/v1", R"({"commands":[]})"), kNotAuthorized);
}

}  // namespace
}  // namespace ota_test
