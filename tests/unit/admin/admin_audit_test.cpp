// One audit log line per admin command: who asked, what for, what came of it.
#include <gtest/gtest.h>

#include "admin_fixture.h"

using namespace ota;

namespace {

const char* kCreate =
    R"({"command":"createUpgrade","product":"lamp","type":"firmware","version":"1.1","url":"https://x.example/fw.bin",)"
    R"("md5":"9e107d9d372bb6826bd81d3542a419d6","size":100})";

class AdminAudit : public AdminFixture {
 protected:
  AdminAudit() {
    report_status("d1", R"({"firmware_ver":"1.0"})");
    report_status("d2", R"({"firmware_ver":"1.0"})");
    out.logs.clear();
  }

  // The audit lines logged since the last call.
  std::vector<LogLine> audit() {
    std::vector<LogLine> lines;
    for (auto& line : out.logs) {
      if (line.text.rfind("mosquitto_ota: admin | ", 0) == 0) lines.push_back(line);
    }
    out.logs.clear();
    return lines;
  }
};

}  // namespace

TEST_F(AdminAudit, AChangeOfStateIsLoggedAtNoticeWithWhatItDid) {
  auto created = one(kCreate);
  const std::string job = created["data"]["jobId"].GetString();
  auto lines = audit();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].level, LogLevel::Notice);
  EXPECT_EQ(lines[0].text, "mosquitto_ota: admin | createUpgrade | user=ops | client=biz-1 | product=lamp | jobId=" +
                               job + " | targeted=2");

  one(R"({"command":"cancelJob","jobId":")" + job + "\"}");
  lines = audit();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].level, LogLevel::Notice);
  EXPECT_EQ(lines[0].text, "mosquitto_ota: admin | cancelJob | user=ops | client=biz-1 | jobId=" + job + " | canceled=2");
}

TEST_F(AdminAudit, EveryCommandOfARequestGetsALineQueriesAtInfoAndErrorsWithTheirCode) {
  call(R"({"commands":[{"command":"getDevice","product":"lamp","device":"d1"},)"
       R"({"command":"getJob","jobId":"nope"},{"command":"reboot"},)"
       R"({"command":"createUpgrade","product":"lamp"}]})");
  auto lines = audit();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].text, "mosquitto_ota: admin | getDevice | user=ops | client=biz-1 | product=lamp | device=d1 | ok");
  EXPECT_EQ(lines[0].level, LogLevel::Info);
  EXPECT_EQ(lines[1].text, "mosquitto_ota: admin | getJob | user=ops | client=biz-1 | jobId=nope | error=not_found");
  EXPECT_EQ(lines[2].text, "mosquitto_ota: admin | reboot | user=ops | client=biz-1 | error=unknown_command");
  EXPECT_EQ(lines[2].level, LogLevel::Info);
  // A refused change of state is still a change of state asked for.
  EXPECT_EQ(lines[3].text,
            "mosquitto_ota: admin | createUpgrade | user=ops | client=biz-1 | product=lamp | error=invalid_request");
  EXPECT_EQ(lines[3].level, LogLevel::Notice);
}

TEST_F(AdminAudit, ARequestRefusedWholeGetsOneLineWithTheReason) {
  call(R"({"commands":[],"commands":[]})");
  auto lines = audit();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].text,
            "mosquitto_ota: admin | - | user=ops | client=biz-1 | error=invalid_request (request refused: JSON object "
            "with duplicate member name \"commands\")");
}

TEST_F(AdminAudit, WhatTheSenderChoseCannotForgeALineOrAField) {
  caller = {"ops\nmosquitto_ota: admin | cancelJob", std::string(200, 'c')};
  call(R"({"commands":[{"command":"getDevice\n| user=root","product":"lamp|x","device":"d\u0001"}]})");
  auto lines = audit();
  ASSERT_EQ(lines.size(), 1u);
  const std::string& text = lines[0].text;
  EXPECT_EQ(text.find('\n'), std::string::npos) << text;
  EXPECT_EQ(text.find('\x01'), std::string::npos) << text;
  EXPECT_EQ(text, "mosquitto_ota: admin | getDevice?? user=root | user=ops?mosquitto_ota: admin ? cancelJob | client=" +
                      std::string(64, 'c') + "... | product=lamp?x | device=d? | error=unknown_command");
}
