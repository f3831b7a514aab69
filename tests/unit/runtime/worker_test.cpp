#include "runtime/worker.h"

#include <gtest/gtest.h>

#include <thread>

#include "test_db.h"
#include "worker_helpers.h"

using namespace ota;
using ota_test_worker::progress_report;
using ota_test_worker::status_report;
using ota_test_worker::wait_idle;

namespace {

Options fast_options() {
  Options o;
  o.flush_ms = 20;
  return o;
}

// Waits for the worker to hand back a publish, as the broker's tick would.
std::optional<Outgoing> wait_publish(Worker& worker) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    auto effects = worker.take_ready();
    if (!effects.publishes.empty()) return effects.publishes.front();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return std::nullopt;
}

}  // namespace

TEST(Worker, StopCommitsEverythingAccepted) {
  TestDbFile f;
  size_t accepted = 0;
  {
    Worker worker(std::make_unique<SqliteStore>(f.path), fast_options());
    for (int i = 0; i < 500; ++i) {
      accepted += worker.submit(status_report("d" + std::to_string(i), "m", R"({"app_ver":"1"})"));
    }
    worker.stop();
    EXPECT_TRUE(worker.all_committed());
  }
  EXPECT_GT(accepted, 0u);
  SqliteStore store(f.path);
  EXPECT_EQ(store.devices().list_devices("lamp", "", 1000, std::nullopt).size(), accepted);
}

TEST(Worker, AdminAnswerSeesEveryEarlierReportAndCarriesTheCorrelation) {
  TestDbFile f;
  Worker worker(std::make_unique<SqliteStore>(f.path), fast_options());
  worker.submit(status_report("d1", "m1", R"({"app_ver":"1"})"));
  worker.submit(status_report("d1", "m2", R"({"app_ver":"2"})"));
  AdminRequest req{"admin", R"({"commands":[{"command":"getDevice","product":"lamp","device":"d1"}]})", "resp/t",
                   std::string("corr")};
  worker.submit(req);
  auto out = wait_publish(worker);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->topic, "resp/t");
  EXPECT_EQ(out->correlation_data, std::string("corr"));
  EXPECT_TRUE(out->client_id.empty());
  EXPECT_NE(out->payload.find(R"("status":{"app_ver":"2"})"), std::string::npos) << out->payload;
}

TEST(Worker, RepeatedMessageIdIsAppliedOnce) {
  TestDbFile f;
  {
    Worker worker(std::make_unique<SqliteStore>(f.path), fast_options());
    worker.submit(progress_report("m1", 10));
    worker.submit(progress_report("m1", 10));  // QoS 1 retransmission
    worker.submit(progress_report("m2", 20));
    worker.submit(status_report("d1", "m1", R"({"app_ver":"9"})"));  // same id space as progress
  }
  SqliteStore store(f.path);
  EXPECT_EQ(store.progress().recent_progress({"lamp", "d1"}, 10).size(), 2u);
  EXPECT_FALSE(store.devices().find_device({"lamp", "d1"}));
}

TEST(Worker, PresenceFollowsConnectionEvents) {
  TestDbFile f;
  Worker worker(std::make_unique<SqliteStore>(f.path), fast_options());
  worker.submit(status_report("d1", "m1", "{}"));
  worker.submit(ConnectionOpened{7, {"lamp", "d1"}, "lamp/d1"});
  worker.submit(AdminRequest{"admin", R"({"commands":[{"command":"getDevice","product":"lamp","device":"d1"}]})",
                             "r", std::nullopt});
  auto online = wait_publish(worker);
  ASSERT_TRUE(online);
  EXPECT_NE(online->payload.find(R"("online":true)"), std::string::npos);
  worker.submit(ConnectionClosed{7});
  worker.submit(AdminRequest{"admin", R"({"commands":[{"command":"getDevice","product":"lamp","device":"d1"}]})",
                             "r", std::nullopt});
  auto offline = wait_publish(worker);
  ASSERT_TRUE(offline);
  EXPECT_NE(offline->payload.find(R"("online":false)"), std::string::npos);
}

