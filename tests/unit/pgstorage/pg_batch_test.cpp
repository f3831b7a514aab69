// Reports held back within a transaction and written many per statement
// (pgstorage/pg_progress.h, pg_devices.h): held until a statement needs them,
// seen by every read of the transaction, undone with a savepoint, trimmed as
// one at a time would be, and a batch that cannot be written fails the commit
// as a storage fault, which the worker retries.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "broker_process.h"
#include "pg_server.h"
#include "pgstorage/pg_store.h"
#include "store/recent_messages.h"
#include "worker_helpers.h"

namespace ota {
namespace {

using ota_test::test_pg_server;

StatusPayload status_with(const std::string& version) {
  return {R"({"v":")" + version + "\"}", {{"v", version}}};
}

ProgressPayload progress_of(int percent) { return {"firmware", "2.0", percent, "step " + std::to_string(percent)}; }

// Rows as the table holds them, without flushing what is held back.
int64_t rows_written(PgStore& store, const std::string& table) {
  return store.database().connection().query_direct("SELECT COUNT(*) FROM " + table).int_at(0, 0);
}

TEST(PgBatch, ReportsAreHeldBackUntilAStatementNamingTheirTablesRuns) {
  PgStore store(test_pg_server().create_database());
  auto repos = store.repositories();
  repos.transactions.begin();
  for (int i = 0; i < 10; ++i) {
    repos.progress.append_progress({"lamp", "d" + std::to_string(i % 3)}, "p" + std::to_string(i), progress_of(i), i);
  }
  EXPECT_TRUE(repos.devices.save_status({"lamp", "a"}, "m1", status_with("1"), 1));
  EXPECT_EQ(rows_written(store, "progress_reports"), 0);
  EXPECT_EQ(rows_written(store, "devices"), 0);
  // Another repository's statement over the devices (a fleet's chunk) sees the status.
  EXPECT_EQ(repos.executions.fleet_chunk_end("lamp", "", 1), "a");
  EXPECT_EQ(rows_written(store, "devices"), 1);
  EXPECT_EQ(rows_written(store, "device_versions"), 1);
  EXPECT_EQ(rows_written(store, "progress_reports"), 0) << "the progress reports were not needed";
  EXPECT_EQ(store.database().connection().query("SELECT COUNT(*) FROM progress_reports").int_at(0, 0), 10);
  repos.transactions.commit();
}

TEST(PgBatch, ReadsInTheTransactionSeeWhatIsHeldBack) {
  PgStore store(test_pg_server().create_database());
  auto repos = store.repositories();
  const DeviceKey d{"lamp", "d1"}, other{"lamp", "d2"};
  repos.transactions.begin();
  repos.progress.append_progress(other, "q1", progress_of(5), 1);
  EXPECT_TRUE(repos.progress.recent_progress_ids(d, 10).empty());
  EXPECT_EQ(rows_written(store, "progress_reports"), 0) << "a read of one device leaves the others' held back";
  repos.progress.append_progress(d, "p1", progress_of(10), 2);
  repos.progress.append_progress(d, "p2", progress_of(20), 3);
  auto recent = repos.progress.recent_progress(d, 10);
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].message_id, "p2");
  EXPECT_EQ(recent[0].desc, "step 20");
  EXPECT_EQ(recent[1].at, 2);

  EXPECT_TRUE(repos.devices.save_status(d, "m1", {R"({"v":"1","w":"x"})", {{"v", "1"}, {"w", "x"}}}, 10));
  EXPECT_TRUE(repos.devices.save_status(d, "m2", status_with("2"), 11));  // the last status of a device wins
  EXPECT_TRUE(repos.devices.is_known(d));
  EXPECT_EQ(repos.devices.device_version(d, "v"), "2");
  EXPECT_FALSE(repos.devices.device_version(d, "w"));
  EXPECT_EQ(repos.devices.find_device(d)->status_at, 11);
  EXPECT_EQ(repos.devices.list_devices("lamp", "", 10, VersionFilter{"v", "2"}).size(), 1u);
  repos.transactions.commit();
  EXPECT_EQ(store.readers().devices.find_device(d)->status, R"({"v":"2"})");
}

TEST(PgBatch, AStatusIsAppliedOncePerMessageIdWhetherHeldBackOrWritten) {
  PgStore store(test_pg_server().create_database());
  auto repos = store.repositories();
  const DeviceKey d{"lamp", "d1"};
  repos.transactions.begin();
  EXPECT_TRUE(repos.devices.save_status(d, "m1", status_with("1"), 1));
  EXPECT_FALSE(repos.devices.save_status(d, "m1", status_with("9"), 2));  // held back
  EXPECT_TRUE(repos.devices.save_status(d, "m2", status_with("2"), 3));
  EXPECT_TRUE(repos.devices.save_status(d, "m1", status_with("3"), 4));  // not the id it holds now
  repos.transactions.commit();
  repos.transactions.begin();
  EXPECT_FALSE(repos.devices.save_status(d, "m1", status_with("9"), 5));  // written
  EXPECT_EQ(repos.devices.device_version(d, "v"), "3");
  repos.transactions.commit();
  // Outside a transaction, each one is written at once.
  EXPECT_TRUE(repos.devices.save_status(d, "m4", status_with("4"), 6));
  EXPECT_FALSE(repos.devices.save_status(d, "m4", status_with("9"), 7));
  EXPECT_EQ(store.readers().devices.find_device(d)->status_at, 6);
}

