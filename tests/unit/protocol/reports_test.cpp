#include "protocol/reports.h"
#include "runtime/report_batch.h"

#include <gtest/gtest.h>

using namespace ota;

TEST(StatusPayload, ObjectIsKeptWholeWithItsVersions) {
  auto s = check_status(R"({"firmware_ver":"1.0","app_ver":"2.3","uptime":12,"model":"x1"})");
  ASSERT_TRUE(s.value) << s.error;
  EXPECT_EQ(s.value->json, R"({"firmware_ver":"1.0","app_ver":"2.3","uptime":12,"model":"x1"})");
  ASSERT_EQ(s.value->versions.size(), 3u);
  EXPECT_EQ(s.value->versions[0].key, "firmware_ver");
  EXPECT_EQ(s.value->versions[0].value, "1.0");
}

TEST(StatusPayload, RefusesWhatIsNotAnObject) {
  for (const char* bad : {"", "not json", "[1,2]", "\"x\"", "42", "{\"a\":1} trailing", "{\"a\":"}) {
    auto s = check_status(bad);
    EXPECT_FALSE(s.value) << bad;
    EXPECT_FALSE(s.error.empty());
  }
}

TEST(StatusPayload, VersionKeysMustHoldVersionStrings) {
  EXPECT_NE(check_status(R"({"firmware_ver":1.0})").error.find("firmware_ver"), std::string::npos);
  EXPECT_FALSE(check_status(R"({"app_ver":""})").value);
  EXPECT_FALSE(check_status(R"({"app_ver":"1\n2"})").value);
}

TEST(ProgressPayload, ValidReportIsAccepted) {
  auto p = check_progress(R"({"type":"firmware","version":"1.1","progress":40,"desc":"downloading"})");
  ASSERT_TRUE(p.value) << p.error;
  EXPECT_EQ(p.value->type, "firmware");
  EXPECT_EQ(p.value->version, "1.1");
  EXPECT_EQ(p.value->progress, 40);
  EXPECT_EQ(p.value->desc, "downloading");
  EXPECT_TRUE(check_progress(R"({"type":"app","version":"2","progress":-4})").value);
  EXPECT_TRUE(check_progress(R"({"type":"app","version":"2","progress":100})").value);
}

TEST(ProgressPayload, WrongTypesAndRangesAreRefusedWithTheField) {
  struct Case {
    const char* payload;
    const char* field;
  } cases[] = {
      {R"({"version":"1","progress":1})", "type"},
      {R"({"type":5,"version":"1","progress":1})", "type"},
      {R"({"type":"Firm ware","version":"1","progress":1})", "type"},
      {R"({"type":"fw","progress":1})", "version"},
      {R"({"type":"fw","version":1.1,"progress":1})", "version"},
      {R"({"type":"fw","version":"1"})", "progress"},
      {R"({"type":"fw","version":"1","progress":"40"})", "progress"},
      {R"({"type":"fw","version":"1","progress":40.5})", "progress"},
      {R"({"type":"fw","version":"1","progress":101})", "progress"},
      {R"({"type":"fw","version":"1","progress":-5})", "progress"},
      {R"({"type":"fw","version":"1","progress":1,"desc":7})", "desc"},
  };
  for (const auto& c : cases) {
    auto p = check_progress(c.payload);
    EXPECT_FALSE(p.value) << c.payload;
    EXPECT_NE(p.error.find(c.field), std::string::npos) << c.payload << ": " << p.error;
  }
  std::string long_desc = R"({"type":"fw","version":"1","progress":1,"desc":")" + std::string(1025, 'x') + "\"}";
  EXPECT_FALSE(check_progress(long_desc).value);
}

TEST(CheckReport, OnlyTheDeviceItselfMayReport) {
  ReportTopic topic{ReportKind::Status, {"lamp", "d1"}, "m1"};
  EXPECT_TRUE(check_report(topic, "lamp/d1", R"({"a_ver":"1"})", 16384, 5).value);
  auto other = check_report(topic, "lamp/d2", R"({"a_ver":"1"})", 16384, 5);
  EXPECT_FALSE(other.value);
  EXPECT_NE(other.error.find("lamp/d1"), std::string::npos);
  EXPECT_FALSE(check_report(topic, "", R"({"a_ver":"1"})", 16384, 5).value);
}

