// Review of the cluster change: scenarios driven by hand, one transaction at
// a time, on a real PostgreSQL. Each test states what a production user
// expects; a failure shows the bug named in its message.
#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "pg_server.h"
#include "pgstorage/pg_cluster.h"
#include "pgstorage/pg_connection.h"
#include "pgstorage/pg_listener.h"
#include "pgstorage/pg_migrate.h"
#include "pgstorage/pg_store.h"
#include "runtime/cluster_codec.h"
#include "runtime/cluster_node.h"
#include "runtime/worker.h"
#include "hand_driven_node.h"
#include "worker_helpers.h"

using namespace ota;
using ota_test_worker::status_report;

namespace {

using Steady = std::chrono::steady_clock;

using Node = ota_test::HandDrivenNode;

AdminRequest get_device(const std::string& correlation) {
  AdminRequest r;
  r.username = "admin";
  r.payload = R"({"commands":[{"command":"getDevice","product":"lamp","device":"d1"}]})";
  r.response_topic = "resp/t";
  r.correlation_data = correlation;
  return r;
}

// The leader's answer to getDevice d1 (the device is known: a status was stored).
std::string device_answer(Node& leader, const std::string& correlation) {
  EXPECT_TRUE(leader.handle(get_device(correlation)));
  for (const auto& m : leader.seen) {
    if (m.correlation_data == correlation) {
      EXPECT_NE(m.payload.find("firmware_ver"), std::string::npos) << m.payload;
      return m.payload;
    }
  }
  return "no answer";
}

int64_t count(PgConnection& db, const std::string& sql) { return db.query(sql).int_at(0, 0); }

}  // namespace

// A leader that loses its connection steps down with its outbox cursor at the
// head: what the new leader published meanwhile is never published there.
TEST(ClusterReview, AStepDownSkipsWhatTheNewLeaderPublishedMeanwhile) {
  const std::string url = ota_test::test_pg_server().create_database();
  Node a(url, "A");
  ASSERT_TRUE(a.tick());
  ASSERT_TRUE(a.node->leading()) << a.logs;

  // A's database session ends (a server restart, a network fault): its lock goes.
  PgConnection db(url);
  db.query("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()");
  // Another broker leads at once and publishes an event for every broker, and an answer for A.
  PgConnection b(url);
  b.query("SELECT pg_advisory_lock($1)", kPgLeaderLock);
  PgCluster b_cluster(b);
  b_cluster.append_outbox({{std::nullopt, encode_outgoing(Outgoing{"", "ota/events", "job done", 1, std::nullopt})},
                           {std::string("A"), encode_outgoing(Outgoing{"", "resp/t", "answer", 1, std::string("q")})}});

  EXPECT_FALSE(a.tick()) << "the lost connection fails the step";
  for (int i = 0; i < 3; ++i) a.tick();  // reconnects, steps down, reads the outbox
  EXPECT_FALSE(a.node->leading());
  EXPECT_TRUE(a.saw([](const Outgoing& m) { return m.payload == "job done"; }))
      << "an event the new leader published before A noticed it lost the lead is never published on A";
  EXPECT_TRUE(a.saw([](const Outgoing& m) { return m.payload == "answer"; }))
      << "an answer for A's client is never published";
}

// A broker of the version before (one writer per database, kPgWriterLock)
// still running during a rolling upgrade: the new broker must not run the
// upgrades beside it.
TEST(ClusterReview, ABrokerOfThePreviousVersionStillWritingKeepsTheLead) {
  const std::string url = ota_test::test_pg_server().create_database();
  PgConnection old_broker(url);
  ASSERT_TRUE(old_broker.query("SELECT pg_try_advisory_lock($1)", int64_t{0x6f74615f77726974}).bool_at(0, 0));
  Node a(url, "A");
  a.tick();
  EXPECT_FALSE(a.node->leading()) << "two brokers apply events and run the timers at once (split brain)";
}

