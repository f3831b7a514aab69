// Hostile admin requests and bounded answers (SPEC "Bounded parsing", "Bounded
// answers"), without a broker.
#include <gtest/gtest.h>

#include "admin_fixture.h"
#include "protocol/strict_json.h"

using namespace ota;

namespace {

const char* kCreate =
    R"({"command":"createUpgrade","product":"lamp","type":"firmware","version":"1.1","url":"https://x.example/fw.bin",)"
    R"("md5":"9e107d9d372bb6826bd81d3542a419d6","size":100})";

std::string request_of(const std::string& command, int times) {
  std::string s = "{\"commands\":[";
  for (int i = 0; i < times; ++i) s += (i ? "," : "") + command;
  return s + "]}";
}

class AdminLimits : public AdminFixture {
 protected:
  AdminLimits() { report_status("d1", R"({"firmware_ver":"1.0"})"); }

  // The raw answer, checked to be valid UTF-8 JSON within the size limit.
  std::string answer(const std::string& request) {
    AdminContext ctx{store.readers(), &upgrades, presence, now, out};
    std::string text = handle_admin_request(ctx, request);
    EXPECT_LE(text.size(), kMaxAdminResponseBytes);
    EXPECT_TRUE(is_valid_utf8(text));
    rapidjson::Document doc;
    EXPECT_EQ(parse_strict_json(text, doc), "");
    return text;
  }

  // Expects the whole request to be refused as one invalid_request with command "".
  void expect_refused_whole(const std::string& request, const std::string& error_part) {
    auto doc = call(request);
    ASSERT_TRUE(doc.IsObject());
    ASSERT_EQ(doc["responses"].Size(), 1u);
    const auto& r = doc["responses"][0];
    EXPECT_STREQ(r["command"].GetString(), "");
    EXPECT_EQ(error_code(r), "invalid_request");
    EXPECT_NE(std::string(r["error"].GetString()).find(error_part), std::string::npos) << r["error"].GetString();
    EXPECT_FALSE(ParsedAdminRequest(request).writes());  // nothing in it runs
  }

  rapidjson::MemoryPoolAllocator<> out_alloc;  // of the parsed answers

  int64_t job_count() {
    auto all = store.jobs().list_jobs(std::nullopt, std::nullopt, 0, 1000);
    return static_cast<int64_t>(all.size());
  }
};

TEST_F(AdminLimits, DeeplyNestedRequestIsOneInvalidRequest) {
  std::string deep = "{\"commands\":" + std::string(150000, '[');
  expect_refused_whole(deep, "nested deeper than 32 levels");
  answer(deep);
}

TEST_F(AdminLimits, DuplicateKeysRefuseTheWholeRequestAndNothingRuns) {
  std::string twice = std::string(kCreate).insert(1, R"("version":"9.9",)");
  expect_refused_whole(request_of(twice, 1), "duplicate member name \"version\"");
  expect_refused_whole(R"({"commands":[],"commands":[]})", "duplicate");
  EXPECT_EQ(job_count(), 0);
}

TEST_F(AdminLimits, InvalidUtf8OrNulIsRefusedAndNeverEchoed) {
  std::string bad_name = "{\"commands\":[{\"command\":\"get\xff\x66\"}]}";
  expect_refused_whole(bad_name, "not valid UTF-8");
  EXPECT_EQ(answer(bad_name).find('\xff'), std::string::npos);
  expect_refused_whole(R"({"commands":[{"command":"getDevice","product":"lamp","device":"d1\u0000"}]})", "NUL");
  expect_refused_whole(R"({"commands":[{"command":"getDevice\udc00"}]})", "UTF-8");
}

TEST_F(AdminLimits, HundredCommandsRunAndHundredAndOneRunNone) {
  auto ok = call(request_of(R"({"command":"getDevice","product":"lamp","device":"d1"})", 100));
  EXPECT_EQ(ok["responses"].Size(), 100u);
  std::string too_many = request_of(kCreate, 101);
  expect_refused_whole(too_many, "101 commands");
  EXPECT_EQ(job_count(), 0);
  EXPECT_TRUE(ParsedAdminRequest(request_of(kCreate, 100)).writes());
}

TEST_F(AdminLimits, LongUnknownCommandNamesAreNotEchoed) {
  std::string long_name(100000, 'x');
  auto r = one("{\"command\":\"" + long_name + "\",\"correlationData\":\"c\"}");
  EXPECT_EQ(error_code(r), "unknown_command");
  EXPECT_STREQ(r["command"].GetString(), "");
  EXPECT_STREQ(r["correlationData"].GetString(), "c");
  EXPECT_LT(answer(request_of("{\"command\":\"" + long_name + "\"}", 100)).size(), 20000u);
}

class LargeStatuses : public AdminLimits {
 protected:
  // 300 devices with ~16 KB statuses: ~4.8 MB of them in all.
  LargeStatuses() {
    const std::string pad(16000, 'x');
    store.database().begin();
    for (int i = 0; i < 300; ++i) {
      char name[16];
      snprintf(name, sizeof name, "big%03d", i);
      report_status(name, R"({"firmware_ver":"1.0","pad":")" + pad + "\"}");
    }
    store.database().commit();
  }
};

