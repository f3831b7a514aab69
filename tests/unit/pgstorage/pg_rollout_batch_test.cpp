// What a rollout writes and reads on PostgreSQL within a transaction
// (pgstorage/pg_executions.h, pg_history.h, pg_jobs.h, pg_cluster.h): held
// until a statement needs it or the commit, seen at once by the transaction's
// own reads (those answered from what the transaction already read too),
// forgotten with a savepoint rolled back to, and the same once committed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pg_server.h"
#include "pgstorage/pg_rows.h"
#include "pgstorage/pg_store.h"
#include "store/test_records.h"

namespace ota {
namespace {

using ota_test::test_pg_server;

// Rows as the table holds them, without writing what is held back.
std::string column_written(PgStore& store, const std::string& sql) {
  return store.database().connection().query_direct(sql).text_at(0, 0);
}

class PgRolloutBatch : public ::testing::Test {
 protected:
  PgRolloutBatch() : store(test_pg_server().create_database()), repos(store.repositories()) {
    Job j = job("j");
    repos.jobs.insert_job(j);
    for (const char* d : {"d1", "d2", "d3"}) {
      Execution e = execution("j", d);
      repos.executions.insert_execution(e);
    }
    repos.jobs.add_to_count("j", ExecState::Queued, 3);
  }

  Execution sent(const std::string& device) {
    Execution e = *repos.executions.find_execution("j", device);
    e.state = ExecState::Sent;
    e.last_sent_at = 200;
    return e;
  }

  PgStore store;
  Repositories repos;
};

TEST_F(PgRolloutBatch, AMovedExecutionItsHistoryAndItsJobsCountsAreHeldButSeenAtOnce) {
  const DeviceKey d1{"lamp", "d1"};
  repos.transactions.begin();
  repos.executions.prefetch({d1, {"lamp", "d2"}});
  Execution e = sent("d1");
  repos.executions.update_execution(e);
  repos.history.append_history(e.id, HistoryEntry{200, "state", "sent", std::nullopt, "", ""});
  repos.jobs.count_change("j", ExecState::Queued, ExecState::Sent);
  EXPECT_EQ(column_written(store, "SELECT state FROM executions WHERE device = 'd1'"), "queued");
  EXPECT_EQ(column_written(store, "SELECT COUNT(*) FROM execution_history"), "0");
  EXPECT_EQ(column_written(store, "SELECT n_sent FROM jobs"), "0");

  // What the transaction reads, from memory or from the tables, is as written.
  auto open = repos.executions.unfinished_executions(d1);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].state, ExecState::Sent);
  EXPECT_EQ(open[0].last_sent_at, 200);
  EXPECT_EQ(repos.jobs.find_job("j")->count(ExecState::Sent), 1);
  EXPECT_EQ(repos.jobs.find_job("j")->count(ExecState::Queued), 2);
  EXPECT_EQ(repos.history.history(e.id).size(), 1u);
  EXPECT_EQ(repos.executions.job_executions("j", ExecState::Sent, "", 10).size(), 1u);
  EXPECT_EQ(column_written(store, "SELECT state FROM executions WHERE device = 'd1'"), "sent");

  // A success leaves the device nothing open; its job's counts follow.
  e.state = ExecState::Succeeded;
  repos.executions.update_execution(e);
  repos.jobs.count_change("j", ExecState::Sent, ExecState::Succeeded);
  EXPECT_TRUE(repos.executions.unfinished_executions(d1).empty());
  EXPECT_TRUE(repos.executions.executions_awaiting_status(d1).empty());
  EXPECT_EQ(repos.jobs.find_job("j")->count(ExecState::Succeeded), 1);
  repos.transactions.commit();

  EXPECT_EQ(column_written(store, "SELECT state FROM executions WHERE device = 'd1'"), "succeeded");
  EXPECT_EQ(column_written(store, "SELECT n_succeeded || '/' || n_sent || '/' || n_queued FROM jobs"), "1/0/2");
  EXPECT_EQ(column_written(store, "SELECT history_kept FROM executions WHERE device = 'd1'"), "1");
}

TEST_F(PgRolloutBatch, RollingBackToASavepointForgetsWhatWasHeldAndReadSince) {
  const DeviceKey d2{"lamp", "d2"};
  repos.transactions.begin();
  repos.executions.update_execution(sent("d2"));
  repos.transactions.savepoint();
  Execution failed = sent("d2");
  failed.state = ExecState::Failed;
  repos.executions.update_execution(failed);
  repos.jobs.count_change("j", ExecState::Sent, ExecState::Failed);
  EXPECT_EQ(repos.executions.executions_awaiting_status(d2)[0].state, ExecState::Failed);
  repos.transactions.rollback_to();
  EXPECT_EQ(repos.executions.executions_awaiting_status(d2)[0].state, ExecState::Sent);
  EXPECT_EQ(repos.jobs.find_job("j")->count(ExecState::Failed), 0);
  repos.transactions.commit();
  EXPECT_EQ(column_written(store, "SELECT state FROM executions WHERE device = 'd2'"), "sent");
}

