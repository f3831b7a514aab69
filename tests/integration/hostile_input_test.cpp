// Hostile input on a real broker (SPEC "Hostile input, overload and faults":
// "Bounded parsing", "Bounded answers"): the broker stays up, refuses what is
// invalid, and every answer is valid UTF-8 JSON of at most 4 MiB.
#include <sqlite3.h>

#include <chrono>
#include <cstdio>

#include "fixture.h"

namespace ota_test {
namespace {

constexpr size_t kMaxResponseBytes = 4u << 20;

// Checked with RapidJSON's own encoding validation: an oracle independent of the plugin's.
bool is_valid_utf8_json(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  return !doc.HasParseError();
}

std::string nested(const std::string& open, const std::string& close, int levels) {
  std::string s;
  s.reserve(levels * (open.size() + close.size()));
  for (int i = 0; i < levels; ++i) s += open;
  for (int i = 0; i < levels; ++i) s += close;
  return s;
}

std::string commands_of(const std::string& command, int times) {
  std::string s = "{\"commands\":[";
  for (int i = 0; i < times; ++i) s += (i ? "," : "") + command;
  return s + "]}";
}

const char* kCreate =
    R"({"command":"createUpgrade","product":"p1","type":"firmware","version":"1.1",)"
    R"("url":"https://files.example.com/fw.bin","md5":"9e107d9d372bb6826bd81d3542a419d6","size":100})";

// Rows written straight into the plugin's database while the broker is stopped.
class Sql {
 public:
  explicit Sql(const std::string& path) { EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK); }
  ~Sql() { sqlite3_close(db_); }
  void exec(const char* sql) { EXPECT_EQ(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sql; }
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql, -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db_);
    return st;
  }
  void run(sqlite3_stmt* st) {
    EXPECT_EQ(sqlite3_step(st), SQLITE_DONE) << sqlite3_errmsg(db_);
    sqlite3_reset(st);
  }

 private:
  sqlite3* db_ = nullptr;
};

class HostileInput : public BrokerTest {
 protected:
  BrokerConfig config() override {
    auto c = default_config(dir.path());
    c.plugin_opts.push_back({"max_payload_bytes", "1048576"});
    return c;
  }

  // The response envelope, checked to be valid UTF-8 JSON within the limit.
  rapidjson::Document answer(const std::string& request, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    if (admins.empty()) admin();
    auto text = admins.front()->request(request, timeout);
    EXPECT_TRUE(text) << "no answer";
    if (!text) return rapidjson::Document();
    EXPECT_LE(text->size(), kMaxResponseBytes);
    EXPECT_TRUE(is_valid_utf8_json(*text)) << text->substr(0, 200);
    return parse(*text);
  }

  // Expects the request to be answered by one invalid_request with command "".
  void expect_refused_whole(const std::string& request, const std::string& error_part) {
    auto doc = answer(request);
    ASSERT_TRUE(doc.IsObject() && doc.HasMember("responses"));
    ASSERT_EQ(doc["responses"].Size(), 1u) << to_string(doc).substr(0, 300);
    const auto& r = doc["responses"][0];
    EXPECT_STREQ(r["command"].GetString(), "");
    EXPECT_EQ(error_code(r), "invalid_request");
    EXPECT_NE(std::string(r["error"].GetString()).find(error_part), std::string::npos) << r["error"].GetString();
  }

  void expect_alive() {
    ASSERT_TRUE(broker->running());
    auto r = answer(R"({"commands":[{"command":"listJobs"}]})");
    ASSERT_TRUE(r.IsObject());
    EXPECT_TRUE(r["responses"][0].HasMember("data"));
  }

};

TEST_F(HostileInput, AdminRequestNested150000DeepIsOneInvalidRequestAndTheBrokerStaysUp) {
  auto& a = admin();
  expect_refused_whole("{\"commands\":" + nested("[", "]", 150000) + "}", "nested deeper than 32 levels");
  expect_refused_whole("{\"commands\":[" + nested("{\"a\":", "}", 150000) + "]}", "nested deeper than 32 levels");
  EXPECT_TRUE(a.mqtt().connected());
  EXPECT_EQ(a.mqtt().disconnects(), 0);
  expect_alive();
}