TEST_F(LargeStatuses, AnAnswerThatWouldPassFourMebibytesIsRefusedAndTheRestStillAnswered) {
  const std::string list_all = R"({"command":"listDevices","product":"lamp","limit":1000,"correlationData":"all"})";
  const std::string list_200 = R"({"command":"listDevices","product":"lamp","limit":200})";
  std::string text = answer("{\"commands\":[" + list_all + "," + list_200 + "," + list_200 + "," +
                            R"({"command":"getDevice","product":"lamp","device":"d1"}]})");
  auto doc = parse_json(text, out_alloc);
  const auto& r = doc["responses"];
  ASSERT_EQ(r.Size(), 4u);
  EXPECT_EQ(error_code(r[0]), "invalid_request");
  EXPECT_STREQ(r[0]["error"].GetString(), "response too large: page with limit/cursor");
  EXPECT_STREQ(r[0]["command"].GetString(), "listDevices");
  EXPECT_STREQ(r[0]["correlationData"].GetString(), "all");
  // ~3.2 MB fits; the second such page, counted with the first, does not.
  EXPECT_EQ(r[1]["data"]["devices"].Size(), 200u);
  EXPECT_EQ(error_code(r[2]), "invalid_request");
  EXPECT_TRUE(r[3].HasMember("data")) << to_json(r[3]);
  EXPECT_GT(text.size(), 3200000u);
}

TEST_F(LargeStatuses, ManyLargeListsStayWithinTheLimit) {
  std::string text = answer(request_of(R"({"command":"listDevices","product":"lamp","limit":1000})", 10));
  auto doc = parse_json(text, out_alloc);
  ASSERT_EQ(doc["responses"].Size(), 10u);
  for (const auto& r : doc["responses"].GetArray()) EXPECT_EQ(error_code(r), "invalid_request");
}

TEST_F(LargeStatuses, ARequestBuildsAtMostItsWorkBudgetOfAnswers) {
  // 100 pages that each read ~4 MiB before they are refused would build 400 MB.
  AdminContext ctx{store.readers(), &upgrades, presence, now, out};
  auto doc = parse_json(
      handle_admin_request(ctx, request_of(R"({"command":"listDevices","product":"lamp","limit":1000})", 100)),
      out_alloc);
  EXPECT_TRUE(ctx.work_ran_out);
  EXPECT_EQ(ctx.work_left, 0u);
  const auto& r = doc["responses"];
  ASSERT_EQ(r.Size(), 100u);
  int too_large = 0, too_much_work = 0;
  for (const auto& each : r.GetArray()) {
    std::string error = each["error"].GetString();
    too_large += error.rfind("response too large", 0) == 0;
    too_much_work += error.rfind("request too large", 0) == 0;
  }
  EXPECT_LE(too_large, static_cast<int>(kMaxAdminWorkBytes / kMaxAdminResponseBytes));
  EXPECT_EQ(too_large + too_much_work, 100);
}

TEST_F(AdminLimits, CommandWhoseCorrelationDataLeavesNoRoomDoesNotRun) {
  std::string huge(kMaxAdminResponseBytes, 'c');
  std::string command = std::string(kCreate).insert(1, "\"correlationData\":\"" + huge + "\",");
  auto doc = call(request_of(command, 1));
  const auto& r = doc["responses"][0];
  EXPECT_EQ(error_code(r), "invalid_request");
  EXPECT_FALSE(r.HasMember("correlationData"));
  EXPECT_EQ(job_count(), 0);
}

