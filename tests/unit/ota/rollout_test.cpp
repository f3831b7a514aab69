// Rollout controls over a real SQLite file, with presence and time driven by the test.
#include <gtest/gtest.h>

#include <set>

#include "admin_fixture.h"

using namespace ota;

namespace {

class Rollout : public AdminFixture {
 protected:
  Rollout() {
    options.max_resends = 0;
    for (int i = 10; i < 30; ++i) {
      std::string name = "d" + std::to_string(i);
      report_status(name, R"({"firmware_ver":"1.0"})");
      presence.opened(static_cast<uint64_t>(i), {"lamp", name}, "lamp/" + name);
    }
    out = Effects();
  }

  std::string create(const std::string& extra) {
    auto r = one(R"({"command":"createUpgrade","product":"lamp","type":"firmware","version":"1.1",)"
                 R"("url":"https://f.example/fw","md5":"9e107d9d372bb6826bd81d3542a419d6","size":1)" +
                 extra + "}");
    EXPECT_TRUE(r.HasMember("data")) << (r.HasMember("error") ? r["error"].GetString() : "");
    return r.HasMember("data") ? r["data"]["jobId"].GetString() : "";
  }

  // Client ids that were sent an upgrade command, in order.
  std::vector<std::string> sends() {
    std::vector<std::string> ids;
    for (const auto& o : out.publishes) {
      if (o.topic.find("$ota_upgrade") != std::string::npos) ids.push_back(o.client_id);
    }
    return ids;
  }

  Job job(const std::string& id) { return *store.jobs().find_job(id); }
};

}  // namespace

TEST_F(Rollout, RateLimitedJobSendsOnePerSlotInDeviceOrder) {
  std::string id = create(R"(,"maxPerMinute":60)");  // one a second
  EXPECT_EQ(sends(), (std::vector<std::string>{"lamp/d10"}));
  EXPECT_EQ(job(id).count(ExecState::Queued), 19);
  upgrades.tick(now + 999, out);
  EXPECT_EQ(sends().size(), 1u);
  upgrades.tick(now + 1000, out);
  upgrades.tick(now + 1500, out);
  EXPECT_EQ(sends(), (std::vector<std::string>{"lamp/d10", "lamp/d11"}));
  // After an idle spell only one slot is made up: no burst.
  upgrades.tick(now + 10000, out);
  upgrades.tick(now + 10001, out);
  EXPECT_EQ(sends().size(), 4u);
  upgrades.tick(now + 10999, out);
  EXPECT_EQ(sends().size(), 4u);
  EXPECT_EQ(job(id).count(ExecState::Sent), 4);
  EXPECT_EQ(job(id).count(ExecState::Queued), 16);
}

TEST_F(Rollout, APacedRolloutSendsNoFasterThanThePaceAndEachOnlineDeviceOnce) {
  upgrades.set_send_rate(10);  // as the worker measures it: 10 first commands a second, in bursts of one
  std::string id = create("");
  EXPECT_EQ(sends(), (std::vector<std::string>{"lamp/d10"}));
  EXPECT_TRUE(upgrades.needs_fast_ticks());
  // A device that connects gets its command then, whatever the pace.
  presence.closed(25);
  presence.opened(125, {"lamp", "d25"}, "lamp/d25");
  upgrades.on_connect({"lamp", "d25"}, now, out);
  EXPECT_EQ(sends().back(), "lamp/d25");
  upgrades.tick(now + 50, out);  // half a token
  EXPECT_EQ(sends().size(), 2u);
  for (int ms = 100; ms <= 1800; ms += 100) {
    upgrades.tick(now + ms, out);
    EXPECT_EQ(sends().size(), 2u + static_cast<size_t>(ms / 100)) << ms;
  }
  auto all = sends();
  std::set<std::string> once(all.begin(), all.end());
  EXPECT_EQ(once.size(), 20u);
  EXPECT_EQ(all.size(), 20u);
  EXPECT_EQ(job(id).count(ExecState::Sent), 20);
  // A pass that found nothing held back ends the scans.
  upgrades.tick(now + 1900, out);
  EXPECT_EQ(sends().size(), 20u);
  EXPECT_FALSE(upgrades.needs_fast_ticks());
}

// A timer step stays within its time (the reports waiting behind it are
// committed within flush_ms): one whose deadline passed sends nothing more of
// what the pace held back, and the next step goes on from there.
TEST_F(Rollout, AStepPastItsDeadlineLeavesWhatThePaceHeldBackToTheNext) {
  upgrades.set_send_rate(10);
  create("");
  EXPECT_EQ(sends().size(), 1u);
  upgrades.tick(now + 100, out, std::chrono::steady_clock::now());  // the step's time is up
  EXPECT_EQ(sends().size(), 1u);
  upgrades.tick(now + 100, out);
  EXPECT_EQ(sends().size(), 2u);
}

