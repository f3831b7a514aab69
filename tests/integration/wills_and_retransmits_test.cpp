// What libmosquitto will not send, on a raw socket against a real broker: wills
// on device report topics, and a QoS 2 admin request retransmitted with DUP
// (SPEC "Hostile input, overload and faults").
#include "raw_mqtt.h"
#include "upgrade_fixture.h"

namespace ota_test {
namespace {

class Wills : public UpgradeTest {
 protected:
  // Connects as `device` with a will, then drops the connection without DISCONNECT.
  void die_with_will(const std::string& device, const std::string& topic, const std::string& payload,
                     bool retain = false) {
    RawMqtt raw(broker->port());
    RawConnect c = raw_login(device, device);
    c.will_topic = topic;
    c.will_payload = payload;
    c.will_qos = 1;
    c.will_retain = retain;
    ASSERT_EQ(raw.connect(c), 0);
    raw.drop();
  }

  // Every message published to `watcher` before this call has reached it once it returns.
  void drain(MqttClient& watcher) {
    ASSERT_EQ(watcher.subscribe("marker/done"), 1);
    ASSERT_EQ(client("business", "marker-sender").publish("marker/done", "m"), 0);
    ASSERT_TRUE(watcher.wait_topic("marker/done"));
  }

  std::vector<std::string> report_topics(const MqttClient& watcher) {
    std::vector<std::string> out;
    for (const auto& m : watcher.messages()) {
      if (m.topic.rfind("marker/", 0) != 0) out.push_back(m.topic);
    }
    return out;
  }
};

TEST_F(Wills, AnInvalidWillIsNeitherDeliveredNorRetained) {
  auto& watcher = client("business", "watcher");
  ASSERT_EQ(watcher.subscribe("update_status/#"), 1);
  ASSERT_EQ(watcher.subscribe("update_ota_status/#"), 1);
  die_with_will("p1/d1", "update_status/p1/d1/w1", "[1,2,3]", true);
  die_with_will("p1/d2", "update_ota_status/p1/d2/w2", R"({"type":"firmware","version":"1.1","progress":999})", true);
  die_with_will("p1/d3", "update_status/p1/d4/w3", R"({"firmware_ver":"6.6"})", true);  // another device's topic
  ASSERT_TRUE(broker->wait_for_log("refused publish to update_status/p1/d1/w1"));
  ASSERT_TRUE(broker->wait_for_log("refused publish to update_ota_status/p1/d2/w2"));
  ASSERT_TRUE(broker->wait_for_log("refused publish to update_status/p1/d4/w3"));
  drain(watcher);
  EXPECT_TRUE(report_topics(watcher).empty());

  // Nothing was retained either: a new subscriber gets no report.
  auto& late = client("business", "late");
  ASSERT_EQ(late.subscribe("update_status/#"), 1);
  ASSERT_EQ(late.subscribe("update_ota_status/#"), 1);
  drain(late);
  EXPECT_TRUE(report_topics(late).empty());
  EXPECT_EQ(error_code(get_device("p1", "d1")), "not_found");
  EXPECT_EQ(error_code(get_device("p1", "d4")), "not_found");
}

TEST_F(Wills, AValidWillIsStoredAsAReport) {
  auto& watcher = client("business", "watcher");
  ASSERT_EQ(watcher.subscribe("update_status/#"), 1);
  die_with_will("p1/d1", "update_status/p1/d1/w1", R"({"firmware_ver":"9.9"})");
  ASSERT_TRUE(watcher.wait_topic("update_status/p1/d1/w1"));
  EXPECT_TRUE(eventually([&] {
    auto r = get_device("p1", "d1");
    return r.HasMember("data") && r["data"]["status"].IsObject() &&
           to_string(r["data"]["status"]) == R"({"firmware_ver":"9.9"})";
  }));
  EXPECT_FALSE(get_device("p1", "d1")["data"]["online"].GetBool());
}

TEST_F(Wills, ADeviceMayClearARetainedMessageOnItsOwnTopicOnly) {
  RawMqtt raw(broker->port());
  ASSERT_EQ(raw.connect(raw_login("p1/d1", "p1/d1")), 0);
  // MQTT 5 PUBACK: packet id, then the reason code (absent = success).
  auto puback_reason = [&](const std::string& topic, bool retain, uint16_t id) {
    raw.publish(RawPublish{topic, "", 1, id, false, retain, ""});
    auto ack = raw.read();
    if (!ack || ack->type != 4) return -1;
    return ack->body.size() > 2 ? static_cast<int>(static_cast<uint8_t>(ack->body[2])) : 0;
  };
  EXPECT_EQ(puback_reason("update_status/p1/d1/m1", true, 1), 16);  // accepted; no subscribers
  EXPECT_EQ(puback_reason("update_status/p1/d1/m2", false, 2), kNotAuthorized);  // not retained: not a report
  EXPECT_EQ(puback_reason("update_status/p1/d2/m1", true, 3), kNotAuthorized);   // another device's topic
  EXPECT_EQ(error_code(get_device("p1", "d1")), "not_found");  // nothing stored
}

class Qos2Admin : public UpgradeTest {};

TEST_F(Qos2Admin, ARetransmittedRequestRunsOnce) {
  booted("d1");
  booted("d2");
  RawMqtt raw(broker->port());
  ASSERT_EQ(raw.connect(raw_login("admin", "raw-admin")), 0);
  RawPublish p;
  p.topic = "$CONTROL/ota/v1";
  p.qos = 2;
  p.packet_id = 7;
  p.payload = R"({"commands":[{"command":"createUpgrade","product":"p1","type":"firmware","version":"1.1",)"
              R"("url":"https://f.example.com/1.1.bin","md5":"9e107d9d372bb6826bd81d3542a419d6","size":10}]})";
  raw.publish(p);
  auto rec = raw.read();
  ASSERT_TRUE(rec && rec->type == 5) << "PUBREC expected";
  p.dup = true;  // the PUBREC "was lost": the client sends the PUBLISH again
  raw.publish(p);
  rec = raw.read();
  ASSERT_TRUE(rec && rec->type == 5) << "PUBREC expected";
  raw.pubrel(7);
  auto comp = raw.read();
  ASSERT_TRUE(comp && comp->type == 7) << "PUBCOMP expected";
  ASSERT_TRUE(broker->wait_for_log("repeated QoS 2 admin request from client raw-admin answered again"));

  auto jobs = admin_command(R"({"command":"listJobs","product":"p1"})");
  ASSERT_TRUE(jobs.HasMember("data")) << to_string(jobs);
  EXPECT_EQ(jobs["data"]["jobs"].Size(), 1u) << to_string(jobs);

  // The same request at QoS 1 is a new request: it runs (and finds both devices busy).
  auto& again = admin();
  auto answer = again.request(p.payload);
  ASSERT_TRUE(answer);
  auto jobs_after = admin_command(R"({"command":"listJobs","product":"p1"})");
  EXPECT_EQ(jobs_after["data"]["jobs"].Size(), 2u) << to_string(jobs_after);
}

class ResponseTopics : public UpgradeTest {};

TEST_F(ResponseTopics, ARequestWithAnUnfitResponseTopicIsNotRunAndIsAnsweredOnTheAdminTopic) {
  booted("d1");
  auto& listener = admin();  // MQTT 5: its own answers come on its Response Topic
  auto& official = client("admin", "official-listener");
  ASSERT_EQ(official.subscribe("$CONTROL/ota/v1/response"), 1);
  auto& snoop = client("business", "snoop");
  for (const char* filter : {"#", "$SYS/#", "update_status/#", "cmd/#", "a/+/b"}) ASSERT_EQ(snoop.subscribe(filter), 1);

  RawMqtt raw(broker->port());
  ASSERT_EQ(raw.connect(raw_login("admin", "raw-admin")), 0);
  const std::string create =
      R"({"commands":[{"command":"createUpgrade","product":"p1","type":"firmware","version":"1.1",)"
      R"("url":"https://f.example.com/1.1.bin","md5":"9e107d9d372bb6826bd81d3542a419d6","size":10}]})";
  const std::vector<std::string> unfit = {"#", "a/+/b", "$SYS/broker/x", "cmd/p1/d1/$ota_upgrade/plain/r1",
                                          "update_status/p1/d1/m1", "update_ota_status/p1/d1/m1",
                                          "$CONTROL/ota/v1/responses", "$CONTROL/ota/v1"};
  uint16_t id = 1;
  for (const auto& topic : unfit) {
    const size_t seen = official.messages().size();
    raw.publish(RawPublish{"$CONTROL/ota/v1", create, 1, id++, false, false, topic});
    auto ack = raw.read();
    ASSERT_TRUE(ack && ack->type == 4) << topic;
    auto answer = official.wait_message([&](const Message& m) { return m.topic == "$CONTROL/ota/v1/response"; },
                                        kWait, seen);
    ASSERT_TRUE(answer) << topic;
    auto doc = parse(answer->payload);
    EXPECT_STREQ(doc["responses"][0]["errorCode"].GetString(), "invalid_request") << topic;
    EXPECT_NE(std::string(doc["responses"][0]["error"].GetString()).find("Response Topic"), std::string::npos);
  }
  // Nothing ran and nothing reached the snoop.
  auto jobs = listener.command(R"({"command":"listJobs","product":"p1"})");
  EXPECT_EQ(jobs["data"]["jobs"].Size(), 0u) << to_string(jobs);
  ASSERT_EQ(client("business", "marker").publish("marker/x", "m"), 0);
  ASSERT_TRUE(snoop.wait_topic("marker/x"));
  for (const auto& m : snoop.messages()) {
    if (m.topic.rfind("ota-test/responses/", 0) == 0) continue;  // the listener's own answer
    EXPECT_EQ(m.payload.find("\"responses\""), std::string::npos) << m.topic;  // the broker's own $SYS go on
  }

  // A Response Topic under $CONTROL/ota/v1/response/ is fit.
  ASSERT_EQ(official.subscribe("$CONTROL/ota/v1/response/mine"), 1);
  raw.publish(RawPublish{"$CONTROL/ota/v1", R"({"commands":[{"command":"listJobs"}]})", 1, id++, false, false,
                         "$CONTROL/ota/v1/response/mine"});
  EXPECT_TRUE(official.wait_topic("$CONTROL/ota/v1/response/mine"));
}

}  // namespace
}  // namespace ota_test
