// Every event is atomic (SPEC "Hostile input, overload and faults"): a report,
// an admin command or a timer step that fails part-way leaves nothing in the
// store nor in what the worker remembers of it, and the events around it are
// committed. Failures are injected with triggers that RAISE on one value.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "storage/sqlite_store.h"
#include "worker_helpers.h"

using namespace ota;
using namespace ota_test_worker;

namespace {

void fail_when(Db& db, const std::string& name, const std::string& on, const std::string& when) {
  db.exec("CREATE TEMP TRIGGER " + name + " BEFORE " + on + " WHEN " + when +
          " BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
}

// A worker committing every flush_ms over a store whose `on` fails `when`.
std::unique_ptr<Worker> worker_failing(const TestDbFile& f, const std::string& on, const std::string& when,
                                       UnixClock clock = unix_ms, int flush_ms = 20) {
  auto store = std::make_unique<SqliteStore>(f.path);
  fail_when(store->db(), "boom", on, when);
  Options o;
  o.flush_ms = flush_ms;
  return std::make_unique<Worker>(std::move(store), o, std::move(clock));
}

Options one_group_commit() {
  Options o;
  o.flush_ms = 60000;  // everything submitted at once lands in one transaction
  return o;
}

const char* kUpgrade =
    R"("command":"createUpgrade","product":"lamp","version":"1.1","url":"https://f.example/fw",)"
    R"("md5":"9e107d9d372bb6826bd81d3542a419d6","size":1)";

}  // namespace

TEST(EventAtomicity, AStatusThatFailsPartWayLeavesNothingAndTheOthersAreCommitted) {
  TestDbFile f;
  auto store = std::make_unique<SqliteStore>(f.path);
  // save_status writes the device's row, then its versions: the versions fail.
  fail_when(store->db(), "boom", "INSERT ON device_versions", "NEW.version = 'boom'");
  Worker worker(std::move(store), one_group_commit());
  EXPECT_TRUE(worker.submit(status_report("d1", "m1", R"({"app_ver":"1"})")));
  EXPECT_TRUE(worker.submit(status_report("d2", "m2", R"({"app_ver":"boom"})")));  // the group goes back
  EXPECT_TRUE(worker.submit(status_report("d3", "m3", R"({"app_ver":"3"})")));
  EXPECT_TRUE(worker.submit(status_report("d4", "m4", R"({"app_ver":"boom"})")));  // then one savepoint each
  EXPECT_TRUE(worker.submit(status_report("d5", "m5", R"({"app_ver":"5"})")));
  worker.stop();
  Handed handed;
  handed.take(worker);

  SqliteStore store2(f.path);
  for (const char* d : {"d1", "d3", "d5"}) EXPECT_TRUE(store2.devices().find_device({"lamp", d})) << d;
  for (const char* d : {"d2", "d4"}) EXPECT_FALSE(store2.devices().find_device({"lamp", d})) << d;
  EXPECT_EQ(store2.devices().list_devices("lamp", "", 10, VersionFilter{"app_ver", "1"}).size(), 1u);
  EXPECT_TRUE(handed.logged("status report m2 of lamp/d2 failed, nothing of it kept: ")) << handed.logs.size();
  EXPECT_TRUE(handed.logged("injected failure"));
  EXPECT_EQ(worker.stats().lost_reports, 2u);
  EXPECT_FALSE(worker.all_committed());  // the shutdown line must not claim otherwise
}

TEST(EventAtomicity, AProgressReportThatFailsPartWayIsForgottenWholly) {
  TestDbFile f;
  // A progress report is buffered for the history, then moves the execution: that fails.
  auto owned = worker_failing(f, "INSERT ON execution_history", "NEW.progress = 42");
  Worker& worker = *owned;
  Handed handed;
  ASSERT_TRUE(worker.submit(status_report("d1", "s1", R"({"firmware_ver":"1.0"})")));
  worker.submit(ConnectionOpened{1, {"lamp", "d1"}, "lamp/d1"});
  worker.submit(admin_request(std::string("{") + kUpgrade + R"(,"type":"firmware","devices":["d1"]})"));
  auto created = handed.wait_publish(worker, "resp");
  ASSERT_TRUE(created);
  ASSERT_NE(created->find("\"targeted\":1"), std::string::npos) << *created;

  EXPECT_TRUE(worker.submit(progress_report("p1", 10, "d1", "1.1")));
  EXPECT_TRUE(worker.submit(progress_report("p2", 42, "d1", "1.1")));  // fails
  EXPECT_TRUE(worker.submit(progress_report("p3", 43, "d1", "1.1")));
  // The failed id was never stored, so it is no repeat: this one is applied.
  EXPECT_TRUE(worker.submit(progress_report("p2", 44, "d1", "1.1")));
  ASSERT_TRUE(wait_idle(worker));

  SqliteStore reader(f.path, SqliteStore::ReadOnly{});
  std::vector<int> stored;
  for (const auto& r : reader.progress().recent_progress({"lamp", "d1"}, 10)) stored.push_back(r.progress);
  EXPECT_EQ(stored, (std::vector<int>{44, 43, 10}));
  auto e = reader.executions().unfinished_executions({"lamp", "d1"});
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].progress, 44);
  for (const auto& h : reader.history().history(e[0].id)) EXPECT_NE(h.progress, 42);
  EXPECT_EQ(worker.stats().lost_reports, 1u);
}

