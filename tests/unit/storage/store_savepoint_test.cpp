// Savepoints inside the worker's transaction: what an event wrote, and the
// progress reports it buffered, go back with it; they nest.
#include <gtest/gtest.h>

#include "storage/sqlite_store.h"
#include "test_db.h"

using namespace ota;

namespace {

StatusPayload status(const std::string& json) { return *check_status(json).value; }

std::vector<std::string> progress_ids(SqliteStore& store, const std::string& device) {
  return store.progress().recent_progress_ids({"lamp", device}, 10);
}

}  // namespace

TEST(StoreSavepoint, RollingBackUndoesTheWritesAndTheBufferedProgressSinceIt) {
  TestDbFile f;
  {
    SqliteStore store(f.path);
    store.database().begin();
    store.progress().append_progress({"lamp", "d1"}, "a", {"firmware", "1.1", 10, ""}, 1);
    store.database().savepoint();
    store.devices().save_status({"lamp", "d1"}, "s1", status(R"({"app_ver":"1"})"), 1);
    store.progress().append_progress({"lamp", "d1"}, "b", {"firmware", "1.1", 20, ""}, 2);
    store.progress().append_progress({"lamp", "d2"}, "c", {"firmware", "1.1", 20, ""}, 2);
    EXPECT_EQ(progress_ids(store, "d1"), (std::vector<std::string>{"b", "a"}));
    store.database().rollback_to();
    EXPECT_FALSE(store.devices().find_device({"lamp", "d1"}));
    EXPECT_EQ(progress_ids(store, "d1"), (std::vector<std::string>{"a"}));
    EXPECT_TRUE(progress_ids(store, "d2").empty());
    store.progress().append_progress({"lamp", "d1"}, "d", {"firmware", "1.1", 30, ""}, 3);
    store.database().commit();
  }
  SqliteStore store(f.path);
  EXPECT_EQ(progress_ids(store, "d1"), (std::vector<std::string>{"d", "a"}));
  EXPECT_TRUE(progress_ids(store, "d2").empty());  // no empty chunk either
  EXPECT_FALSE(store.devices().find_device({"lamp", "d1"}));
}

TEST(StoreSavepoint, SavepointsNestAndReleasingKeepsTheWrites) {
  TestDbFile f;
  {
    SqliteStore store(f.path);
    store.database().begin();
    store.database().savepoint();  // a request
    store.devices().save_status({"lamp", "d1"}, "s1", status(R"({"app_ver":"1"})"), 1);
    store.database().savepoint();  // its first command
    store.devices().save_status({"lamp", "d2"}, "s2", status(R"({"app_ver":"2"})"), 1);
    store.database().release();
    store.database().savepoint();  // its second command, which fails
    store.devices().save_status({"lamp", "d3"}, "s3", status(R"({"app_ver":"3"})"), 1);
    store.progress().append_progress({"lamp", "d3"}, "p", {"firmware", "1.1", 10, ""}, 1);
    store.database().rollback_to();
    store.database().release();
    store.database().commit();
  }
  SqliteStore store(f.path);
  EXPECT_TRUE(store.devices().find_device({"lamp", "d1"}));
  EXPECT_TRUE(store.devices().find_device({"lamp", "d2"}));
  EXPECT_FALSE(store.devices().find_device({"lamp", "d3"}));
  EXPECT_TRUE(progress_ids(store, "d3").empty());
}