TEST_F(Rollout, WhatALeadersPaceHeldBackIsSentByTheNextOne) {
  upgrades.set_send_rate(10);
  std::string id = create("");
  EXPECT_EQ(sends().size(), 1u);
  // The leader dies; another broker takes the lead with the devices still online there.
  Upgrades next(store.repositories(), presence, options);
  next.set_send_rate(10);
  EXPECT_TRUE(next.needs_fast_ticks());
  for (int ms = 100; ms <= 1900; ms += 100) next.tick(now + ms, out);
  auto all = sends();
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 20u);
  EXPECT_EQ(all.size(), 20u);
  EXPECT_EQ(job(id).count(ExecState::Queued), 0);
}

TEST_F(Rollout, OfflineDevicesDoNotHoldUpTheRollout) {
  for (int i = 10; i < 15; ++i) presence.closed(static_cast<uint64_t>(i));
  std::string id = create(R"(,"maxPerMinute":60)");
  EXPECT_EQ(sends(), (std::vector<std::string>{"lamp/d15"}));
  upgrades.tick(now + 1000, out);
  EXPECT_EQ(sends().back(), "lamp/d16");
}

TEST_F(Rollout, RateSlotSurvivesARestart) {
  std::string id = create(R"(,"maxPerMinute":60)");
  // A new Upgrades over the same database is what the plugin has after a restart.
  Upgrades resumed(store.repositories(), presence, options);
  out = Effects();
  resumed.tick(now + 500, out);
  EXPECT_TRUE(sends().empty());
  resumed.tick(now + 1000, out);
  EXPECT_EQ(sends(), (std::vector<std::string>{"lamp/d11"}));
}

TEST_F(Rollout, JobAbortsTheMomentFailuresPassTheThreshold) {
  // 20 devices, all sent; abort above 25% failures once 4 have finished.
  std::string id = create(R"(,"abortFailurePercent":25,"abortMinFinished":4)");
  auto fail = [&](const std::string& d) { upgrades.on_progress({"lamp", d}, {"firmware", "1.1", -1, ""}, now, out); };
  report_status("d10", R"({"firmware_ver":"1.1"})");
  report_status("d11", R"({"firmware_ver":"1.1"})");
  report_status("d12", R"({"firmware_ver":"1.1"})");
  fail("d13");  // 1 of 4 = 25%: not over
  EXPECT_EQ(job(id).state, JobState::InProgress);
  fail("d14");  // 2 of 5 = 40%: over
  Job j = job(id);
  EXPECT_EQ(j.state, JobState::Aborted);
  EXPECT_EQ(j.count(ExecState::Failed), 2);
  EXPECT_EQ(j.count(ExecState::Succeeded), 3);
  EXPECT_EQ(j.count(ExecState::Sent), 15);  // in flight: left to finish
  // In-flight results are still recorded; nothing more is sent.
  report_status("d15", R"({"firmware_ver":"1.1"})");
  EXPECT_EQ(job(id).count(ExecState::Succeeded), 4);
  EXPECT_EQ(job(id).state, JobState::Aborted);
}

TEST_F(Rollout, AbortCancelsWhatIsQueued) {
  for (int i = 20; i < 30; ++i) presence.closed(static_cast<uint64_t>(i));
  std::string id = create(R"(,"abortFailurePercent":0,"abortMinFinished":1)");
  upgrades.on_progress({"lamp", "d10"}, {"firmware", "1.1", -3, ""}, now, out);
  Job j = job(id);
  EXPECT_EQ(j.state, JobState::Aborted);
  EXPECT_EQ(j.count(ExecState::Canceled), 10);
  auto e = *store.executions().find_execution(id, "d25");
  EXPECT_EQ(e.state, ExecState::Canceled);
  EXPECT_EQ(e.reason, "aborted");
  out = Effects();
  presence.opened(99, {"lamp", "d25"}, "lamp/d25");
  upgrades.on_connect({"lamp", "d25"}, now, out);
  EXPECT_TRUE(sends().empty());
}

