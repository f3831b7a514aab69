// Two workers sharing one PostgreSQL database, as two brokers' would, in one
// process (so that this runs under the sanitizers too, where a broker cannot
// load libpq: see tests/integration/postgresql_test.cpp). The first leads;
// the second relays; a listener pokes each worker as the plugin's does.
#include <gtest/gtest.h>

#include <thread>

#include "pg_server.h"
#include "pgstorage/pg_cluster.h"
#include "pgstorage/pg_connection.h"
#include "pgstorage/pg_listener.h"
#include "pgstorage/pg_migrate.h"
#include "pgstorage/pg_store.h"
#include "runtime/cluster_node.h"
#include "runtime/worker.h"
#include "hand_driven_node.h"
#include "worker_helpers.h"

using namespace ota;
using ota_test_worker::status_report;

namespace {

struct Broker {
  Broker(const std::string& url, const std::string& id) {
    options.flush_ms = 40;
    options.broker_id = id;
    options.broker_timeout_seconds = 3;
    options.db_url = url;
    worker = std::make_unique<Worker>(std::make_unique<PgStore>(url), options);
    listener = std::make_unique<PgListener>(url, std::vector<std::string>{kPgInboxChannel, kPgOutboxChannel},
                                            [w = worker.get()](const std::string& channel) {
                                              w->poke_for(channel == kPgInboxChannel);
                                            });
  }
  ~Broker() {
    listener.reset();
    worker->stop();
  }

  // Takes what the worker hands over, as the broker thread's ticks do, until `done`.
  bool wait_for(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      Effects effects = worker->take_ready();
      for (auto& line : effects.logs) logs += line.text + "\n";
      for (auto& m : effects.publishes) seen.push_back(std::move(m));
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
  }
  // The first publish handed over that matches, waiting for it.
  std::optional<Outgoing> wait_publish(const std::function<bool(const Outgoing&)>& match) {
    auto found = [&]() -> const Outgoing* {
      for (const auto& m : seen) {
        if (match(m)) return &m;
      }
      return nullptr;
    };
    if (!wait_for([&] { return found() != nullptr; })) return std::nullopt;
    return *found();
  }
  bool leads() {
    return wait_for([&] { return logs.find("leads the brokers") != std::string::npos; });
  }

  Options options;
  std::unique_ptr<Worker> worker;
  std::unique_ptr<PgListener> listener;
  std::string logs;
  std::vector<Outgoing> seen;  // every publish handed over so far
};

AdminRequest admin(const std::string& command, const std::string& correlation) {
  AdminRequest r;
  r.username = "admin";
  r.payload = R"({"commands":[)" + command + "]}";
  r.response_topic = "resp/t";
  r.correlation_data = correlation;
  return r;
}

}  // namespace

TEST(ClusterNode, AFollowerRelaysItsEventsAndPublishesWhatTheLeaderDecides) {
  const std::string url = ota_test::test_pg_server().create_database();
  Broker a(url, "A");
  ASSERT_TRUE(a.leads()) << a.logs;
  Broker b(url, "B");

  // A device of B's connects and reports; an admin of B's asks about it: the leader answers, on B.
  b.worker->submit(ConnectionOpened{7, {"lamp", "d1"}, "lamp/d1"});
  b.worker->submit(status_report("d1", "m1", R"({"firmware_ver":"1.0"})"));
  b.worker->submit(admin(R"({"command":"getDevice","product":"lamp","device":"d1"})", "q1"));
  auto answer = b.wait_publish([](const Outgoing& m) { return m.correlation_data == std::string("q1"); });
  ASSERT_TRUE(answer) << b.logs << a.logs;
  EXPECT_EQ(answer->topic, "resp/t");
  EXPECT_NE(answer->payload.find(R"("online":true)"), std::string::npos) << answer->payload;
  EXPECT_NE(answer->payload.find(R"("firmware_ver":"1.0")"), std::string::npos) << answer->payload;

  // An upgrade created on A: the command for B's device is published on B, and the event on both.
  a.worker->submit(admin(R"({"command":"createUpgrade","product":"lamp","type":"firmware","version":"1.1",)"
                         R"("url":"https://f/x.bin","md5":"9e107d9d372bb6826bd81d3542a419d6","size":10,)"
                         R"("devices":["d1"]})",
                         "c1"));
  auto created = a.wait_publish([](const Outgoing& m) { return m.correlation_data == std::string("c1"); });
  ASSERT_TRUE(created) << a.logs;
  EXPECT_NE(created->payload.find(R"("targeted":1)"), std::string::npos) << created->payload;
  auto command = b.wait_publish([](const Outgoing& m) { return m.client_id == "lamp/d1"; });
  ASSERT_TRUE(command) << b.logs;
  EXPECT_NE(command->topic.find("$ota_upgrade"), std::string::npos) << command->topic;

  // B's answer was for B alone: A, which made it, published none of it.
  for (const auto& m : a.seen) EXPECT_NE(m.correlation_data, std::string("q1"));

  // What every broker has read leaves the outbox (the leader trims it every second).
  PgConnection db(url);
  auto outbox_rows = [&] { return db.query("SELECT count(*) FROM cluster_outbox").int_at(0, 0); };
  EXPECT_TRUE(b.wait_for([&] { return outbox_rows() == 0; })) << outbox_rows() << " rows left";
}