TEST(EventAtomicity, AFailedAdminCommandIsAnsweredInternalAndLeavesNothingTheOthersStand) {
  TestDbFile f;
  auto owned = worker_failing(f, "INSERT ON executions", "NEW.device = 'bad'");
  Worker& worker = *owned;
  Handed handed;
  for (const char* d : {"d1", "d2", "bad"}) {
    ASSERT_TRUE(worker.submit(status_report(d, std::string("s-") + d, R"({"firmware_ver":"1.0","os_ver":"1"})")));
  }
  worker.submit(ConnectionOpened{2, {"lamp", "d2"}, "lamp/d2"});
  const std::string request = std::string("{") + kUpgrade + R"(,"type":"firmware","devices":["d1"]},)" +
                              // d2 is online: its command is made before "bad" fails, and must not go out.
                              "{" + kUpgrade + R"(,"type":"app","devices":["d2","bad"]},)" +
                              // A dynamic job over the product: it must not be remembered either.
                              "{" + kUpgrade + R"(,"type":"os","dynamic":true,"fromVersions":["1"]})";
  worker.submit(admin_request(request));
  auto answer = handed.wait_publish(worker, "resp");
  ASSERT_TRUE(answer);
  rapidjson::Document doc;
  doc.Parse(answer->c_str());
  const auto& responses = doc["responses"];
  ASSERT_EQ(responses.Size(), 3u);
  EXPECT_TRUE(responses[0].HasMember("data")) << *answer;
  EXPECT_EQ(std::string(responses[1]["errorCode"].GetString()), "internal");
  EXPECT_EQ(std::string(responses[2]["errorCode"].GetString()), "internal");
  EXPECT_TRUE(handed.logged("admin command createUpgrade failed, nothing of it kept"));

  // A device the phantom dynamic job would take in: its status is stored as usual.
  EXPECT_TRUE(worker.submit(status_report("d9", "s-d9", R"({"os_ver":"1"})")));
  ASSERT_TRUE(wait_idle(worker));
  handed.take(worker);
  for (const auto& p : handed.publishes) EXPECT_NE(p.client_id, "lamp/d2") << p.topic;

  SqliteStore reader(f.path, SqliteStore::ReadOnly{});
  EXPECT_EQ(reader.jobs().list_jobs(std::nullopt, std::nullopt, INT64_MAX, 10).size(), 1u);
  EXPECT_EQ(reader.executions().unfinished_executions({"lamp", "d2"}).size(), 0u);
  EXPECT_EQ(reader.executions().unfinished_executions({"lamp", "d1"}).size(), 1u);
  EXPECT_EQ(reader.executions().unfinished_executions({"lamp", "d9"}).size(), 0u);
  EXPECT_TRUE(reader.devices().find_device({"lamp", "d9"}));
  EXPECT_EQ(worker.stats().lost_reports, 0u);
}

TEST(EventAtomicity, ATimerStepThatFailsPartWayLeavesNothing) {
  TestDbFile f;
  // Timing out d1 works, timing out d2 fails: d1 must not stay timed out alone.
  // A timer step stops at its budget (flush_ms / 4) and the next one goes on;
  // a budget of 1 s keeps both timeouts in one step on a slow (sanitized) run.
  TestClock clock;
  auto owned = worker_failing(
      f, "INSERT ON execution_history",
      "NEW.state = 'timed_out' AND (SELECT device FROM executions WHERE id = NEW.execution_id) = 'd2'", clock.clock(),
      4000);
  Worker& worker = *owned;
  Handed handed;
  for (const char* d : {"d1", "d2"}) {
    ASSERT_TRUE(worker.submit(status_report(d, std::string("s-") + d, R"({"firmware_ver":"1.0"})")));
  }
  worker.submit(ConnectionOpened{1, {"lamp", "d1"}, "lamp/d1"});
  worker.submit(ConnectionOpened{2, {"lamp", "d2"}, "lamp/d2"});
  worker.submit(
      admin_request(std::string("{") + kUpgrade + R"(,"type":"firmware","devices":["d1","d2"],"timeoutSeconds":1})"));
  ASSERT_TRUE(handed.wait_publish(worker, "resp"));
  clock.advance(std::chrono::seconds(2));  // past the timeout: the next timer step times both out
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!handed.logged("timers failed, nothing of them kept") && Clock::now() < deadline) {
    handed.take(worker);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(handed.logged("timers failed, nothing of them kept: ")) << handed.logs.size();
  ASSERT_TRUE(wait_idle(worker));
  worker.stop();
  SqliteStore reader(f.path, SqliteStore::ReadOnly{});
  for (const char* d : {"d1", "d2"}) {
    auto e = reader.executions().unfinished_executions({"lamp", d});
    ASSERT_EQ(e.size(), 1u) << d;
    EXPECT_EQ(e[0].state, ExecState::Sent) << d;
  }
  auto job = reader.jobs().list_jobs(std::nullopt, std::nullopt, INT64_MAX, 1);
  ASSERT_EQ(job.size(), 1u);
  EXPECT_EQ(job[0].counts[static_cast<size_t>(ExecState::TimedOut)], 0);
  EXPECT_EQ(job[0].counts[static_cast<size_t>(ExecState::Sent)], 2);
}
