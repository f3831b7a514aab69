// SPEC "A store that cannot write says so": a database that cannot be opened
// for writing at start (missing directory, read-only file, wrong owner) stops
// the broker with a log line naming plugin_opt_db_path and the reason.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "fixture.h"

namespace ota_test {
namespace {

// Started as root, Mosquitto switches to its `user` before it loads plugins (to
// `mosquitto` in production), so file modes bind the plugin as they bind any
// non-root run; root itself ignores them. Everything but the database stays
// usable by that user: the broker's directory (its log) and a copy of the plugin.
BrokerConfig as_nobody(const TempDir& dir) {
  chmod(dir.path().c_str(), 0777);
  const std::string plugin = dir.path() + "/mosquitto_ota.so";
  std::filesystem::copy_file(built_plugin_path(), plugin);
  chmod(plugin.c_str(), 0755);
  auto c = default_config(dir.path());
  c.plugin_path = plugin;
  c.user = "nobody";
  return c;
}

// A database the plugin made (latest schema: nothing to migrate, so nothing
// written at start unless the plugin tries), copied to `path`.
void make_database(const std::string& path) {
  TempDir seed;
  BrokerProcess broker(seed.path(), default_config(seed.path()));
  ASSERT_TRUE(broker.start()) << broker.log();
  broker.stop();
  std::filesystem::copy_file(seed.path() + "/ota.db", path);
}

// The broker stopped at start, saying which option and why.
void expect_refused(BrokerProcess& broker, const std::string& db_path, const std::string& reason) {
  EXPECT_FALSE(broker.start()) << broker.log();
  EXPECT_NE(broker.log().find("mosquitto_ota: cannot use database " + db_path + " (plugin_opt_db_path): "),
            std::string::npos)
      << broker.log();
  EXPECT_NE(broker.log().find(reason), std::string::npos) << broker.log();
  EXPECT_EQ(broker.log().find("mosquitto_ota: started"), std::string::npos) << broker.log();
}

TEST(DatabaseAccess, TheBrokersOwnUserUsesAWritableDatabase) {
  // The setup of the tests below works: only the database's mode stops them.
  TempDir dir;
  auto config = as_nobody(dir);
  make_database(dir.path() + "/ota.db");
  chmod((dir.path() + "/ota.db").c_str(), 0666);
  BrokerProcess broker(dir.path(), config);
  ASSERT_TRUE(broker.start()) << broker.log();
  EXPECT_TRUE(broker.wait_for_log("mosquitto_ota: started")) << broker.log();
}

TEST(DatabaseAccess, AMissingDirectoryStopsTheBroker) {
  TempDir dir;
  auto config = default_config(dir.path());
  const std::string path = dir.path() + "/missing/dir/ota.db";
  config.plugin_opts[0] = {"db_path", path};
  BrokerProcess broker(dir.path(), config);
  expect_refused(broker, path, "directory " + dir.path() + "/missing/dir does not exist");
}

TEST(DatabaseAccess, AReadOnlyFileStopsTheBroker) {
  TempDir dir;
  auto config = as_nobody(dir);
  const std::string path = dir.path() + "/ota.db";
  make_database(path);
  chmod(path.c_str(), 0444);
  BrokerProcess broker(dir.path(), config);
  expect_refused(broker, path, path + " is not readable and writable by uid ");
}

TEST(DatabaseAccess, AFileOfAnotherUserStopsTheBroker) {
  if (geteuid() != 0) GTEST_SKIP() << "only root can give the file to another user";
  TempDir dir;
  auto config = as_nobody(dir);
  const std::string path = dir.path() + "/ota.db";
  make_database(path);
  chmod(path.c_str(), 0600);  // root's, as a broker once run as root leaves it
  BrokerProcess broker(dir.path(), config);
  expect_refused(broker, path, path + " is not readable and writable by uid 65534 (nobody) (owner uid 0, mode 0600)");
}

TEST(DatabaseAccess, AFileInAReadOnlyDirectoryStopsTheBroker) {
  // SQLite must create the -wal and -shm files next to the database.
  TempDir dir;
  auto config = as_nobody(dir);
  const std::string ro = dir.path() + "/ro";
  const std::string path = ro + "/ota.db";
  mkdir(ro.c_str(), 0755);
  make_database(path);
  chmod(path.c_str(), 0666);
  chmod(ro.c_str(), 0555);
  config.plugin_opts[0] = {"db_path", path};
  BrokerProcess broker(dir.path(), config);
  expect_refused(broker, path, "directory " + ro + " is not writable by uid ");
  chmod(ro.c_str(), 0755);  // for the clean-up of a non-root run
}

TEST(DatabaseAccess, ADirectoryAsTheDatabaseStopsTheBroker) {
  TempDir dir;
  auto config = default_config(dir.path());
  const std::string path = dir.path() + "/db";
  mkdir(path.c_str(), 0755);
  config.plugin_opts[0] = {"db_path", path};
  BrokerProcess broker(dir.path(), config);
  expect_refused(broker, path, path + " is a directory");
}

}  // namespace
}  // namespace ota_test