TEST_F(HostileInput, StatusNestedDeepIsRefusedAndTheConnectionStaysUp) {
  auto& dev = device("p1/d1");
  const std::string deep = "{\"a\":" + nested("[", "]", 150000) + "}";  // 300 KB, under max_payload_bytes
  EXPECT_EQ(dev.publish("update_status/p1/d1/m1", deep), kNotAuthorized);
  EXPECT_EQ(dev.publish("update_ota_status/p1/d1/m2", "{\"desc\":" + nested("{\"a\":", "}", 100000) + "}"),
            kNotAuthorized);
  EXPECT_TRUE(broker->wait_for_log("nested deeper than 32 levels"));
  EXPECT_TRUE(dev.connected());
  EXPECT_EQ(dev.disconnects(), 0);
  ASSERT_EQ(dev.publish("update_status/p1/d1/m3", R"({"firmware_ver":"1.0"})"), 0);
  EXPECT_EQ(to_string(get_device("p1", "d1")["data"]["status"]), R"({"firmware_ver":"1.0"})");
}

TEST_F(HostileInput, DuplicateKeysAreRefusedInReportsAndRequests) {
  auto& dev = device("p1/d1");
  EXPECT_EQ(dev.publish("update_status/p1/d1/m1", R"({"j1_ver":"1.0","j1_ver":"2.0"})"), kNotAuthorized);
  EXPECT_EQ(dev.publish("update_ota_status/p1/d1/m2", R"({"type":"fw","version":"1","progress":1,"progress":100})"),
            kNotAuthorized);
  EXPECT_TRUE(broker->wait_for_log("duplicate member name \"j1_ver\""));
  EXPECT_EQ(error_code(get_device("p1", "d1")), "not_found");
  // Nothing of a request with a duplicate runs, not even its valid commands.
  std::string twice = std::string(kCreate).insert(1, R"("version":"9.9",)");
  expect_refused_whole("{\"commands\":[" + std::string(kCreate) + "," + twice + "]}", "duplicate member name");
  auto jobs = answer(R"({"commands":[{"command":"listJobs"}]})");
  EXPECT_EQ(jobs["responses"][0]["data"]["jobs"].Size(), 0u);
  EXPECT_TRUE(dev.connected());
}

TEST_F(HostileInput, InvalidUtf8IsRefusedAndAnswersStayValidUtf8) {
  auto& dev = device("p1/d1");
  ASSERT_EQ(dev.publish("update_status/p1/d1/m0", R"({"firmware_ver":"1.0","name":"caf\u00e9"})"), 0);
  for (const std::string& bad : {std::string("{\"n\":\"\xff\"}"), std::string("{\"n\":\"\\udc00\"}"),
                                 std::string("{\"n\":\"\xc0\xaf\"}"), std::string("{\"n\":\"a\\u0000b\"}")}) {
    EXPECT_EQ(dev.publish("update_status/p1/d1/m1", bad), kNotAuthorized) << bad;
  }
  EXPECT_TRUE(broker->wait_for_log("not valid UTF-8"));
  auto list = answer(R"({"commands":[{"command":"listDevices","product":"p1"}]})");
  ASSERT_EQ(list["responses"][0]["data"]["devices"].Size(), 1u);
  EXPECT_STREQ(list["responses"][0]["data"]["devices"][0]["status"]["name"].GetString(), "caf\xc3\xa9");
  // An admin command name that is not UTF-8 is never echoed.
  expect_refused_whole("{\"commands\":[{\"command\":\"getDevice\xff\"}]}", "not valid UTF-8");
  EXPECT_TRUE(dev.connected());
}