// A broker that relays its first connection and dies before its first
// heartbeat has no row in `brokers`: it never lapses, so its device counts as
// online for ever (a new leader restores it from cluster_sessions too).
TEST(ClusterReview, ABrokerThatDiedBeforeItsFirstHeartbeatLapses) {
  const std::string url = ota_test::test_pg_server().create_database();
  Node a(url, "A");
  ASSERT_TRUE(a.tick());
  ASSERT_TRUE(a.node->leading());
  {
    Node b(url, "B");
    ASSERT_TRUE(b.handle(ConnectionOpened{7, {"lamp", "d1"}, "lamp/d1"}));
    ASSERT_TRUE(b.handle(status_report("d1", "m1", R"({"firmware_ver":"1.0"})")));
  }  // B is gone (killed) before its first timer step
  PgConnection db(url);
  const auto until = Steady::now() + std::chrono::milliseconds(3500);  // the timeout is 2 s
  while (Steady::now() < until) {
    a.tick();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(count(db, "SELECT count(*) FROM brokers WHERE id = 'B'"), 0);
  EXPECT_EQ(count(db, "SELECT count(*) FROM cluster_sessions WHERE broker = 'B'"), 0)
      << "B's session outlives B's timeout";
  const std::string answer = device_answer(a, "q1");
  EXPECT_EQ(answer.find(R"("online":true)"), std::string::npos) << "B died long ago: " << answer;
}

// A broker that takes the lead applies its own events relayed before (in the
// inbox) ahead of its new ones. When the step that applied them is rolled
// back, they are back in the inbox, but own_events_queued_ stays false: its
// next event is applied before them.
TEST(ClusterReview, ANewLeadersOwnEventsStayInOrderWhenAStepIsRolledBack) {
  const std::string url = ota_test::test_pg_server().create_database();
  PgConnection other(url);
  other.query("SELECT pg_advisory_lock($1)", kPgLeaderLock);  // another broker leads
  Node a(url, "A");
  ASSERT_TRUE(a.handle(ConnectionOpened{7, {"lamp", "d1"}, "lamp/d1"}));  // relayed
  ASSERT_TRUE(a.handle(status_report("d1", "m1", R"({"firmware_ver":"1.0"})")));
  other.query("SELECT pg_advisory_unlock($1)", kPgLeaderLock);           // the leader goes

  // A takes the lead and applies its relayed connection; then the step fails
  // (the engine's timers throw, a commit fails with disk full, ...).
  EXPECT_FALSE(a.step([&](Effects& out) {
    a.node->tick(unix_ms(), out, Steady::time_point::max());
    ASSERT_TRUE(a.node->leading());
    throw std::runtime_error("the timers failed");
  }));
  ASSERT_TRUE(a.node->leading());
  ASSERT_TRUE(a.handle(ConnectionClosed{7}));  // the device disconnects from A
  for (int i = 0; i < 3; ++i) a.tick();

  PgConnection db(url);
  EXPECT_EQ(count(db, "SELECT count(*) FROM cluster_sessions"), 0)
      << "the disconnection was applied before the connection: the device counts as online for ever";
  const std::string answer = device_answer(a, "q1");
  EXPECT_EQ(answer.find(R"("online":true)"), std::string::npos) << "d1 disconnected: " << answer;
}

// A database (or role) with bytea_output = 'escape', a setting older
// applications still need: every relayed event and every outbox entry is read
// back as garbage (body_at expects hex).
TEST(ClusterReview, RelayingWorksWhateverTheDatabasesByteaOutput) {
  const std::string url = ota_test::test_pg_server().create_database();
  {
    PgConnection db(url);
    db.exec("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET bytea_output = ''escape''', current_database()); END $$");
  }
  Node a(url, "A");
  ASSERT_TRUE(a.tick());
  ASSERT_TRUE(a.node->leading());
  Node b(url, "B");
  ASSERT_TRUE(b.handle(ConnectionOpened{7, {"lamp", "d1"}, "lamp/d1"}));
  ASSERT_TRUE(b.handle(status_report("d1", "m1", R"({"firmware_ver":"1.0"})")));
  for (int i = 0; i < 3; ++i) a.tick();
  EXPECT_EQ(a.logs.find("could not be read"), std::string::npos) << a.logs;
}

// The heartbeat tells a new row from an updated one by xmax = 0.
TEST(ClusterReview, AHeartbeatTellsItsFirstFromTheNext) {
  const std::string url = ota_test::test_pg_server().create_database();
  PgStore store(url);
  ClusterRepository& c = *store.cluster();
  using Beat = ClusterRepository::Heartbeat;
  EXPECT_EQ(c.heartbeat("X", 0, 30000), Beat::First);
  EXPECT_EQ(c.heartbeat("X", 0, 30000), Beat::Again);
  store.repositories().transactions.begin();
  EXPECT_EQ(c.heartbeat("X", 1, 30000), Beat::Again) << "in a transaction";
  store.repositories().transactions.commit();

  // Another process under the same id: refused while this one's heartbeat is fresh, taken over once it lapsed.
  PgStore other(url);
  EXPECT_EQ(other.cluster()->heartbeat("X", 0, 30000), Beat::Taken);
  EXPECT_EQ(other.cluster()->heartbeat("X", 0, 0), Beat::Again) << "a row older than the timeout is taken over";
  EXPECT_EQ(c.heartbeat("X", 0, 30000), Beat::Taken) << "and then the first process is the other one";
}
