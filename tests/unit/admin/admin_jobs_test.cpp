// Validation and answers of the job commands, without a broker.
#include <gtest/gtest.h>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "admin_fixture.h"

using namespace ota;

namespace {

const char* kValid =
    R"("command":"createUpgrade","product":"lamp","type":"firmware","version":"1.1","url":"https://x.example/fw.bin",)"
    R"("md5":"9e107d9d372bb6826bd81d3542a419d6","size":100)";

class AdminJobs : public AdminFixture {
 protected:
  AdminJobs() {
    for (int i = 1; i <= 5; ++i) report_status("d" + std::to_string(i), R"({"firmware_ver":"1.0"})");
  }
  rapidjson::Document create(const std::string& extra) { return one(std::string("{") + kValid + extra + "}"); }

  // The valid command with one field set to a raw JSON value, or removed (null).
  static std::string with_field(const char* field, const char* raw_value) {
    rapidjson::Document d;
    d.Parse((std::string("{") + kValid + "}").c_str());
    d.RemoveMember(field);
    if (raw_value) {
      rapidjson::Document v(&d.GetAllocator());
      v.Parse(raw_value);
      d.AddMember(rapidjson::Value(field, d.GetAllocator()), rapidjson::Value(v, d.GetAllocator()), d.GetAllocator());
    }
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    d.Accept(w);
    return b.GetString();
  }
};

}  // namespace

TEST_F(AdminJobs, EveryInvalidFieldIsRefusedAndChangesNothing) {
  std::pair<const char*, const char*> bad[] = {
      {"product", R"("a/b")"},        {"type", R"("Firmware")"},       {"version", R"("")"},
      {"url", R"("ftp://x/y")"},      {"url", R"("https://")"},        {"url", R"("https://a b")"},
      {"md5", R"("xyz")"},            {"size", "0"},                   {"size", R"("100")"},
      {"sha256", R"("abc")"},         {"versionKey", R"("a/b")"},      {"devices", "[]"},
      {"devices", R"(["ok","a+b"])"}, {"devices", R"("d1")"},          {"fromVersions", "[1]"},
      {"timeoutSeconds", "0"},        {"timeoutSeconds", "1.5"},       {"expiresAt", "1000"},
      {"maxPerMinute", "0"},          {"dynamic", "1"},                {"timeoutSecond", "60"},
      {"abortFailurePercent", "101"}, {"abortMinFinished", "5"},       {"abortFailurePercent", "10"},
  };
  for (const auto& [field, value] : bad) {
    auto r = one(with_field(field, value));
    EXPECT_EQ(error_code(r), "invalid_request") << field << "=" << value;
    EXPECT_NE(std::string(r["error"].GetString()).find(field), std::string::npos) << r["error"].GetString();
  }
  for (const char* missing : {"product", "type", "version", "url", "md5", "size"}) {
    auto r = one(with_field(missing, nullptr));
    EXPECT_EQ(error_code(r), "invalid_request") << missing;
    EXPECT_NE(std::string(r["error"].GetString()).find(missing), std::string::npos) << r["error"].GetString();
  }
  auto duplicate = one(std::string("{") + kValid + R"(,"size":5})");
  EXPECT_EQ(error_code(duplicate), "invalid_request");
  EXPECT_TRUE(one(R"({"command":"listJobs"})")["data"]["jobs"].Empty());
  EXPECT_TRUE(out.publishes.empty());
}

TEST_F(AdminJobs, GetJobShowsParametersStateAndCounts) {
  auto created = create(R"(,"sha256":")" + std::string(64, 'A') + R"(","fromVersions":["1.0"],"timeoutSeconds":600)");
  std::string id = created["data"]["jobId"].GetString();
  EXPECT_EQ(id.size(), 24u);
  EXPECT_EQ(created["data"]["targeted"].GetInt(), 5);
  auto r = one(R"({"command":"getJob","jobId":")" + id + "\"}");
  const auto& j = r["data"];
  EXPECT_STREQ(j["jobId"].GetString(), id.c_str());
  EXPECT_STREQ(j["state"].GetString(), "in_progress");
  EXPECT_STREQ(j["versionKey"].GetString(), "firmware_ver");
  EXPECT_STREQ(j["sha256"].GetString(), std::string(64, 'a').c_str());
  EXPECT_STREQ(j["fromVersions"][0].GetString(), "1.0");
  EXPECT_EQ(j["timeoutSeconds"].GetInt(), 600);
  EXPECT_EQ(j["createdAt"].GetInt64(), now);
  EXPECT_EQ(j["total"].GetInt(), 5);
  EXPECT_EQ(j["counts"]["queued"].GetInt(), 5);
  EXPECT_EQ(j["counts"]["succeeded"].GetInt(), 0);
  EXPECT_EQ(error_code(one(R"({"command":"getJob","jobId":"000000000000000000000000"})")), "not_found");
  EXPECT_EQ(error_code(one(R"({"command":"getJob","jobId":"../x"})")), "invalid_request");
  EXPECT_EQ(error_code(one(R"({"command":"getJob"})")), "invalid_request");
}