TEST(CheckReport, OversizePayloadIsRefused) {
  ReportTopic topic{ReportKind::Status, {"lamp", "d1"}, "m1"};
  std::string big = R"({"x":")" + std::string(100, 'y') + "\"}";
  auto r = check_report(topic, "lamp/d1", big, 64, 5);
  EXPECT_FALSE(r.value);
  EXPECT_NE(r.error.find("max_payload_bytes"), std::string::npos);
  EXPECT_TRUE(check_report(topic, "lamp/d1", big, big.size(), 5).value);
}

TEST(CheckReport, ReportCarriesItsArrivalAndContent) {
  ReportTopic topic{ReportKind::Progress, {"lamp", "d1"}, "m9"};
  auto r = check_report(topic, "lamp/d1", R"({"type":"fw","version":"2","progress":-2,"desc":"md5"})", 16384, 1234);
  ASSERT_TRUE(r.value);
  EXPECT_EQ(r.value->at, 1234);
  EXPECT_EQ(r.value->message_id, "m9");
  EXPECT_EQ(r.value->progress.progress, -2);
}

// SPEC "Bounded parsing": what the strict parser refuses, reports refuse with the reason.
TEST(CheckReport, StrictParsingRefusesHostileStatusesAndProgress) {
  ReportTopic status{ReportKind::Status, {"lamp", "d1"}, "m1"};
  ReportTopic progress{ReportKind::Progress, {"lamp", "d1"}, "m2"};
  const std::string deep = "{\"a\":" + std::string(120000, '[') + std::string(120000, ']') + "}";
  std::pair<std::string, const char*> refused[] = {
      {deep, "nested deeper than 32 levels"},
      {R"({"j1_ver":"1.0","j1_ver":"2.0"})", "duplicate member name \"j1_ver\""},
      {"{\"n\":\"\xff\"}", "not valid UTF-8"},
      {"{\"n\":\"\\udc00\"}", "not valid UTF-8"},
      {R"({"n":"a\u0000b"})", "NUL"},
  };
  for (const auto& [payload, why] : refused) {
    auto r = check_report(status, "lamp/d1", payload, 1 << 20, 1);
    EXPECT_FALSE(r.value) << payload.substr(0, 64);
    EXPECT_NE(r.error.find(why), std::string::npos) << r.error;
  }
  auto p = check_report(progress, "lamp/d1", R"({"type":"fw","version":"2","progress":1,"progress":100})", 16384, 1);
  EXPECT_FALSE(p.value);
  EXPECT_NE(p.error.find("duplicate member name \"progress\""), std::string::npos) << p.error;
  auto desc = check_report(progress, "lamp/d1", "{\"type\":\"fw\",\"version\":\"2\",\"progress\":1,\"desc\":\"\xc0\xaf\"}",
                           16384, 1);
  EXPECT_FALSE(desc.value);
}

TEST(CheckReport, StatusesAtTheBoundsAreAccepted) {
  ReportTopic status{ReportKind::Status, {"lamp", "d1"}, "m1"};
  std::string members = "{";
  for (int i = 0; i < 1000; ++i) members += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  members += "}";
  EXPECT_TRUE(check_report(status, "lamp/d1", members, 1 << 20, 1).value);
  const std::string deep = "{\"a\":" + std::string(31, '[') + std::string(31, ']') + "}";  // 32 levels
  EXPECT_TRUE(check_report(status, "lamp/d1", deep, 1 << 20, 1).value);
  EXPECT_TRUE(check_report(status, "lamp/d1", "{\"name\":\"caf\xc3\xa9\"}", 1 << 20, 1).value);
}

