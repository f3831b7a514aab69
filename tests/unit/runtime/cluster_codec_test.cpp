// What brokers sharing a store write for each other reads back the same, byte
// for byte, and a damaged body is refused whole.
#include "runtime/cluster_codec.h"

#include <gtest/gtest.h>

namespace ota {
namespace {

TEST(ClusterCodec, EveryEventReadsBackAsItWasWritten) {
  ReportView sv;
  sv.topic = {ReportKind::Status, "p1", "d1", "m1"};
  sv.status_json = R"({"firmware_ver":"1.0","x":2})";
  Report status = to_report(sv, 1700000000123);
  auto back = decode_event(encode_event(status));
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->broker_started);
  const auto& s = std::get<Report>(back->event);
  EXPECT_EQ(s.kind, ReportKind::Status);
  EXPECT_EQ(s.device.username(), "p1/d1");
  EXPECT_EQ(s.message_id, "m1");
  EXPECT_EQ(s.at, 1700000000123);
  EXPECT_EQ(s.status.json, R"({"firmware_ver":"1.0","x":2})");
  ASSERT_EQ(s.status.versions.size(), 1u);
  EXPECT_EQ(s.status.versions[0].value, "1.0");

  ReportView pv;
  pv.topic = {ReportKind::Progress, "p1", "d2", "m2"};
  pv.type = "firmware";
  pv.version = "1.1";
  pv.progress = -2;
  pv.desc = "md5 mismatch";
  auto progress = decode_event(encode_event(to_report(pv, 5)));
  ASSERT_TRUE(progress);
  const auto& p = std::get<Report>(progress->event);
  EXPECT_EQ(p.kind, ReportKind::Progress);
  EXPECT_EQ(p.progress.type, "firmware");
  EXPECT_EQ(p.progress.version, "1.1");
  EXPECT_EQ(p.progress.progress, -2);
  EXPECT_EQ(p.progress.desc, "md5 mismatch");

  auto opened = decode_event(encode_event(ConnectionOpened{42, {"p1", "d1"}, "p1/d1"}));
  ASSERT_TRUE(opened);
  EXPECT_EQ(std::get<ConnectionOpened>(opened->event).conn, 42u);
  EXPECT_EQ(std::get<ConnectionOpened>(opened->event).client_id, "p1/d1");
  auto closed = decode_event(encode_event(ConnectionClosed{43}));
  ASSERT_TRUE(closed);
  EXPECT_EQ(std::get<ConnectionClosed>(closed->event).conn, 43u);

  AdminRequest request;
  request.username = "ops";
  request.payload = std::string("{\"command\":\"x\"}\xff\0tail", 21);  // not JSON, not UTF-8: passed on as it came
  request.response_topic = "biz/replies";
  request.correlation_data = std::string("\0\1\2", 3);
  request.client_id = "biz-1";
  request.qos = 2;
  auto admin = decode_event(encode_event(request));
  ASSERT_TRUE(admin);
  const auto& a = std::get<AdminRequest>(admin->event);
  EXPECT_EQ(a.username, "ops");
  EXPECT_EQ(a.payload, request.payload);
  EXPECT_EQ(a.response_topic, "biz/replies");
  EXPECT_EQ(a.correlation_data, request.correlation_data);
  EXPECT_EQ(a.client_id, "biz-1");
  EXPECT_EQ(a.qos, 2);
  request.correlation_data.reset();
  EXPECT_FALSE(std::get<AdminRequest>(decode_event(encode_event(request))->event).correlation_data);

  auto started = decode_event(encode_broker_started());
  ASSERT_TRUE(started);
  EXPECT_TRUE(started->broker_started);
}

TEST(ClusterCodec, AMessageReadsBackAsItWasWrittenAndIsPublishedWhereItIsRead) {
  Outgoing m{"p1/d1", "cmd/p1/d1/$ota_upgrade/r1", "{}", 1, std::string("\0c", 2)};
  m.only_on = "B";
  auto back = decode_outgoing(encode_outgoing(m));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->client_id, "p1/d1");
  EXPECT_EQ(back->topic, m.topic);
  EXPECT_EQ(back->payload, "{}");
  EXPECT_EQ(back->qos, 1);
  EXPECT_EQ(back->correlation_data, m.correlation_data);
  EXPECT_FALSE(back->only_on) << "where it goes is the outbox row's, not the message's";
}

TEST(ClusterCodec, ADamagedBodyIsRefusedWhole) {
  const std::string good = encode_event(ConnectionOpened{42, {"p1", "d1"}, "p1/d1"});
  for (size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_FALSE(decode_event(good.substr(0, cut))) << "cut at " << cut;
  }
  EXPECT_FALSE(decode_event(good + "x"));
  EXPECT_FALSE(decode_event("Z"));
  EXPECT_FALSE(decode_event(""));
  EXPECT_FALSE(decode_outgoing(good)) << "an event is not a message";
  const std::string message = encode_outgoing(Outgoing{"", "t", "p", 1, std::nullopt});
  EXPECT_FALSE(decode_outgoing(message.substr(0, message.size() - 1)));
  EXPECT_FALSE(decode_event(message)) << "a message is not an event";
}

}  // namespace
}  // namespace ota