TEST_F(PgRolloutBatch, AFleetChunkInsertedMidTransactionIsSeenByTheDevicesAlreadyRead) {
  repos.devices.save_status({"lamp", "d9"}, "m1", {R"({"firmware_ver":"1.0"})", {{"firmware_ver", "1.0"}}}, 1);
  Job fleet = job("fleet");
  fleet.spec.type = "config";
  repos.jobs.insert_job(fleet);
  repos.transactions.begin();
  const DeviceKey d9{"lamp", "d9"};
  EXPECT_TRUE(repos.executions.unfinished_executions(d9).empty());
  EXPECT_EQ(repos.executions.insert_fleet_chunk(fleet, "", std::nullopt, 300), 1);
  auto open = repos.executions.unfinished_executions(d9);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].job_id, "fleet");
  repos.transactions.commit();
}

// A fill inserts a fleet's executions faster than autovacuum analyzes the
// table: planned on the statistics of a table still empty, the timers' read of
// what is due for a resend scanned every execution at each tick. Each time the
// fills doubled the table it is analyzed (a small sample), within the fill's
// own transaction, and the timers' reads use their index again.
TEST_F(PgRolloutBatch, AFillThatDoubledTheExecutionsLeavesThemAnalyzedForTheTimersReads) {
  auto& db = store.database().connection();
  db.exec("INSERT INTO devices (product, device, status, status_at) "
          "SELECT 'fleet', 'd' || lpad(i::text, 6, '0'), '{}', 1 FROM generate_series(1, 12000) i; "
          "ANALYZE devices; ANALYZE device_versions; ANALYZE executions");
  const std::string due = "EXPLAIN SELECT id FROM executions WHERE next_resend_at IS NOT NULL AND "
                          "next_resend_at <= 5 ORDER BY next_resend_at LIMIT 1000";
  Job fleet = job("fleet", "fleet");
  repos.jobs.insert_job(fleet);
  repos.transactions.begin();
  EXPECT_EQ(repos.executions.insert_fleet_chunk(fleet, "", "d006000", 300), 6000);
  EXPECT_EQ(repos.executions.insert_fleet_chunk(fleet, "d006000", std::nullopt, 300), 6000);
  const std::string plan = pg_texts(db.query_direct(due)).front();
  EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << plan;
  EXPECT_GE(std::stod(column_written(store, "SELECT reltuples FROM pg_class WHERE relname = 'executions'")), 10000);
  repos.transactions.commit();
}

TEST_F(PgRolloutBatch, AHistoryWrittenInOneBatchIsTrimmedToItsLastEntries) {
  const int64_t id = repos.executions.find_execution("j", "d3")->id;
  repos.transactions.begin();
  for (int i = 0; i < kExecutionHistoryKept + 5; ++i) {
    repos.history.append_history(id, HistoryEntry{i, "progress", "sent", i % 100, "", "step"});
  }
  repos.transactions.commit();
  auto kept = repos.history.history(id);
  ASSERT_EQ(static_cast<int64_t>(kept.size()), kExecutionHistoryKept);
  EXPECT_EQ(kept.front().at, 5);
  EXPECT_EQ(kept.back().at, kExecutionHistoryKept + 4);
  EXPECT_EQ(column_written(store, "SELECT history_kept FROM executions WHERE device = 'd3'"),
            std::to_string(kExecutionHistoryKept));
}

TEST_F(PgRolloutBatch, SessionsOpenedAndClosedInOneTransactionAreWrittenAsTheyAreLast) {
  ClusterRepository& cluster = *store.cluster();
  repos.transactions.begin();
  cluster.save_session({"A", 1, "lamp", "d1", "lamp/d1"});
  cluster.save_session({"A", 2, "lamp", "d2", "lamp/d2"});
  cluster.drop_session("A", 1);
  cluster.save_session({"A", 2, "lamp", "d2", "lamp/d2/ui"});  // the same connection again: its last
  cluster.drop_session("A", 3);                                  // never saved: nothing to drop
  EXPECT_EQ(column_written(store, "SELECT COUNT(*) FROM cluster_sessions"), "0");
  auto sessions = cluster.sessions("A");
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].conn, 2u);
  EXPECT_EQ(sessions[0].client_id, "lamp/d2/ui");
  cluster.drop_session("A", 2);
  repos.transactions.commit();
  EXPECT_EQ(column_written(store, "SELECT COUNT(*) FROM cluster_sessions"), "0");
}

TEST_F(PgRolloutBatch, RecentProgressIdsOfManyDevicesAreThoseOfEachAlone) {
  repos.transactions.begin();
  for (int i = 0; i < 6; ++i) {
    repos.progress.append_progress({"lamp", "d" + std::to_string(i % 2)}, "p" + std::to_string(i),
                                   {"firmware", "2.0", i, ""}, i);
  }
  const std::vector<DeviceKey> devices{{"lamp", "d1"}, {"lamp", "none"}, {"lamp", "d0"}};
  auto together = repos.progress.recent_progress_ids(devices, 2);
  ASSERT_EQ(together.size(), 3u);
  for (size_t i = 0; i < devices.size(); ++i) {
    EXPECT_EQ(together[i], repos.progress.recent_progress_ids(devices[i], 2)) << devices[i].device;
  }
  EXPECT_EQ(together[0], (std::vector<std::string>{"p5", "p3"}));
  EXPECT_TRUE(together[1].empty());
  repos.transactions.commit();
}

}  // namespace
}  // namespace ota
