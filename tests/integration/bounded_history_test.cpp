// SPEC "Bounded history": each device keeps its last progress_history progress
// reports and each execution its last 1,000 history entries, on a real broker.
#include <sqlite3.h>

#include "upgrade_fixture.h"

namespace ota_test {
namespace {

// One number from the plugin's database, read while the broker runs (WAL).
int64_t query_int(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  int64_t value = -1;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
      value = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return value;
}

// Whole progress reports the file holds for p1/{device}.
std::string whole_reports_of(const std::string& device) {
  return "SELECT COUNT(*) FROM progress_chunks c, json_each(c.reports) j WHERE c.product = 'p1' AND c.device = '" +
         device + "' AND json_extract(j.value, '$.type') IS NOT NULL";
}

class BoundedHistory : public UpgradeTest {
 protected:
  BrokerConfig config() override {
    auto c = UpgradeTest::config();
    c.plugin_opts.push_back({"progress_history", "10"});
    return c;
  }

  std::string progress(int n) {
    return R"({"type":"firmware","version":"1.1","progress":)" + std::to_string(n % 100) + "}";
  }
};

TEST_F(BoundedHistory, ADeviceKeepsExactlyItsLastProgressHistoryReports) {
  auto& dev = booted("d1").mqtt();
  for (int i = 0; i < 25; ++i) ASSERT_EQ(dev.publish("update_ota_status/p1/d1/m" + std::to_string(i), progress(i)), 0);
  ASSERT_TRUE(eventually([&] {
    auto r = get_device("p1", "d1");
    return r.HasMember("data") && r["data"]["recentProgress"].Size() > 0 &&
           r["data"]["recentProgress"][0]["messageId"] == "m24";
  })) << to_string(get_device("p1", "d1"));
  auto answer = get_device("p1", "d1");
  auto recent = answer["data"]["recentProgress"].GetArray();
  ASSERT_EQ(recent.Size(), 10u);
  for (rapidjson::SizeType i = 0; i < recent.Size(); ++i) {
    EXPECT_EQ(recent[i]["messageId"].GetString(), "m" + std::to_string(24 - i));
  }
  EXPECT_EQ(query_int(broker->db_path(), whole_reports_of("d1")), 10);
}

TEST_F(BoundedHistory, DuplicatesOlderThanTheKeptReportsAreStillRecognisedAfterARestart) {
  auto& dev = booted("d1").mqtt();
  for (int i = 0; i < 30; ++i) ASSERT_EQ(dev.publish("update_ota_status/p1/d1/m" + std::to_string(i), progress(i)), 0);
  restart();  // SIGTERM: everything accepted is committed
  auto& again = booted("d1").mqtt();
  // m5 is past the 10 reports kept, but its id is kept: a retransmission changes nothing.
  ASSERT_EQ(again.publish("update_ota_status/p1/d1/m5", progress(77)), 0);
  ASSERT_EQ(again.publish("update_ota_status/p1/d1/fresh", progress(55)), 0);
  ASSERT_TRUE(eventually([&] {
    auto r = get_device("p1", "d1");
    return r.HasMember("data") && r["data"]["recentProgress"][0]["messageId"] == "fresh";
  }));
  auto answer = get_device("p1", "d1");
  auto recent = answer["data"]["recentProgress"].GetArray();
  ASSERT_EQ(recent.Size(), 10u);
  EXPECT_STREQ(recent[1]["messageId"].GetString(), "m29");
}

TEST_F(BoundedHistory, AnExecutionKeepsItsLast1000HistoryEntries) {
  auto& d1 = booted("d1");
  std::string id = create_job(R"(,"devices":["d1"])");
  ASSERT_TRUE(d1.wait_command());
  // 1,010 progress reports: 1,010 "progress" entries, after "sent" and "downloading".
  for (int i = 1; i <= 1010; ++i) {
    // A report refused by back-pressure (a busy machine) is sent again, as a device does.
    ASSERT_TRUE(eventually([&] { return d1.progress("1.1", 10 + i % 50, "r" + std::to_string(i)) == 0; })) << i;
  }
  const std::string entries = "SELECT COUNT(*) FROM execution_history h JOIN executions e ON e.id = h.execution_id "
                              "WHERE e.job_id = '" + id + "' AND e.device = 'd1'";
  ASSERT_TRUE(eventually([&] { return query_int(broker->db_path(), entries + " AND h.desc = 'r1010'") == 1; }));
  EXPECT_EQ(query_int(broker->db_path(), entries), 1000);
  // The oldest kept is report 11: the two state entries and reports 1-10 are gone.
  EXPECT_EQ(query_int(broker->db_path(), entries + " AND h.desc = 'r11'"), 1);
  EXPECT_EQ(query_int(broker->db_path(), entries + " AND h.desc = 'r10'"), 0);
  EXPECT_EQ(query_int(broker->db_path(), entries + " AND h.event = 'state'"), 0);
}

}  // namespace
}  // namespace ota_test