TEST_F(HostileInput, StatusThatAnOlderPluginStoredWithInvalidUtf8ReadsAsNull) {
  auto& dev = device("p1/d1");
  ASSERT_EQ(dev.publish("update_status/p1/d1/m0", R"({"firmware_ver":"1.0"})"), 0);
  ASSERT_TRUE(eventually([&] { return get_device("p1", "d1").HasMember("data"); }));
  clients.clear();
  admins.clear();
  broker->stop();
  {
    Sql sql(broker->db_path());
    sqlite3_stmt* st = sql.prepare("UPDATE devices SET status = ?1 WHERE product = 'p1' AND device = 'd1'");
    sqlite3_bind_text(st, 1, "{\"n\":\"\xff\"}", -1, SQLITE_TRANSIENT);
    sql.run(st);
    sqlite3_finalize(st);
  }
  ASSERT_TRUE(broker->start()) << broker->log();
  auto r = answer(R"({"commands":[{"command":"listDevices","product":"p1"},
                                  {"command":"getDevice","product":"p1","device":"d1"}]})");
  EXPECT_TRUE(r["responses"][0]["data"]["devices"][0]["status"].IsNull());
  EXPECT_TRUE(r["responses"][1]["data"]["status"].IsNull());
}

TEST_F(HostileInput, OverHundredCommandsIsOneInvalidRequestAndNothingRuns) {
  auto ok = answer(commands_of(R"({"command":"listJobs","limit":1})", 100));
  EXPECT_EQ(ok["responses"].Size(), 100u);
  device("p1/d1").publish("update_status/p1/d1/m0", R"({"firmware_ver":"1.0"})");
  expect_refused_whole(commands_of(kCreate, 101), "101 commands");
  auto jobs = answer(R"({"commands":[{"command":"listJobs"}]})");
  EXPECT_EQ(jobs["responses"][0]["data"]["jobs"].Size(), 0u);
}

class LargeAnswers : public HostileInput {
 protected:
  // 300 devices of product "big" with ~16 KB statuses (~4.8 MB in all), one of
  // them reported over MQTT, the rest written into the database.
  void SetUp() override {
    HostileInput::SetUp();
    const std::string pad(16000, 'x');
    auto& dev = device("p1/d1");
    ASSERT_EQ(dev.publish("update_status/p1/d1/big", R"({"firmware_ver":"1.0","pad":")" + pad + "\"}"), 0);
    ASSERT_TRUE(eventually([&] { return get_device("p1", "d1").HasMember("data"); }));
    clients.clear();
    admins.clear();
    broker->stop();
    {
      Sql sql(broker->db_path());
      sql.exec("BEGIN");
      sqlite3_stmt* st = sql.prepare("INSERT INTO devices (product, device, status, status_at) VALUES ('big', ?1, ?2, 1)");
      for (int i = 0; i < 300; ++i) {
        char name[16];
        snprintf(name, sizeof name, "d%03d", i);
        std::string status = R"({"firmware_ver":"1.0","n":)" + std::to_string(i) + R"(,"pad":")" + pad + "\"}";
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, status.c_str(), -1, SQLITE_TRANSIENT);
        sql.run(st);
      }
      sqlite3_finalize(st);
      sql.exec("COMMIT");
    }
    ASSERT_TRUE(broker->start()) << broker->log();
  }
};

TEST_F(LargeAnswers, HundredLargeListsAreAnsweredWithinFourMebibytes) {
  const auto t0 = std::chrono::steady_clock::now();
  auto all = answer(commands_of(R"({"command":"listDevices","product":"big","limit":1000})", 100),
                    std::chrono::seconds(60));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  ASSERT_TRUE(all.IsObject());
  ASSERT_EQ(all["responses"].Size(), 100u);
  // Each page is refused; once the request has built its 16 MiB of answers, the rest are not even read.
  int read_and_refused = 0;
  for (const auto& r : all["responses"].GetArray()) {
    EXPECT_EQ(error_code(r), "invalid_request");
    std::string error = r["error"].GetString();
    if (error == "response too large: page with limit/cursor") {
      ++read_and_refused;
    } else {
      EXPECT_EQ(error.rfind("request too large", 0), 0u) << error;
    }
  }
  EXPECT_LE(read_and_refused, 4);
  std::printf("100 x listDevices (limit 1000) over 300 x 16 KB statuses answered in %lld ms\n",
              static_cast<long long>(ms.count()));

  // Pages of 200 (~3.2 MB): the first fits, the others would pass the limit with it.
  auto pages = answer(commands_of(R"({"command":"listDevices","product":"big","limit":200})", 100),
                      std::chrono::seconds(60));
  ASSERT_EQ(pages["responses"].Size(), 100u);
  const auto& first = pages["responses"][0];
  ASSERT_TRUE(first.HasMember("data")) << to_string(first).substr(0, 300);
  EXPECT_EQ(first["data"]["devices"].Size(), 200u);
  EXPECT_EQ(first["data"]["devices"][199]["status"]["n"].GetInt(), 199);
  for (rapidjson::SizeType i = 1; i < 100; ++i) EXPECT_EQ(error_code(pages["responses"][i]), "invalid_request");
  // The cursor still pages on, and the status reported over MQTT reads back whole.
  std::string cursor = first["data"]["cursor"].GetString();
  auto rest = answer(R"({"commands":[{"command":"listDevices","product":"big","limit":200,"cursor":")" + cursor +
                     R"("},{"command":"getDevice","product":"p1","device":"d1"}]})");
  EXPECT_EQ(rest["responses"][0]["data"]["devices"].Size(), 100u);
  EXPECT_EQ(rest["responses"][1]["data"]["status"]["pad"].GetStringLength(), 16000u);
}