TEST_F(Rollout, DynamicJobTakesInDevicesThatReportAMatchingStatusOnce) {
  std::string id = create(R"(,"dynamic":true,"fromVersions":["1.0"])");
  EXPECT_EQ(job(id).total(), 20);
  for (int i = 10; i < 30; ++i) report_status("d" + std::to_string(i), R"({"firmware_ver":"1.1"})");
  EXPECT_EQ(job(id).state, JobState::InProgress);  // stays open

  out = Effects();
  presence.opened(100, {"lamp", "new1"}, "lamp/new1");
  report_status("new1", R"({"firmware_ver":"1.0"})");  // never seen before
  EXPECT_EQ(sends(), (std::vector<std::string>{"lamp/new1"}));
  report_status("new2", R"({"firmware_ver":"0.9"})");   // not in fromVersions
  report_status("new3", R"({"firmware_ver":"1.1"})");   // already there
  report_status("other", R"({"firmware_ver":"1.0"})", "fan");  // another product
  EXPECT_EQ(job(id).total(), 21);
  // It fails, reboots and reports 1.0 again: it does not join a second time.
  upgrades.on_progress({"lamp", "new1"}, {"firmware", "1.1", -1, ""}, now, out);
  report_status("new1", R"({"firmware_ver":"1.0"})");
  EXPECT_EQ(job(id).total(), 21);
  // Cancel closes it.
  one(R"({"command":"cancelJob","jobId":")" + id + "\"}");
  report_status("new4", R"({"firmware_ver":"1.0"})");
  EXPECT_EQ(job(id).total(), 21);
}

TEST_F(Rollout, DynamicMembershipSurvivesARestart) {
  std::string id = create(R"(,"dynamic":true,"devices":null)");
  Upgrades resumed(store.repositories(), presence, options);
  auto status = *check_status(R"({"firmware_ver":"1.0"})").value;
  store.devices().save_status({"lamp", "late"}, next_message_id(), status, now);
  resumed.on_status({"lamp", "late"}, status, now, out);
  EXPECT_TRUE(store.executions().find_execution(id, "late"));
}

TEST_F(Rollout, ExpiredDynamicJobCompletesWhenItsExecutionsFinish) {
  std::string id = create(R"(,"dynamic":true,"expiresAt":)" + std::to_string(now + 1000));
  for (int i = 10; i < 30; ++i) report_status("d" + std::to_string(i), R"({"firmware_ver":"1.1"})");
  EXPECT_EQ(job(id).state, JobState::InProgress);
  upgrades.tick(now + 1000, out);
  EXPECT_EQ(job(id).state, JobState::Completed);
}

// Stopping a job of thousands of queued executions must not hold the worker:
// a page at a time, the rest at later ticks (with a deadline that has passed,
// each tick does one page).
class HugeJob : public Rollout {
 protected:
  HugeJob() {
    store.database().begin();
    for (int i = 0; i < 2500; ++i) report_status("q" + std::to_string(10000 + i), R"({"firmware_ver":"1.0"})");
    store.database().commit();
    out = Effects();
  }
  void tick_with_no_time_left(int64_t at) { upgrades.tick(at, out, std::chrono::steady_clock::now()); }
};

TEST_F(HugeJob, AnAbortCancelsItsQueuedExecutionsAPageAtATime) {
  std::string id = create(R"(,"abortFailurePercent":0,"abortMinFinished":1)");
  ASSERT_EQ(job(id).count(ExecState::Queued), 2500);
  upgrades.on_progress({"lamp", "d10"}, {"firmware", "1.1", -1, ""}, now, out);
  EXPECT_EQ(job(id).state, JobState::Aborted);
  EXPECT_EQ(job(id).count(ExecState::Queued), 1500);  // one page with the report that crossed the threshold
  tick_with_no_time_left(now + 1);
  EXPECT_EQ(job(id).count(ExecState::Queued), 500);
  tick_with_no_time_left(now + 2);
  EXPECT_EQ(job(id).count(ExecState::Queued), 0);
  EXPECT_EQ(job(id).count(ExecState::Canceled), 2500);
  EXPECT_EQ(store.executions().find_execution(id, "q12499")->reason, "aborted");
  EXPECT_EQ(job(id).state, JobState::Aborted);
}

TEST_F(HugeJob, AnExpiredJobCancelsItsQueuedExecutionsAPageAtATime) {
  for (int i = 10; i < 30; ++i) presence.closed(static_cast<uint64_t>(i));
  std::string id = create(R"(,"expiresAt":)" + std::to_string(now + 1000));
  ASSERT_EQ(job(id).count(ExecState::Queued), 2520);
  tick_with_no_time_left(now + 1000);
  EXPECT_EQ(job(id).count(ExecState::Queued), 1520);
  EXPECT_EQ(job(id).state, JobState::InProgress);  // not finished before every execution is
  tick_with_no_time_left(now + 1001);
  tick_with_no_time_left(now + 1002);
  EXPECT_EQ(job(id).count(ExecState::Canceled), 2520);
  EXPECT_EQ(store.executions().find_execution(id, "q12499")->reason, "expired");
  EXPECT_EQ(job(id).state, JobState::Completed);
}