TEST(Worker, AProgressIdSeenBeforeARestartIsNotAppliedAfterIt) {
  TestDbFile f;
  {
    Worker worker(std::make_unique<SqliteStore>(f.path), fast_options());
    worker.submit(progress_report("m1", 10));
  }
  {
    Worker worker(std::make_unique<SqliteStore>(f.path), fast_options());
    worker.submit(progress_report("m1", 10));  // the retransmission after a restart
    worker.submit(progress_report("m2", 20));
  }
  SqliteStore store(f.path);
  auto history = store.progress().recent_progress({"lamp", "d1"}, 10);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].message_id, "m2");
  EXPECT_EQ(history[1].message_id, "m1");
}

TEST(Worker, ReportsAloneAreCommittedByTheGroupCommitWithoutAnyOtherEvent) {
  TestDbFile f;
  Options options;
  options.flush_ms = 200;
  Worker worker(std::make_unique<SqliteStore>(f.path), options);
  SqliteStore reader(f.path, SqliteStore::ReadOnly{});
  worker.submit(progress_report("m1", 10));
  worker.submit(progress_report("m2", 20));
  // Nothing else arrives: the open transaction must still be committed on its own.
  ASSERT_TRUE(wait_idle(worker, std::chrono::seconds(5)));
  EXPECT_EQ(reader.progress().recent_progress({"lamp", "d1"}, 10).size(), 2u);
}

TEST(Worker, AnAdminRequestDoesNotWaitForTheGroupCommit) {
  TestDbFile f;
  Options options;
  options.flush_ms = 60000;  // reports alone would wait 30 s
  Worker worker(std::make_unique<SqliteStore>(f.path), options);
  worker.submit(status_report("d1", "m1", R"({"app_ver":"7"})"));
  worker.submit(AdminRequest{"admin", R"({"commands":[{"command":"getDevice","product":"lamp","device":"d1"}]})",
                             "r", std::nullopt});
  auto answer = wait_publish(worker);  // gives up after 5 s
  ASSERT_TRUE(answer);
  EXPECT_NE(answer->payload.find(R"("status":{"app_ver":"7"})"), std::string::npos) << answer->payload;
  EXPECT_TRUE(worker.idle());
}

// Reports taken on the broker thread stay in its own batch (no lock, no wake-up
// each) until the loop pass ends with a hand-over, except the first after a
// quiet spell, which wakes the worker at once; an event submitted after them is
// ordered after them all the same.
TEST(Worker, ReportsWaitForTheHandOverAndAnEventAfterThemStillSeesThem) {
  TestDbFile f;
  Options options;
  options.flush_ms = 60000;  // reports alone wait 15 s for their group commit
  Worker worker(std::make_unique<SqliteStore>(f.path), options);
  SqliteStore reader(f.path, SqliteStore::ReadOnly{});
  ReportChecker checker;
  auto take = [&](const std::string& id, int progress) {
    ReportView view;
    ASSERT_EQ(checker.check({ReportKind::Progress, "lamp", "d1", id}, "lamp/d1",
                            R"({"type":"firmware","version":"2.0","progress":)" + std::to_string(progress) + "}",
                            16384, view),
              "");
    ASSERT_TRUE(worker.submit_report(view, unix_ms()));
  };
  take("m1", 10);  // when the worker waits for work: handed over at once, a transaction opens
  ReportView status;
  take("m2", 20);
  take("m3", 30);
  ASSERT_EQ(checker.check({ReportKind::Status, "lamp", "d1", "m4"}, "lamp/d1", R"({"app_ver":"3"})", 16384, status),
            "");
  ASSERT_TRUE(worker.submit_report(status, unix_ms()));
  EXPECT_FALSE(worker.idle());
  EXPECT_TRUE(reader.progress().recent_progress({"lamp", "d1"}, 10).empty());  // nothing committed: no group commit for 15 s
  // The admin request hands the reports over before it: its answer sees them.
  worker.submit(AdminRequest{"admin", R"({"commands":[{"command":"getDevice","product":"lamp","device":"d1"}]})",
                             "r", std::nullopt});
  auto answer = wait_publish(worker);
  ASSERT_TRUE(answer);
  EXPECT_NE(answer->payload.find(R"("status":{"app_ver":"3"})"), std::string::npos) << answer->payload;
  EXPECT_NE(answer->payload.find(R"("messageId":"m3")"), std::string::npos) << answer->payload;
  EXPECT_EQ(reader.progress().recent_progress({"lamp", "d1"}, 10).size(), 3u);
}

