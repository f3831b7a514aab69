#include "mosquitto_ota/store.h"

#include <gtest/gtest.h>

#include "mosquitto_ota/schema.h"
#include "test_db.h"

using namespace ota;

namespace {

StatusPayload status(const std::string& json) { return *check_status(json).value; }

}  // namespace

TEST(Store, NewDatabaseGetsTheLatestSchemaInWalMode) {
  TestDbFile f;
  Store store(f.path);
  EXPECT_EQ(store.schema_version(), static_cast<int>(migrations().size()));
  Db db(f.path);
  Statement mode(db, "PRAGMA journal_mode");
  ASSERT_TRUE(mode.step());
  EXPECT_EQ(mode.text_at(0), "wal");
}

TEST(Store, DatabaseFromANewerPluginIsRefused) {
  TestDbFile f;
  {
    Db db(f.path);
    db.exec("PRAGMA user_version = 999");
  }
  try {
    Store store(f.path);
    FAIL() << "a newer database was opened";
  } catch (const SqliteError& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
}

TEST(Store, OlderDatabaseIsUpgradedInPlaceKeepingItsData) {
  TestDbFile f;
  {
    // A version-1 database with a device in it.
    Db db(f.path);
    db.exec(migrations()[0].sql);
    db.exec("PRAGMA user_version = 1");
    db.exec("INSERT INTO devices VALUES ('lamp','d1','{}',7)");
  }
  Store store(f.path);
  EXPECT_EQ(store.schema_version(), static_cast<int>(migrations().size()));
  ASSERT_TRUE(store.find_device({"lamp", "d1"}));
}

TEST(Store, StatusReplacesThePreviousOneAndSurvivesReopen) {
  TestDbFile f;
  {
    Store store(f.path);
    store.begin();
    store.save_status({"lamp", "d1"}, next_message_id(), status(R"({"firmware_ver":"1.0","app_ver":"1"})"), 10);
    store.save_status({"lamp", "d1"}, next_message_id(), status(R"({"firmware_ver":"1.1"})"), 20);
    store.commit();
  }
  Store store(f.path);
  auto d = store.find_device({"lamp", "d1"});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->status, R"({"firmware_ver":"1.1"})");
  EXPECT_EQ(d->status_at, 20);
  // The replaced status's versions are gone from the version index too.
  EXPECT_TRUE(store.list_devices("lamp", "", 10, VersionFilter{"app_ver", "1"}).empty());
  EXPECT_EQ(store.list_devices("lamp", "", 10, VersionFilter{"firmware_ver", "1.1"}).size(), 1u);
  EXPECT_FALSE(store.find_device({"lamp", "d2"}));
}

TEST(Store, RecentProgressIdsAreNewestFirst) {
  TestDbFile f;
  Store store(f.path);
  for (const char* id : {"a", "b", "c"}) store.append_progress({"lamp", "d1"}, id, {"firmware", "1.1", 10, ""}, 1);
  store.append_progress({"lamp", "d2"}, "x", {"firmware", "1.1", 10, ""}, 1);
  EXPECT_EQ(store.recent_progress_ids({"lamp", "d1"}, 2), (std::vector<std::string>{"c", "b"}));
}

TEST(Store, TheStatusItHoldsIsNotAppliedAgain) {
  TestDbFile f;
  Store store(f.path);
  EXPECT_TRUE(store.save_status({"lamp", "d1"}, "s1", status(R"({"app_ver":"1"})"), 1));
  EXPECT_FALSE(store.save_status({"lamp", "d1"}, "s1", status(R"({"app_ver":"1"})"), 2));
  EXPECT_EQ(store.find_device({"lamp", "d1"})->status_at, 1);
  EXPECT_TRUE(store.save_status({"lamp", "d1"}, "s2", status(R"({"app_ver":"2"})"), 3));
}

TEST(Store, ProgressHistoryIsNewestFirst) {
  TestDbFile f;
  Store store(f.path);
  store.append_progress({"lamp", "d1"}, "a", {"firmware", "1.1", 10, "downloading"}, 1);
  store.append_progress({"lamp", "d1"}, "b", {"firmware", "1.1", -2, ""}, 2);
  store.append_progress({"lamp", "d2"}, "c", {"firmware", "1.1", 50, ""}, 3);
  auto h = store.recent_progress({"lamp", "d1"}, 10);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].message_id, "b");
  EXPECT_EQ(h[0].progress, -2);
  EXPECT_EQ(h[1].desc, "downloading");
  EXPECT_EQ(store.recent_progress({"lamp", "d1"}, 1).size(), 1u);
}

TEST(Store, DevicesArePagedByNameWithinAProduct) {
  TestDbFile f;
  Store store(f.path);
  for (const char* name : {"c", "a", "b", "d"}) store.save_status({"lamp", name}, next_message_id(), status("{}"), 1);
  store.save_status({"fan", "a"}, next_message_id(), status("{}"), 1);
  auto first = store.list_devices("lamp", "", 3, std::nullopt);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0].key.device, "a");
  EXPECT_EQ(first[2].key.device, "c");
  auto rest = store.list_devices("lamp", "c", 3, std::nullopt);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].key.device, "d");
}