TEST_F(HostileInput, GetExecutionPagesAHistoryOfMoreThanAThousandEntries) {
  auto& dev = device("p1/d1");
  ASSERT_EQ(dev.publish("update_status/p1/d1/m0", R"({"firmware_ver":"1.0"})"), 0);
  auto created = answer(commands_of(std::string(kCreate).insert(1, R"("devices":["d1"],)"), 1));
  ASSERT_TRUE(created["responses"][0].HasMember("data")) << to_string(created);
  const std::string job = created["responses"][0]["data"]["jobId"].GetString();
  // Its first entry ("sent") is written by the plugin; 1,500 progress entries are added behind its back.
  ASSERT_TRUE(eventually([&] {
    auto r = answer(R"({"commands":[{"command":"getExecution","jobId":")" + job + R"(","product":"p1","device":"d1"}]})");
    return r["responses"][0]["data"]["history"].Size() == 1u;
  }));
  clients.clear();
  admins.clear();
  broker->stop();
  {
    Sql sql(broker->db_path());
    sql.exec("BEGIN");
    sqlite3_stmt* st = sql.prepare(
        "INSERT INTO execution_history (execution_id, at, event, state, progress, desc) "
        "SELECT id, ?2, 'progress', 'downloading', ?3, ?4 FROM executions WHERE job_id = ?1");
    for (int i = 0; i < 1500; ++i) {
      std::string desc = "step " + std::to_string(i);
      sqlite3_bind_text(st, 1, job.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(st, 2, 2000000000000 + i);
      sqlite3_bind_int(st, 3, i % 100);
      sqlite3_bind_text(st, 4, desc.c_str(), -1, SQLITE_TRANSIENT);
      sql.run(st);
    }
    sqlite3_finalize(st);
    sql.exec("COMMIT");
  }
  ASSERT_TRUE(broker->start()) << broker->log();

  const std::string get = R"({"command":"getExecution","jobId":")" + job + R"(","product":"p1","device":"d1")";
  auto first = answer("{\"commands\":[" + get + "}]}");
  const auto& page1 = first["responses"][0]["data"];
  ASSERT_EQ(page1["history"].Size(), 100u);  // the default limit
  EXPECT_STREQ(page1["history"][0]["desc"].GetString(), "step 1499");  // newest first

  auto big = answer("{\"commands\":[" + get + R"(,"limit":1000}]})");
  const auto& a = big["responses"][0]["data"];
  ASSERT_EQ(a["history"].Size(), 1000u);
  EXPECT_STREQ(a["history"][999]["desc"].GetString(), "step 500");
  auto next = answer("{\"commands\":[" + get + R"(,"limit":1000,"cursor":")" + a["cursor"].GetString() + "\"}]}");
  const auto& b = next["responses"][0]["data"];
  ASSERT_EQ(b["history"].Size(), 501u);
  EXPECT_STREQ(b["history"][499]["desc"].GetString(), "step 0");
  EXPECT_STREQ(b["history"][500]["state"].GetString(), "sent");  // the oldest
  EXPECT_FALSE(b.HasMember("cursor"));
  EXPECT_EQ(error_code(answer("{\"commands\":[" + get + R"(,"limit":1001}]})")["responses"][0]), "invalid_request");
}

}  // namespace
}  // namespace ota_test