TEST(Worker, AHandOverAloneGetsTheReportsCommitted) {
  TestDbFile f;
  Worker worker(std::make_unique<SqliteStore>(f.path), fast_options());
  SqliteStore reader(f.path, SqliteStore::ReadOnly{});
  ReportChecker checker;
  for (int i = 0; i < 600; ++i) {  // more than a batch: part is handed over on the way
    ReportView view;
    const std::string device = "d" + std::to_string(i % 3), id = "m" + std::to_string(i);
    ASSERT_EQ(checker.check({ReportKind::Progress, "lamp", device, id}, "lamp/" + device,
                            R"({"type":"firmware","version":"2.0","progress":1})", 16384, view),
              "");
    // A busy machine may slow the worker enough for back-pressure to refuse a
    // report (as the broker would, unacknowledged): the device sends it again.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!worker.submit_report(view, unix_ms())) ASSERT_LT(std::chrono::steady_clock::now(), give_up);
  }
  worker.hand_over();
  ASSERT_TRUE(wait_idle(worker, std::chrono::seconds(5)));
  for (const char* d : {"d0", "d1", "d2"}) EXPECT_EQ(reader.progress().recent_progress({"lamp", d}, 1000).size(), 200u) << d;
}

// OTA time is the clock the worker is given: an unanswered command is sent
// again once that clock passes resend_seconds, with no wait in real time.
TEST(Worker, OtaTimeIsTheClockItIsGiven) {
  TestDbFile f;
  ota_test_worker::TestClock clock;
  Options options = fast_options();
  options.resend_seconds = 60;
  Worker worker(std::make_unique<SqliteStore>(f.path), options, clock.clock());
  ota_test_worker::Handed handed;
  ASSERT_TRUE(worker.submit(status_report("d1", "s1", R"({"firmware_ver":"1.0"})")));
  worker.submit(ConnectionOpened{1, {"lamp", "d1"}, "lamp/d1"});
  worker.submit(ota_test_worker::admin_request(
      R"({"command":"createUpgrade","product":"lamp","type":"firmware","version":"1.1","url":"https://f.example/fw",)"
      R"("md5":"9e107d9d372bb6826bd81d3542a419d6","size":1,"devices":["d1"]})"));
  ASSERT_TRUE(handed.wait_publish(worker, "resp"));
  auto commands = [&] {
    std::vector<Outgoing> found;
    for (const auto& p : handed.publishes) {
      if (p.client_id == "lamp/d1") found.push_back(p);
    }
    return found;
  };
  ASSERT_EQ(commands().size(), 1u);  // sent at once: d1 is online
  const std::string command_topic = commands()[0].topic;

  clock.advance(std::chrono::seconds(61));  // the times it stored may be a few ms past now_ms()
  ASSERT_TRUE(handed.wait_publish(worker, command_topic, handed.publishes.size()));  // the timers' next step
  EXPECT_EQ(commands().size(), 2u);
  ASSERT_TRUE(wait_idle(worker));
  SqliteStore reader(f.path, SqliteStore::ReadOnly{});
  auto resent = reader.executions().unfinished_executions({"lamp", "d1"});
  ASSERT_EQ(resent.size(), 1u);
  EXPECT_EQ(resent[0].resends, 1);
  ASSERT_TRUE(resent[0].last_sent_at);
  EXPECT_GE(*resent[0].last_sent_at, clock.now_ms());  // the clock's time: the system's is a minute behind
}
