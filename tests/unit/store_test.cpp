#include "mosquitto_ota/store.h"

#include <gtest/gtest.h>

#include <chrono>

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

TEST(Store, ProgressHistorySpansCommitsNewestFirstAndSurvivesReopen) {
  TestDbFile f;
  const DeviceKey d1{"lamp", "d1"};
  {
    Store store(f.path);
    int at = 0;
    for (int commit = 0; commit < 3; ++commit) {  // three chunks of three reports
      store.begin();
      for (int i = 0; i < 3; ++i, ++at) {
        store.append_progress(d1, "m" + std::to_string(at), {"firmware", "1.1", at, at % 2 ? "" : "step"}, at);
      }
      store.append_progress({"lamp", "d2"}, "x" + std::to_string(commit), {"app", "2", 1, ""}, at);
      store.commit();
    }
  }
  Store store(f.path);
  auto h = store.recent_progress(d1, 5);
  ASSERT_EQ(h.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(h[static_cast<size_t>(i)].message_id, "m" + std::to_string(8 - i));
    EXPECT_EQ(h[static_cast<size_t>(i)].progress, 8 - i);
    EXPECT_EQ(h[static_cast<size_t>(i)].at, 8 - i);
    EXPECT_EQ(h[static_cast<size_t>(i)].desc, (8 - i) % 2 ? "" : "step");
  }
  EXPECT_EQ(store.recent_progress(d1, 100).size(), 9u);
  EXPECT_EQ(store.recent_progress_ids({"lamp", "d2"}, 100), (std::vector<std::string>{"x2", "x1", "x0"}));
}

TEST(Store, BufferedProgressIsReadBeforeCommitAndGoneAfterRollback) {
  TestDbFile f;
  Store store(f.path);
  const DeviceKey d1{"lamp", "d1"};
  store.begin();
  store.append_progress(d1, "kept", {"firmware", "1.1", 10, ""}, 1);
  store.commit();
  store.begin();
  store.append_progress(d1, "dropped", {"firmware", "1.1", 20, ""}, 2);
  EXPECT_EQ(store.recent_progress_ids(d1, 10), (std::vector<std::string>{"dropped", "kept"}));
  store.rollback();
  EXPECT_EQ(store.recent_progress_ids(d1, 10), (std::vector<std::string>{"kept"}));
  Store reader(f.path, Store::ReadOnly{});
  EXPECT_EQ(reader.recent_progress_ids(d1, 10), (std::vector<std::string>{"kept"}));
}

TEST(Store, ProgressReportsOfAVersion7DatabaseBecomeChunksInOrder) {
  TestDbFile f;
  {
    Db db(f.path);
    for (int v = 0; v < 7; ++v) db.exec(migrations()[static_cast<size_t>(v)].sql);
    db.exec("PRAGMA user_version = 7");
    db.exec("INSERT INTO progress_reports (product, device, message_id, type, version, progress, desc, at) VALUES "
            "('lamp','d1','a','firmware','1.1',10,'downloading',1), ('lamp','d2','z','app','2',5,NULL,2), "
            "('lamp','d1','b','firmware','1.1',-2,NULL,3)");
  }
  Store store(f.path);
  ASSERT_EQ(store.schema_version(), static_cast<int>(migrations().size()));
  auto h = store.recent_progress({"lamp", "d1"}, 10);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].message_id, "b");
  EXPECT_EQ(h[0].progress, -2);
  EXPECT_EQ(h[0].desc, "");
  EXPECT_EQ(h[1].message_id, "a");
  EXPECT_EQ(h[1].type, "firmware");
  EXPECT_EQ(h[1].version, "1.1");
  EXPECT_EQ(h[1].desc, "downloading");
  EXPECT_EQ(h[1].at, 1);
  EXPECT_EQ(store.recent_progress_ids({"lamp", "d2"}, 10), (std::vector<std::string>{"z"}));
  // New reports continue the migrated chain.
  store.begin();
  store.append_progress({"lamp", "d1"}, "c", {"firmware", "1.1", 50, ""}, 4);
  store.commit();
  EXPECT_EQ(store.recent_progress_ids({"lamp", "d1"}, 10), (std::vector<std::string>{"c", "b", "a"}));
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

TEST(Store, AStatusKeepsUnchangedVersionsAndDropsMissingOnes) {
  TestDbFile f;
  Store store(f.path);
  const DeviceKey d1{"lamp", "d1"};
  store.save_status(d1, "s1", status(R"({"firmware_ver":"1.0","app_ver":"1","os_ver":"7"})"), 1);
  store.save_status(d1, "s2", status(R"({"firmware_ver":"1.0","app_ver":"2"})"), 2);
  EXPECT_EQ(store.device_version(d1, "firmware_ver"), "1.0");
  EXPECT_EQ(store.device_version(d1, "app_ver"), "2");
  EXPECT_FALSE(store.device_version(d1, "os_ver"));
  EXPECT_TRUE(store.list_devices("lamp", "", 10, VersionFilter{"app_ver", "1"}).empty());
  EXPECT_EQ(store.list_devices("lamp", "", 10, VersionFilter{"app_ver", "2"}).size(), 1u);
  EXPECT_EQ(store.list_devices("lamp", "", 10, VersionFilter{"firmware_ver", "1.0"}).size(), 1u);
  EXPECT_TRUE(store.list_devices("lamp", "", 10, VersionFilter{"os_ver", "7"}).empty());
}

TEST(Store, AStatusWhoseEveryKeyChangedCostsLinearTime) {
  // 40,000 keys: ~1 s when linear, ~19 s when each key is searched for among
  // the others (bench/status_keys). The bound leaves room for a busy machine.
  TestDbFile f;
  Store store(f.path);
  const DeviceKey d1{"lamp", "d1"};
  auto many = [](const std::string& prefix, const std::string& value) {
    StatusPayload s;
    s.json = "{}";
    for (int i = 0; i < 40000; ++i) s.versions.push_back({prefix + std::to_string(i) + "_ver", value});
    return s;
  };
  store.save_status(d1, "s1", many("a", "1"), 1);
  auto t0 = std::chrono::steady_clock::now();
  store.begin();
  store.save_status(d1, "s2", many("a", "2"), 2);  // every value changed
  store.save_status(d1, "s3", many("b", "2"), 3);  // every name changed
  store.commit();
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(seconds, 10.0);
  EXPECT_EQ(store.device_version(d1, "b39999_ver"), "2");
  EXPECT_FALSE(store.device_version(d1, "a0_ver"));
  EXPECT_EQ(store.list_devices("lamp", "", 10, VersionFilter{"b0_ver", "2"}).size(), 1u);
}
