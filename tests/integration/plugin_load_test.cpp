// Loading the plugin into the stock broker, and refusing bad configuration.
#include <sqlite3.h>

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

}  // namespace
}  // namespace ota_test