TEST(ClusterNode, WhenTheLeaderGoesTheOtherLeadsAndKnowsWhoIsOnline) {
  const std::string url = ota_test::test_pg_server().create_database();
  auto a = std::make_unique<Broker>(url, "A");
  ASSERT_TRUE(a->leads()) << a->logs;
  Broker b(url, "B");
  b.worker->submit(ConnectionOpened{7, {"lamp", "d1"}, "lamp/d1"});
  b.worker->submit(status_report("d1", "m1", R"({"firmware_ver":"1.0"})"));
  b.worker->submit(admin(R"({"command":"getDevice","product":"lamp","device":"d1"})", "q1"));
  ASSERT_TRUE(b.wait_publish([](const Outgoing& m) { return m.correlation_data == std::string("q1"); }));

  a.reset();  // its connection closes: the lead is free
  ASSERT_TRUE(b.leads()) << b.logs;
  b.worker->submit(admin(R"({"command":"getDevice","product":"lamp","device":"d1"})", "q2"));
  auto answer = b.wait_publish([](const Outgoing& m) { return m.correlation_data == std::string("q2"); });
  ASSERT_TRUE(answer) << b.logs;
  EXPECT_NE(answer->payload.find(R"("online":true)"), std::string::npos)
      << "the new leader learnt B's sessions from the store: " << answer->payload;
}

TEST(ClusterNode, AFollowerIsBehindWhileTooManyOfItsEventsWaitForTheLeader) {
  const std::string url = ota_test::test_pg_server().create_database();
  PgConnection other_broker(url);  // holds the lead and applies nothing
  other_broker.query("SELECT pg_advisory_lock($1)", kPgLeaderLock);
  ota_test::HandDrivenNode b(url, "B", /*timeout_seconds=*/30, /*inbox_limit=*/10);
  ASSERT_TRUE(b.step([&](Effects& out) {
    for (int i = 0; i < 12; ++i) {
      Event report = status_report("d1", "m" + std::to_string(i), R"({"firmware_ver":"1.0"})");
      b.node->handle(report, unix_ms(), out);
    }
  }));
  EXPECT_TRUE(b.tick_until([&] { return b.node->behind(); }, std::chrono::seconds(3)))
      << "13 events wait (12 reports and the broker's start), the limit is 10";
  EXPECT_FALSE(b.node->leading());

  // The leader applies some: still behind until under half the limit.
  auto leader_takes = [&](int n) {
    other_broker.query("DELETE FROM cluster_inbox WHERE seq IN (SELECT seq FROM cluster_inbox ORDER BY seq LIMIT $1)", n);
  };
  leader_takes(5);  // 8 wait
  // Nothing to await but one heartbeat (every second) that must change nothing.
  b.tick_until([] { return false; }, std::chrono::milliseconds(1500));
  EXPECT_TRUE(b.node->behind()) << "8 still wait: over half the limit";
  leader_takes(4);  // 4 wait
  EXPECT_TRUE(b.tick_until([&] { return !b.node->behind(); }, std::chrono::seconds(3)));
}

namespace {

using HandDriven = ota_test::HandDrivenNode;

// Whether the leader says the device is online, asked on the leader.
bool online_says(HandDriven& leader, const std::string& device) {
  leader.handle(admin(R"({"command":"getDevice","product":"lamp","device":")" + device + "\"}", "online?"));
  const Outgoing& answer = leader.seen.back();
  return answer.payload.find(R"("online":true)") != std::string::npos;
}

}  // namespace

TEST(ClusterNode, ABrokerTheLeaderForgotWhileItWasStillRunningTellsItAgainWhoIsConnected) {
  const std::string url = ota_test::test_pg_server().create_database();
  HandDriven a(url, "A");
  ASSERT_TRUE(a.tick_until([&] { return a.node->leading(); }));
  HandDriven b(url, "B");
  b.tick();
  b.handle(ConnectionOpened{7, {"lamp", "d1"}, "lamp/d1"});
  b.handle(status_report("d1", "m1", R"({"firmware_ver":"1.0"})"));
  ASSERT_TRUE(a.tick_until([&] { return online_says(a, "d1"); }));

  // B stalls past the timeout: the leader forgets it, and its device with it...
  ASSERT_TRUE(a.tick_until([&] { return a.logs.find("broker B sent no heartbeat") != std::string::npos; }));
  EXPECT_FALSE(online_says(a, "d1"));
  // ...until B's next heartbeat finds it forgotten and tells the leader again.
  b.tick();
  EXPECT_TRUE(a.tick_until([&] { return online_says(a, "d1"); })) << a.logs;
}