TEST_F(AdminJobs, ListJobsIsNewestFirstPagedAndFiltered) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(create(R"(,"devices":["d)" + std::to_string(i + 1) + "\"]")["data"]["jobId"].GetString());
  one(R"({"command":"cancelJob","jobId":")" + ids[1] + "\"}");
  auto page = one(R"({"command":"listJobs","product":"lamp","limit":2})");
  ASSERT_EQ(page["data"]["jobs"].Size(), 2u);
  EXPECT_STREQ(page["data"]["jobs"][0]["jobId"].GetString(), ids[4].c_str());
  EXPECT_STREQ(page["data"]["jobs"][1]["jobId"].GetString(), ids[3].c_str());
  std::string cursor = page["data"]["cursor"].GetString();
  auto next = one(R"({"command":"listJobs","product":"lamp","limit":2,"cursor":")" + cursor + "\"}");
  EXPECT_STREQ(next["data"]["jobs"][0]["jobId"].GetString(), ids[2].c_str());
  auto canceled = one(R"({"command":"listJobs","state":"canceled"})");
  ASSERT_EQ(canceled["data"]["jobs"].Size(), 1u);
  EXPECT_STREQ(canceled["data"]["jobs"][0]["jobId"].GetString(), ids[1].c_str());
  EXPECT_TRUE(one(R"({"command":"listJobs","product":"fan"})")["data"]["jobs"].Empty());
  EXPECT_EQ(error_code(one(R"({"command":"listJobs","state":"done"})")), "invalid_request");
  EXPECT_EQ(error_code(one(R"({"command":"listJobs","cursor":"abc"})")), "invalid_request");
}

TEST_F(AdminJobs, ListJobExecutionsPagesByDeviceAndFiltersByState) {
  presence.opened(1, {"lamp", "d2"}, "lamp/d2");
  std::string id = create("")["data"]["jobId"].GetString();
  auto page = one(R"({"command":"listJobExecutions","jobId":")" + id + R"(","limit":3})");
  ASSERT_EQ(page["data"]["executions"].Size(), 3u);
  EXPECT_STREQ(page["data"]["executions"][0]["device"].GetString(), "d1");
  auto rest = one(R"({"command":"listJobExecutions","jobId":")" + id + R"(","limit":3,"cursor":")" +
                  page["data"]["cursor"].GetString() + "\"}");
  ASSERT_EQ(rest["data"]["executions"].Size(), 2u);
  EXPECT_FALSE(rest["data"].HasMember("cursor"));
  auto sent = one(R"({"command":"listJobExecutions","jobId":")" + id + R"(","state":"sent"})");
  ASSERT_EQ(sent["data"]["executions"].Size(), 1u);
  EXPECT_STREQ(sent["data"]["executions"][0]["device"].GetString(), "d2");
  EXPECT_EQ(error_code(one(R"({"command":"listJobExecutions","jobId":"nope"})")), "not_found");
}

TEST_F(AdminJobs, GetExecutionHasTheHistoryAndGetDeviceTheRecentExecutions) {
  presence.opened(1, {"lamp", "d1"}, "lamp/d1");
  std::string id = create(R"(,"devices":["d1"])")["data"]["jobId"].GetString();
  upgrades.on_progress({"lamp", "d1"}, {"firmware", "1.1", 20, "downloading"}, now + 1, out);
  auto r = one(R"({"command":"getExecution","jobId":")" + id + R"(","product":"lamp","device":"d1"})");
  const auto& e = r["data"];
  EXPECT_STREQ(e["state"].GetString(), "downloading");
  EXPECT_EQ(e["progress"].GetInt(), 20);
  EXPECT_EQ(e["firstSentAt"].GetInt64(), now);
  // Newest first.
  ASSERT_EQ(e["history"].Size(), 3u);
  EXPECT_STREQ(e["history"][2]["state"].GetString(), "sent");
  EXPECT_STREQ(e["history"][1]["event"].GetString(), "progress");
  EXPECT_EQ(e["history"][1]["progress"].GetInt(), 20);
  EXPECT_STREQ(e["history"][1]["desc"].GetString(), "downloading");
  EXPECT_EQ(e["history"][0]["at"].GetInt64(), now + 1);
  EXPECT_FALSE(e.HasMember("cursor"));
  EXPECT_EQ(error_code(one(R"({"command":"getExecution","jobId":")" + id + R"(","product":"fan","device":"d1"})")),
            "not_found");
  auto d = one(R"({"command":"getDevice","product":"lamp","device":"d1"})");
  ASSERT_EQ(d["data"]["executions"].Size(), 1u);
  EXPECT_STREQ(d["data"]["executions"][0]["jobId"].GetString(), id.c_str());
}