// The broker thread's checker keeps its parser from one report to the next:
// each report is judged on its own, whatever came before it.
TEST(ReportChecker, OneCheckerJudgesEachReportAlone) {
  ReportChecker checker;
  ReportView view;
  const ReportTopicView progress{ReportKind::Progress, "lamp", "d1", "m1"};
  const ReportTopicView status{ReportKind::Status, "lamp", "d1", "m2"};
  EXPECT_EQ(checker.check(progress, "lamp/d1", R"({"type":"fw","version":"2","progress":7,"desc":"a\"b"})", 16384, view),
            "");
  EXPECT_EQ(view.type, "fw");
  EXPECT_EQ(view.version, "2");
  EXPECT_EQ(view.progress, 7);
  EXPECT_EQ(view.desc, "a\"b");  // unescaped
  EXPECT_EQ(view.topic.message_id, "m1");
  EXPECT_NE(checker.check(progress, "lamp/d1", R"({"type":"fw","version":"2"})", 16384, view), "");
  EXPECT_NE(checker.check(progress, "lamp/d1", R"({"type":"fw","version":"2","progress":1,"progress":2})", 16384, view)
                .find("duplicate"),
            std::string::npos);
  EXPECT_EQ(checker.check(progress, "lamp/d1", R"({"type":"fw","version":"3","progress":-1})", 16384, view), "");
  EXPECT_EQ(view.desc, "");  // none: not the last report's
  EXPECT_EQ(checker.check(status, "lamp/d1", R"({"app_ver":"4","n":1})", 16384, view), "");
  EXPECT_EQ(view.status_json, R"({"app_ver":"4","n":1})");
  EXPECT_NE(checker.check(status, "lamp/d1", R"({"app_ver":5})", 16384, view).find("must be a string"),
            std::string::npos);
  EXPECT_NE(checker.check(status, "lamp/d2", R"({"app_ver":"4"})", 16384, view).find("lamp/d1"), std::string::npos);
  // A big one spills out of the parser's buffers, and the next small one still parses.
  std::string big = "{";
  for (int i = 0; i < 900; ++i) big += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":\"" + std::string(20, 'x') + "\"";
  big += "}";
  EXPECT_EQ(checker.check(status, "lamp/d1", big, 1 << 20, view), "");
  EXPECT_EQ(checker.check(status, "lamp/d1", R"({"app_ver":"6"})", 16384, view), "");
}

TEST(ReportBatch, ReportsComeOutAsTheyWentInInOrder) {
  ReportChecker checker;
  ReportBatch batch, inbox;
  ReportView view;
  ASSERT_EQ(checker.check({ReportKind::Status, "lamp", "d1", "s1"}, "lamp/d1", R"({"fw_ver":"1.0","x":{"y":1}})",
                          16384, view),
            "");
  batch.append(view, 11);
  ASSERT_EQ(checker.check({ReportKind::Progress, "lamp", "d2", "p1"}, "lamp/d2",
                          R"({"type":"firmware","version":"1.1","progress":-3,"desc":"sig\u00e9"})", 16384, view),
            "");
  batch.append(view, 12);
  inbox.append(batch);
  batch.clear();
  EXPECT_TRUE(batch.empty());
  ASSERT_EQ(inbox.size(), 2u);
  ReportBatch::Reader reader(inbox);
  int64_t at = 0;
  Report first = to_report(reader.next(at), at);
  EXPECT_EQ(at, 11);
  EXPECT_EQ(first.kind, ReportKind::Status);
  EXPECT_EQ(first.device.username(), "lamp/d1");
  EXPECT_EQ(first.message_id, "s1");
  EXPECT_EQ(first.status.json, R"({"fw_ver":"1.0","x":{"y":1}})");
  ASSERT_EQ(first.status.versions.size(), 1u);
  EXPECT_EQ(first.status.versions[0].value, "1.0");
  Report second = to_report(reader.next(at), at);
  EXPECT_EQ(at, 12);
  EXPECT_EQ(second.kind, ReportKind::Progress);
  EXPECT_EQ(second.device.device, "d2");
  EXPECT_EQ(second.progress.progress, -3);
  EXPECT_EQ(second.progress.version, "1.1");
  EXPECT_EQ(second.progress.desc, "sig\xc3\xa9");
  EXPECT_TRUE(reader.done());
}