TEST(PgBatch, RollingBackToASavepointDropsWhatWasHeldBackSinceAndKeepsWhatCameBefore) {
  PgStore store(test_pg_server().create_database());
  auto repos = store.repositories();
  const DeviceKey d{"lamp", "d1"};
  repos.transactions.begin();
  repos.devices.save_status(d, "m1", status_with("1"), 1);
  repos.progress.append_progress(d, "p1", progress_of(10), 1);  // held back when the savepoint comes
  repos.transactions.savepoint();
  EXPECT_TRUE(repos.devices.save_status(d, "m2", status_with("2"), 2));
  repos.progress.append_progress(d, "p2", progress_of(20), 2);
  EXPECT_EQ(repos.progress.recent_progress_ids(d, 10).size(), 2u);  // written inside the savepoint
  repos.progress.append_progress(d, "p3", progress_of(30), 3);
  repos.transactions.rollback_to();
  EXPECT_EQ(repos.progress.recent_progress_ids(d, 10), (std::vector<std::string>{"p1"}));
  EXPECT_EQ(repos.devices.device_version(d, "v"), "1");
  // What the transaction knew of the device's status went back too.
  EXPECT_FALSE(repos.devices.save_status(d, "m1", status_with("9"), 4));
  EXPECT_TRUE(repos.devices.save_status(d, "m2", status_with("2"), 5));
  repos.transactions.commit();
  EXPECT_EQ(store.readers().progress.recent_progress(d, 10).size(), 1u);
  EXPECT_EQ(store.readers().devices.find_device(d)->status_at, 5);

  repos.transactions.begin();
  repos.progress.append_progress(d, "p4", progress_of(40), 6);
  repos.devices.save_status({"lamp", "d2"}, "m", status_with("1"), 6);
  repos.transactions.rollback();
  repos.transactions.begin();
  EXPECT_EQ(repos.progress.recent_progress_ids(d, 10), (std::vector<std::string>{"p1"}));
  EXPECT_FALSE(repos.devices.is_known({"lamp", "d2"}));
  repos.transactions.commit();
}

// Several devices, interleaved, in transactions of every size: each keeps its
// last reports whole and the ids of its last thousand, in the order they
// came, and its counts match its rows.
TEST(PgBatch, BatchesAreTrimmedAsReportsOneAtATimeWouldBe) {
  const int keep = 3;
  PgStore store(test_pg_server().create_database(), keep);
  auto repos = store.repositories();
  const std::vector<DeviceKey> devices{{"lamp", "a"}, {"lamp", "b"}, {"fan", "a"}};
  std::vector<std::vector<std::string>> sent(devices.size());
  int n = 0;
  for (int batch : {1, 2, 700, 5, 1500, 1200, 40}) {
    repos.transactions.begin();
    for (int i = 0; i < batch; ++i, ++n) {
      const size_t which = static_cast<size_t>(n * 7 % 5 % 3);  // uneven, interleaved
      const std::string id = "p" + std::to_string(n);
      repos.progress.append_progress(devices[which], id, progress_of(n % 100), n);
      sent[which].push_back(id);
    }
    repos.transactions.commit();
  }
  PgConnection& c = store.database().connection();
  for (size_t k = 0; k < devices.size(); ++k) {
    const DeviceKey& d = devices[k];
    const size_t kept = std::min(sent[k].size(), kRecentIdsPerDevice);
    const std::vector<std::string> newest_first(sent[k].rbegin(), sent[k].rbegin() + static_cast<std::ptrdiff_t>(kept));
    EXPECT_EQ(repos.progress.recent_progress_ids(d, 5000), newest_first) << d.device;
    auto whole = repos.progress.recent_progress(d, 10);
    ASSERT_EQ(whole.size(), static_cast<size_t>(keep));
    for (size_t i = 0; i < whole.size(); ++i) EXPECT_EQ(whole[i].message_id, newest_first[i]);
    PgResult counts = c.query(
        "SELECT h.n_reports, h.n_entries, (SELECT COUNT(*) FILTER (WHERE whole) FROM progress_reports r "
        "WHERE r.product = h.product AND r.device = h.device), (SELECT COUNT(*) FROM progress_reports r "
        "WHERE r.product = h.product AND r.device = h.device) FROM progress_heads h WHERE product = $1 AND device = $2",
        d.product, d.device);
    EXPECT_EQ(counts.int_at(0, 0), keep);
    EXPECT_EQ(counts.int_at(0, 0), counts.int_at(0, 2));
    EXPECT_EQ(counts.int_at(0, 1), static_cast<int64_t>(kept));
    EXPECT_EQ(counts.int_at(0, 1), counts.int_at(0, 3));
  }
  ASSERT_GT(sent[0].size(), kRecentIdsPerDevice) << "the test must trim ids too";
}

