// A store that cannot write says so (SPEC "Hostile input, overload and
// faults"): when writes fail at run time (here the database may not grow, as
// on a full disk), reports are refused instead of acknowledged, what was
// accepted is kept and retried, the log says when writing fails and when it
// works again, and the end says truthfully whether all was committed.
#include <gtest/gtest.h>

#include "worker_helpers.h"

using namespace ota;
using namespace ota_test_worker;

namespace {

// A database that may not grow past its size, with pages the test can free.
std::unique_ptr<SqliteStore> full_store(const std::string& path) {
  {
    SqliteStore s(path);
    s.db().exec("CREATE TABLE filler (b BLOB)");
    s.db().exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) "
                "INSERT INTO filler SELECT randomblob(15000) FROM n");
  }
  auto store = std::make_unique<SqliteStore>(path);
  Statement pages(store->db(), "PRAGMA page_count");
  pages.step();
  const int64_t n = pages.int_at(0);
  pages.finish();
  store->db().exec("PRAGMA max_page_count = " + std::to_string(n));  // a number, never input
  return store;
}

Report big_status(int i) {
  return status_report("d" + std::to_string(i), "m" + std::to_string(i),
                       R"({"app_ver":"1","note":")" + std::string(900, 'x') + "\"}");
}

// Submits statuses of new devices until `refusals` were refused; returns the accepted ones.
std::vector<int> submit_until_refused(Worker& worker, int& next, int refusals) {
  std::vector<int> accepted;
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (refusals > 0 && Clock::now() < deadline) {
    if (worker.submit(big_status(next))) {
      accepted.push_back(next);
    } else {
      --refusals;
    }
    ++next;
    if (next % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return accepted;
}

bool wait_logged(Worker& worker, Handed& handed, const std::string& text) {
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!handed.logged(text) && Clock::now() < deadline) {
    handed.take(worker);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return handed.logged(text);
}

}  // namespace

TEST(StoreFailure, ReportsAreRefusedWhileItCannotWriteAndNothingAcceptedIsLost) {
  TestDbFile f;
  Options o;
  o.flush_ms = 50;
  o.db_path = f.path;
  Worker worker(full_store(f.path), o);
  Handed handed;
  int next = 1;
  std::vector<int> accepted = submit_until_refused(worker, next, 20);
  ASSERT_TRUE(wait_logged(worker, handed, "mosquitto_ota: cannot write the database " + f.path + ": "));
  EXPECT_TRUE(handed.logged("Reports are refused until it works again"));
  // Refused at once while it cannot write: no wait for room.
  const auto waits = worker.stats().waits;
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(worker.submit(big_status(next++)));
  EXPECT_EQ(worker.stats().waits, waits);
  // An admin request meanwhile is kept, and answered once it can write.
  worker.submit(admin_request(R"({"command":"getDevice","product":"lamp","device":"d1"})"));
  EXPECT_FALSE(worker.idle());

  {
    Db other(f.path);
    other.exec("DELETE FROM filler");  // room again: the freed pages are reused
  }
  ASSERT_TRUE(wait_logged(worker, handed, "mosquitto_ota: writing the database works again"));
  auto answer = handed.wait_publish(worker, "resp");
  ASSERT_TRUE(answer);
  EXPECT_NE(answer->find("\"status\""), std::string::npos) << *answer;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  bool again = false;
  while (!again && Clock::now() < deadline) {
    again = worker.submit(big_status(next));
    if (again) accepted.push_back(next);
    ++next;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(again);  // reports are accepted again
  worker.stop();
  EXPECT_TRUE(worker.all_committed());
  EXPECT_GT(worker.stats().refused, 0u);

  SqliteStore reader(f.path, SqliteStore::ReadOnly{});
  int missing = 0;
  for (int i : accepted) missing += !reader.devices().find_device({"lamp", "d" + std::to_string(i)});
  EXPECT_EQ(missing, 0) << accepted.size() << " accepted";
}

TEST(StoreFailure, StoppingWhileItStillCannotWriteSaysWhatWasNotCommitted) {
  TestDbFile f;
  Options o;
  o.flush_ms = 50;
  o.db_path = f.path;
  auto worker = std::make_unique<Worker>(full_store(f.path), o);
  Handed handed;
  int next = 1;
  // Until the store fails: a refusal may also come first from a busy machine's back-pressure.
  std::vector<int> accepted;
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (!handed.logged("mosquitto_ota: cannot write the database ") && Clock::now() < deadline) {
    auto more = submit_until_refused(*worker, next, 1);
    accepted.insert(accepted.end(), more.begin(), more.end());
    handed.take(*worker);
  }
  ASSERT_TRUE(handed.logged("mosquitto_ota: cannot write the database "));
  ASSERT_FALSE(accepted.empty());
  worker->stop();
  handed.take(*worker);
  EXPECT_FALSE(worker->all_committed());
  EXPECT_GT(worker->stats().lost_reports, 0u);
  EXPECT_TRUE(handed.logged("stopping with the database still not writable: ")) << handed.logs.size();
}

TEST(StoreFailure, ADatabaseFileRemovedWhileOpenIsAFailureNotASilentLoss) {
  TestDbFile f;
  Options o;
  o.flush_ms = 20;
  o.db_path = f.path;
  Worker worker(std::make_unique<SqliteStore>(f.path), o);
  Handed handed;
  ASSERT_TRUE(worker.submit(status_report("d1", "m1", R"({"app_ver":"1"})")));
  ASSERT_TRUE(wait_idle(worker));
  unlink(f.path.c_str());  // SQLite would go on writing to the deleted file
  worker.submit(status_report("d2", "m2", R"({"app_ver":"2"})"));
  ASSERT_TRUE(wait_logged(worker, handed, "cannot write the database " + f.path + ": the database file was removed"));
  EXPECT_FALSE(worker.submit(status_report("d3", "m3", R"({"app_ver":"3"})")));
  worker.stop();
  EXPECT_FALSE(worker.all_committed());
}
