// Rollout controls on a real broker: rate limit, abort, dynamic jobs, expiry, restart.
#include <algorithm>
#include <map>

#include "upgrade_fixture.h"

namespace ota_test {
namespace {

using Clock = std::chrono::steady_clock;

class RolloutTest : public UpgradeTest {
 protected:
  std::vector<SimDevice*> boot_devices(int count) {
    std::vector<SimDevice*> out;
    for (int i = 1; i <= count; ++i) out.push_back(&booted("d" + std::to_string(i)));
    return out;
  }

  // Devices by the time their first command arrived.
  static std::vector<std::pair<Clock::time_point, std::string>> first_sends(const std::vector<SimDevice*>& devices) {
    std::vector<std::pair<Clock::time_point, std::string>> sends;
    for (auto* d : devices) {
      auto cmds = d->commands();
      if (!cmds.empty()) sends.emplace_back(cmds.front().received, d->name());
    }
    std::sort(sends.begin(), sends.end());
    return sends;
  }

  // The most sends seen in any window of the given length.
  static size_t busiest_window(const std::vector<std::pair<Clock::time_point, std::string>>& sends,
                               std::chrono::milliseconds window) {
    size_t most = 0;
    for (size_t i = 0, j = 0; i < sends.size(); ++i) {
      while (sends[i].first - sends[j].first >= window) ++j;
      most = std::max(most, i - j + 1);
    }
    return most;
  }
};

TEST_F(RolloutTest, RateLimitedJobSpreadsTheSendsEvenlyInDeviceOrder) {
  auto devices = boot_devices(200);
  // 2400 per minute: one every 25 ms, 40 a second; 200 devices take about 5 s.
  std::string id = create_job(R"(,"maxPerMinute":2400,"timeoutSeconds":600)");
  auto mid = eventually([&] {
    auto j = get_job(id);
    return j["data"]["counts"]["sent"].GetInt() > 50 && j["data"]["counts"]["queued"].GetInt() > 50;
  });
  EXPECT_TRUE(mid) << "the job's counts should show the waiting executions as queued";
  ASSERT_TRUE(eventually([&] { return first_sends(devices).size() == 200; }, std::chrono::seconds(20)));

  auto sends = first_sends(devices);
  auto span = sends.back().first - sends.front().first;
  EXPECT_GT(span, std::chrono::milliseconds(4500)) << "sent faster than 2400/min";
  EXPECT_LT(span, std::chrono::milliseconds(7000)) << "sent much slower than 2400/min";
  // Evenly spread: no second holds much more than 40, no quarter second much more
  // than 10 (the broker publishes in ticks of up to ~100 ms; a busy test machine
  // can hold one back a little longer).
  EXPECT_LE(busiest_window(sends, std::chrono::seconds(1)), 50u);
  EXPECT_LE(busiest_window(sends, std::chrono::milliseconds(250)), 20u);
  // In device-name order, apart from sends that arrive within a few broker ticks.
  std::vector<std::string> names;
  for (auto* d : devices) names.push_back(d->name());
  std::sort(names.begin(), names.end());
  std::map<std::string, Clock::time_point> at;
  for (const auto& [t, name] : sends) at[name] = t;
  for (size_t i = 1; i < names.size(); ++i) {
    EXPECT_LT(at[names[i - 1]], at[names[i]] + std::chrono::milliseconds(150)) << names[i - 1] << " " << names[i];
  }
  // Re-sends do not count against the rate; each device got its first send once.
  for (auto* d : devices) EXPECT_GE(d->commands().size(), 1u);
}

TEST_F(RolloutTest, JobAbortsAtTheThresholdWithExactCounts) {
  auto devices = boot_devices(10);
  booted("d11").disconnect();
  booted("d12").disconnect();
  // Abort when more than 30% of at least 5 finished executions failed or timed out.
  std::string id = create_job(R"(,"abortFailurePercent":30,"abortMinFinished":5,"timeoutSeconds":600)");
  for (auto* d : devices) ASSERT_TRUE(d->wait_command()) << d->name();
  for (int i = 0; i < 3; ++i) upgrade(*devices[i]);
  ASSERT_EQ(devices[3]->progress("1.1", -1), 0);  // 1 of 4 finished failed
  ASSERT_TRUE(execution_reaches(id, "d4", "failed"));
  EXPECT_STREQ(get_job(id)["data"]["state"].GetString(), "in_progress");
  ASSERT_EQ(devices[4]->progress("1.1", -2), 0);  // 2 of 5 = 40% > 30%
  ASSERT_TRUE(job_reaches(id, "aborted"));
  auto doc = get_job(id);
  const auto& j = doc["data"];
  EXPECT_EQ(j["counts"]["succeeded"].GetInt(), 3);
  EXPECT_EQ(j["counts"]["failed"].GetInt(), 2);
  EXPECT_EQ(j["counts"]["sent"].GetInt(), 5);      // in flight, left to finish
  EXPECT_EQ(j["counts"]["canceled"].GetInt(), 2);  // d11, d12 never got it
  EXPECT_STREQ(get_execution(id, "d11")["data"]["reason"].GetString(), "aborted");
  // An in-flight device still finishes and is recorded; the queued one gets nothing.
  upgrade(*devices[5]);
  ASSERT_TRUE(execution_reaches(id, "d6", "succeeded"));
  auto& d11 = booted("d11");
  EXPECT_EQ(get_job(id)["data"]["counts"]["succeeded"].GetInt(), 4);
  EXPECT_STREQ(get_job(id)["data"]["state"].GetString(), "aborted");
  EXPECT_FALSE(d11.wait_command(0, "$ota_upgrade", std::chrono::milliseconds(300)));
}

TEST_F(RolloutTest, DynamicJobUpgradesADeviceSeenForTheFirstTimeAfterCreation) {
  auto& d1 = booted("d1");
  std::string id = create_job(R"(,"dynamic":true,"fromVersions":["1.0"])");
  ASSERT_TRUE(d1.wait_command());
  upgrade(d1);
  ASSERT_TRUE(execution_reaches(id, "d1", "succeeded"));
  EXPECT_STREQ(get_job(id)["data"]["state"].GetString(), "in_progress");

  auto& newcomer = booted("d42");  // never reported before
  ASSERT_TRUE(newcomer.wait_command());
  upgrade(newcomer);
  ASSERT_TRUE(execution_reaches(id, "d42", "succeeded"));
  auto& old = booted("d43", "0.9");  // not in fromVersions
  auto j = get_job(id);
  EXPECT_EQ(j["data"]["total"].GetInt(), 2);
  EXPECT_TRUE(old.commands().empty());

  auto canceled = admin_command(R"({"command":"cancelJob","jobId":")" + id + "\"}");
  EXPECT_EQ(canceled["data"]["canceled"].GetInt(), 0);
  EXPECT_STREQ(get_job(id)["data"]["state"].GetString(), "canceled");
  auto& late = booted("d44");
  EXPECT_EQ(get_job(id)["data"]["total"].GetInt(), 2);
  EXPECT_TRUE(late.commands().empty());
}

TEST_F(RolloutTest, NothingIsSentAfterExpiry) {
  booted("d1").disconnect();
  int64_t expires_ms = (static_cast<int64_t>(time(nullptr)) + 2) * 1000;
  std::string id = create_job(R"(,"devices":["d1"],"expiresAt":)" + std::to_string(expires_ms));
  ASSERT_TRUE(execution_reaches(id, "d1", "canceled", std::chrono::seconds(10)));
  EXPECT_STREQ(get_execution(id, "d1")["data"]["reason"].GetString(), "expired");
  EXPECT_STREQ(get_job(id)["data"]["state"].GetString(), "completed");
  auto& d1 = booted("d1");
  EXPECT_FALSE(d1.wait_command(0, "$ota_upgrade", std::chrono::milliseconds(300)));
}

TEST_F(RolloutTest, RateLimitedJobResumesAtItsRateAfterARestart) {
  auto devices = boot_devices(30);
  // 300 per minute: one every 200 ms.
  std::string id = create_job(R"(,"maxPerMinute":300,"timeoutSeconds":600)");
  ASSERT_TRUE(eventually([&] { return first_sends(devices).size() >= 5; }));
  restart();

  auto sent_before = get_job(id)["data"]["counts"]["sent"].GetInt();
  EXPECT_GE(sent_before, 5);
  EXPECT_LT(sent_before, 30);
  std::vector<SimDevice*> again;
  for (int i = 1; i <= 30; ++i) again.push_back(&booted("d" + std::to_string(i)));
  ASSERT_TRUE(eventually([&] { return get_job(id)["data"]["counts"]["queued"].GetInt() == 0; },
                         std::chrono::seconds(20)));
  // Devices that had their command get it again on reconnect; the others at the job's rate.
  for (auto* d : again) {
    auto e = get_execution(id, d->name());
    auto cmds = d->commands();
    ASSERT_FALSE(cmds.empty()) << d->name();
    EXPECT_EQ(cmds.front().request_id, e["data"]["requestId"].GetString());
  }
  auto fresh = first_sends(again);
  EXPECT_EQ(get_job(id)["data"]["total"].GetInt(), 30);
  EXPECT_EQ(get_job(id)["data"]["counts"]["sent"].GetInt(), 30);
  // The sends the rate allowed after the restart were spaced: at most ~5 a second plus the reconnect re-sends.
  EXPECT_LE(busiest_window(fresh, std::chrono::seconds(1)), static_cast<size_t>(sent_before) + 7);
}

}  // namespace
}  // namespace ota_test
