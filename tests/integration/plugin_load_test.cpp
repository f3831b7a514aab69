// Loading the plugin into the stock broker, and refusing bad configuration.
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "fixture.h"

namespace ota_test {
namespace {

TEST(PluginLoad, LoadsWithDefaultsAndSaysSo) {
  TempDir dir;
  BrokerProcess broker(dir.path(), default_config(dir.path()));
  ASSERT_TRUE(broker.start()) << broker.log();
  EXPECT_TRUE(broker.wait_for_log("mosquitto_ota: started, database " + dir.path() + "/ota.db (schema version"));
  EXPECT_TRUE(broker.wait_for_log("restricted to 1 admin username(s)"));
  broker.stop();
  EXPECT_TRUE(broker.wait_for_log("mosquitto_ota: stopped"));
}

TEST(PluginLoad, EveryBadOptionStopsTheBrokerNamingIt) {
  std::pair<std::string, std::string> bad[] = {
      {"flush_ms", "soon"},          {"resend_seconds", "0"}, {"max_resends", "-1"},
      {"max_payload_bytes", "1e9"},  {"acl_default", "deny"}, {"admin_usernames", ","},
      {"no_such_option", "1"},       {"progress_history", "5"},
  };
  for (const auto& [key, value] : bad) {
    TempDir dir;
    auto config = default_config(dir.path());
    config.plugin_opts.push_back({key, value});
    BrokerProcess broker(dir.path(), config);
    EXPECT_FALSE(broker.start()) << key;
    EXPECT_NE(broker.log().find("plugin_opt_" + key), std::string::npos) << broker.log();
  }
}

TEST(PluginLoad, DatabaseFromANewerVersionIsRefused) {
  TempDir dir;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() + "/ota.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  BrokerProcess broker(dir.path(), default_config(dir.path()));
  EXPECT_FALSE(broker.start());
  EXPECT_NE(broker.log().find("database schema version 999 is newer"), std::string::npos) << broker.log();
}

TEST(PluginLoad, PerListenerSettingsIsReportedLoudly) {
  TempDir dir;
  auto config = default_config(dir.path());
  config.first_lines = {"per_listener_settings true"};
  BrokerProcess broker(dir.path(), config);
  ASSERT_TRUE(broker.start()) << broker.log();
  EXPECT_TRUE(broker.wait_for_log("per_listener_settings is true")) << broker.log();
}

// What each thread's file descriptor table holds: thread name -> the files its descriptors name.
std::map<std::string, std::vector<std::string>> files_by_thread(int pid) {
  std::map<std::string, std::vector<std::string>> out;
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks)) {
    std::string name;
    std::getline(std::ifstream(task.path() / "comm"), name);
    std::error_code ec;
    for (const auto& fd : std::filesystem::directory_iterator(task.path() / "fd", ec)) {
      out[name].push_back(std::filesystem::read_symlink(fd.path(), ec).string());
    }
  }
  return out;
}

bool any_starts_with(const std::vector<std::string>& files, const std::string& prefix) {
  for (const auto& f : files) {
    if (f.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

// runtime/files_apart.h: the broker thread keeps a descriptor table of its own
// (Linux then skips a reference count on every socket call), and the worker's
// holds none of the broker's sockets or files (it would keep them open).
using FilesApart = BrokerTest;

TEST_F(FilesApart, TheWorkerKeepsItsFilesApartFromTheBrokerThread) {
  auto& lamp = device("p1/d7");
  auto files = files_by_thread(broker->pid());
  ASSERT_TRUE(files.count("mosquitto") && files.count("ota-worker") && files.count("ota-checkpoint"));
  const auto& broker_thread = files["mosquitto"];
  EXPECT_TRUE(any_starts_with(broker_thread, "socket:"));
  EXPECT_FALSE(any_starts_with(broker_thread, broker->db_path())) << "the broker thread holds the database";
  for (const char* thread : {"ota-worker", "ota-checkpoint"}) {
    EXPECT_TRUE(any_starts_with(files[thread], broker->db_path())) << thread;
    EXPECT_FALSE(any_starts_with(files[thread], "socket:")) << thread << " holds a socket";
    EXPECT_FALSE(any_starts_with(files[thread], dir.path() + "/broker.log")) << thread << " holds the log";
  }
  EXPECT_EQ(broker->log().find("file table of its own"), std::string::npos) << broker->log();
  // And the store works: a report is stored, a query answered.
  ASSERT_EQ(lamp.publish("update_status/p1/d7/m1", R"({"firmware_ver":"1.0"})"), 0);
  auto r = get_device("p1", "d7");
  ASSERT_TRUE(r.HasMember("data")) << to_string(r);
  EXPECT_STREQ(r["data"]["status"]["firmware_ver"].GetString(), "1.0");
}

// Under a seccomp profile that refuses unshare(2) (a container's, say) the
// worker shares the broker's table, as it did before, says so, and works.
class FilesShared : public BrokerTest {
  BrokerConfig config() override {
    auto c = default_config(dir.path());
    c.deny_unshare = true;
    return c;
  }
};

TEST_F(FilesShared, WhereUnshareIsRefusedTheWorkerSharesTheTableSaysSoAndWorks) {
  auto& lamp = device("p1/d7");
  EXPECT_TRUE(broker->wait_for_log("refused the worker a file table of its own")) << broker->log();
  auto files = files_by_thread(broker->pid());
  ASSERT_TRUE(files.count("mosquitto") && files.count("ota-worker"));
  EXPECT_TRUE(any_starts_with(files["ota-worker"], "socket:")) << "one table: the worker sees the broker's sockets";
  EXPECT_TRUE(any_starts_with(files["mosquitto"], broker->db_path()));
  ASSERT_EQ(lamp.publish("update_status/p1/d7/m1", R"({"firmware_ver":"1.0"})"), 0);
  auto r = get_device("p1", "d7");
  ASSERT_TRUE(r.HasMember("data")) << to_string(r);
  EXPECT_STREQ(r["data"]["status"]["firmware_ver"].GetString(), "1.0");
}

}  // namespace
}  // namespace ota_test