TEST_F(AdminLimits, StoredDataThatIsNotUtf8StillGivesAValidAnswer) {
  // As an older plugin, which checked no encoding, could have stored them.
  Statement(store.db(), "UPDATE devices SET status = ?2 WHERE device = ?1").with("d1", "{\"n\":\"\xff\"}").run();
  std::string id = one(std::string(kCreate).insert(1, R"("devices":["d1"],)"))["data"]["jobId"].GetString();
  auto e = *store.executions().find_execution(id, "d1");
  store.history().append_history(e.id, HistoryEntry{now, "progress", "downloading", 5, "", "bad \xc0\xaf desc"});
  store.database().begin();
  store.progress().append_progress({"lamp", "d1"}, "old", ProgressPayload{"firmware", "1.1", 5, "old \xff"}, now);
  store.database().commit();

  auto device = parse_json(answer(R"({"commands":[{"command":"getDevice","product":"lamp","device":"d1"},
                                                 {"command":"listDevices","product":"lamp"}]})"),
                           out_alloc);
  EXPECT_TRUE(device["responses"][0]["data"]["status"].IsNull());
  EXPECT_TRUE(device["responses"][1]["data"]["devices"][0]["status"].IsNull());
  EXPECT_STREQ(device["responses"][0]["data"]["recentProgress"][0]["desc"].GetString(), "old \xef\xbf\xbd");
  auto execution = parse_json(answer(R"({"commands":[{"command":"getExecution","jobId":")" + id +
                                     R"(","product":"lamp","device":"d1"}]})"),
                              out_alloc);
  EXPECT_STREQ(execution["responses"][0]["data"]["history"][0]["desc"].GetString(),
               "bad \xef\xbf\xbd\xef\xbf\xbd desc");
}

TEST_F(AdminLimits, GetExecutionPagesItsHistoryNewestFirst) {
  presence.opened(1, {"lamp", "d1"}, "lamp/d1");
  std::string id = one(std::string(kCreate).insert(1, R"("devices":["d1"],)"))["data"]["jobId"].GetString();
  auto e = *store.executions().find_execution(id, "d1");
  const int written = 950;  // and the "sent" entry createUpgrade wrote first: under the 1,000 kept
  for (int i = 0; i < written; ++i) {
    store.history().append_history(e.id, HistoryEntry{now + 1 + i, "progress", "downloading", i % 100, "", std::to_string(i)});
  }
  const std::string base = R"({"command":"getExecution","jobId":")" + id + R"(","product":"lamp","device":"d1")";
  auto first = one(base + "}");
  ASSERT_TRUE(first.HasMember("data")) << first["error"].GetString();
  EXPECT_EQ(first["data"]["history"].Size(), 100u);  // the default limit
  EXPECT_STREQ(first["data"]["history"][0]["desc"].GetString(), "949");

  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = one(base + R"(,"limit":400)" + (cursor.empty() ? "" : R"(,"cursor":")" + cursor + "\"") + "}");
    ASSERT_TRUE(page.HasMember("data"));
    for (const auto& h : page["data"]["history"].GetArray()) seen.push_back(h["event"].GetString() + std::string(":") +
                                                                            (h.HasMember("desc") ? h["desc"].GetString() : ""));
    cursor = page["data"].HasMember("cursor") ? page["data"]["cursor"].GetString() : "";
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), static_cast<size_t>(written + 1));
  EXPECT_EQ(seen.front(), "progress:949");
  EXPECT_EQ(seen[400], "progress:549");
  EXPECT_EQ(seen.back(), "state:");  // the oldest: the first send

  for (const char* bad : {R"(,"cursor":"x")", R"(,"cursor":"-1")", R"(,"cursor":"0")", R"(,"limit":1001)",
                          R"(,"limit":0)"}) {
    EXPECT_EQ(error_code(one(base + bad + "}")), "invalid_request") << bad;
  }
}

TEST_F(LargeStatuses, DeviceRowsAreReadOnlyUntilTheVisitStops) {
  int visited = 0;
  store.devices().visit_devices("lamp", "", 1000, std::nullopt, [&](DeviceRecord&& record) {
    EXPECT_FALSE(record.status.empty());
    return ++visited < 3;
  });
  EXPECT_EQ(visited, 3);
  // The statement was released: the next visit starts afresh.
  visited = 0;
  store.devices().visit_devices("lamp", "big298", 1000, std::nullopt, [&](DeviceRecord&&) { return ++visited > 0; });
  EXPECT_EQ(visited, 2);  // big299 and d1
}

}  // namespace
