#include "storage/checkpointer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>

#include "test_db.h"

using namespace ota;

namespace {

int64_t wal_frames(const std::string& path, int page_size) {
  struct stat st {};
  if (stat((path + "-wal").c_str(), &st) != 0) return 0;
  return (st.st_size - 32) / (page_size + 24);
}

// Commits one small row at a time, pausing between groups as the worker does.
void write(Db& db, int commits) {
  Statement insert(db, "INSERT INTO t VALUES (?1)");
  for (int i = 0; i < commits; ++i) {
    insert.with(i).run();
    if (i % 100 == 99) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

Db& wal_db(Db& db) {
  db.exec("PRAGMA page_size = 1024");
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("CREATE TABLE t (x)");
  return db;
}

}  // namespace

TEST(Checkpointer, KeepsTheWalSmallWithoutTheWritersCommitsDoingIt) {
  TestDbFile f;
  Db db(f.path);
  Checkpointer checkpointer(wal_db(db));
  write(db, 6000);
  EXPECT_LT(wal_frames(f.path, 1024), 2 * Checkpointer::kFrames);
}

TEST(Checkpointer, WithoutItTheWalWouldGrow) {  // what the test above would see without it
  TestDbFile f;
  Db db(f.path);
  wal_db(db);
  sqlite3_wal_hook(db.handle(), [](void*, sqlite3*, const char*, int) { return SQLITE_OK; }, nullptr);
  write(db, 6000);
  EXPECT_GT(wal_frames(f.path, 1024), 4 * Checkpointer::kFrames);
}