TEST(PgBatch, ATextThatIsNotUtf8FailsItsReportAloneAndIsNotHeldBack) {
  PgStore store(test_pg_server().create_database());
  auto repos = store.repositories();
  repos.transactions.begin();
  repos.progress.append_progress({"lamp", "d1"}, "p1", progress_of(10), 1);
  try {
    repos.progress.append_progress({"lamp", "d1"}, "p2", {"firmware", "2.0", 20, "bad \xff byte"}, 2);
    FAIL() << "held back";
  } catch (const PgError& e) {
    EXPECT_FALSE(e.storage_fault());
    EXPECT_EQ(e.sqlstate, "22021");
  }
  EXPECT_THROW(repos.devices.save_status({"lamp", "d1"}, "m1", status_with("\xc3"), 1), PgError);
  repos.transactions.commit();
  EXPECT_EQ(store.readers().progress.recent_progress({"lamp", "d1"}, 10).size(), 1u);
  EXPECT_FALSE(store.readers().devices.is_known({"lamp", "d1"}));
}

// A rule of the table's that the reports break, added by another connection:
// what is held back fails when it is written.
void refuse_progress_from(const std::string& url, int percent) {
  PgConnection(url).exec("ALTER TABLE progress_reports ADD CONSTRAINT test_refuses CHECK (progress < " +
                         std::to_string(percent) + ")");
}

TEST(PgBatch, ABatchThatCannotBeWrittenFailsTheCommitAsAStorageFaultAndLeavesNothing) {
  const std::string url = test_pg_server().create_database();
  PgStore store(url);
  refuse_progress_from(url, 50);
  auto repos = store.repositories();
  const DeviceKey d{"lamp", "d1"};
  repos.transactions.begin();
  repos.devices.save_status(d, "m1", status_with("1"), 1);
  repos.progress.append_progress(d, "p1", progress_of(10), 1);
  repos.progress.append_progress(d, "p2", progress_of(60), 2);
  try {
    repos.transactions.commit();
    FAIL() << "committed";
  } catch (const PgError& e) {
    EXPECT_TRUE(e.storage_fault()) << e.what();
    EXPECT_EQ(e.sqlstate, "23514") << e.what();  // check_violation
  }
  repos.transactions.rollback();  // as the worker does; nothing is left to roll back
  EXPECT_FALSE(store.readers().devices.is_known(d));
  repos.transactions.begin();
  EXPECT_TRUE(repos.progress.recent_progress_ids(d, 10).empty());
  EXPECT_TRUE(repos.devices.save_status(d, "m1", status_with("1"), 1)) << "what the transaction knew went with it";
  // Inside a savepoint, the write fails at its release: that savepoint's work
  // alone (an event's), not a storage fault; what came before it stays.
  repos.transactions.savepoint();
  repos.progress.append_progress(d, "p2", progress_of(60), 2);
  try {
    repos.transactions.release();
    FAIL() << "released";
  } catch (const PgError& e) {
    EXPECT_FALSE(e.storage_fault()) << e.what();
  }
  repos.transactions.rollback_to();
  repos.transactions.commit();
  EXPECT_TRUE(store.readers().devices.is_known(d));
  EXPECT_TRUE(store.readers().progress.recent_progress(d, 10).empty());
}

TEST(PgBatch, TheWorkerKeepsABatchThatCannotBeWrittenAndCommitsItOnceItCan) {
  using namespace ota_test_worker;
  const std::string url = test_pg_server().create_database();
  Options o;
  o.flush_ms = 50;
  o.db_url = url;
  Worker worker(std::make_unique<PgStore>(url), o);
  refuse_progress_from(url, 50);
  Handed handed;
  // Leading, it applies its reports itself, in its transactions (before, they
  // are relayed, and applied from the inbox one by one when a chunk fails).
  ASSERT_TRUE(ota_test::eventually([&] {
    handed.take(worker);
    return handed.logged("leads the brokers sharing the database");
  }));
  ASSERT_TRUE(worker.submit(progress_report("p1", 10)));
  ASSERT_TRUE(worker.submit(progress_report("p2", 60)));
  ASSERT_TRUE(ota_test::eventually([&] {
    handed.take(worker);
    return handed.logged("mosquitto_ota: cannot write the database");
  }));
  EXPECT_TRUE(handed.logged("check constraint")) << "the log says why";
  PgConnection(url).exec("ALTER TABLE progress_reports DROP CONSTRAINT test_refuses");
  ASSERT_TRUE(ota_test::eventually([&] {
    handed.take(worker);
    return handed.logged("writing the database works again");
  }));
  worker.stop();
  EXPECT_TRUE(worker.all_committed());
  PgStore reader(url);
  EXPECT_EQ(reader.readers().progress.recent_progress({"lamp", "d1"}, 10).size(), 2u);
}

}  // namespace
}  // namespace ota
