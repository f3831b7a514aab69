// Acknowledged means durable under any load (SPEC "Hostile input, overload and
// faults"): submit() accepts a report only when it will be committed within
// flush_ms, slows the caller (the broker thread) when the store falls behind,
// and refuses, fast, when waiting does not help.
#include <gtest/gtest.h>

#include "worker_helpers.h"

using namespace ota;
using namespace ota_test_worker;

namespace {

struct Submitted {
  int version;
  Clock::time_point accepted;
};

// Submits statuses of lamp/d1 with versions 1, 2, ... as fast as the worker
// takes them, for `how_long`; returns the accepted ones and how many were refused.
struct Flood {
  std::vector<Submitted> accepted;
  int refused = 0;
};

Flood flood(Worker& worker, std::chrono::milliseconds how_long, int& version) {
  Flood out;
  const auto end = Clock::now() + how_long;
  while (Clock::now() < end) {
    ++version;
    const bool ok = worker.submit(
        status_report("d1", "m" + std::to_string(version), "{\"app_ver\":\"" + std::to_string(version) + "\"}"));
    if (ok) {
      out.accepted.push_back({version, Clock::now()});
    } else {
      ++out.refused;
    }
  }
  return out;
}

// The acknowledged reports that were not seen committed within flush_ms + 100 ms.
int late(const Flood& f, const CommitWatch& watch, int flush_ms) {
  int n = 0;
  for (const auto& s : f.accepted) {
    auto seen = watch.seen(s.version);
    if (!seen || *seen - s.accepted > std::chrono::milliseconds(flush_ms + 100)) {
      ++n;
      ADD_FAILURE() << "version " << s.version << " of " << f.accepted.front().version << ".."
                    << f.accepted.back().version << " seen "
                    << (seen ? std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(*seen - s.accepted).count()) + " ms"
                             : std::string("never"))
                    << " after it was accepted";
    }
  }
  return n;
}

}  // namespace

// A store slower than the flood but committing steadily: the caller (the
// broker thread, hence every client) is slowed down to the store's pace, and
// nothing is refused: a refusal disconnects an MQTT 3.1.1 client, which then
// gets its pending command again. Every acknowledged report is committed in time.
TEST(BackPressure, ASlowStoreThatKeepsCommittingSlowsTheCallerDownWithoutRefusing) {
  TestDbFile f;
  auto store = std::make_unique<SqliteStore>(f.path);
  slow_status_writes(store->db(), 1000);  // a status costs at least 1 ms: ~1,000 a second at most
  Options o;
  o.flush_ms = 400;  // commits every 100 ms of work: a stall of 200 ms would be refused
  Worker worker(std::move(store), o);
  CommitWatch watch(f.path, "d1");
  int version = 0;
  Flood result = flood(worker, std::chrono::milliseconds(2000), version);
  ASSERT_TRUE(wait_idle(worker));
  watch.stop();

  auto stats = worker.stats();
  EXPECT_GT(stats.waits, 0u);  // the caller was slowed down
  EXPECT_EQ(result.refused, 0);  // as each wait saw commits, and room came
  EXPECT_LT(result.accepted.size(), 3000u);
  EXPECT_GT(result.accepted.size(), 100u);
  EXPECT_EQ(late(result, watch, o.flush_ms), 0) << result.accepted.size() << " accepted";
  // Memory stays bounded: never more uncommitted than about flush_ms / 4 of work.
  EXPECT_LE(stats.max_pending, 400);
}

// A store that commits less often than every flush_ms / 2 (each status costs
// 30 ms, and a commit takes at least 8 of them): reports are refused, and once
// refusing, at once until the backlog halved: not a wait per report.
TEST(BackPressure, AStoreWithNoCommitForHalfOfFlushMsIsRefusedAtOnceUntilTheBacklogHalved) {
  TestDbFile f;
  auto store = std::make_unique<SqliteStore>(f.path);
  slow_status_writes(store->db(), 30000);
  Options o;
  o.flush_ms = 200;
  Worker worker(std::move(store), o);
  int version = 0;
  Flood result = flood(worker, std::chrono::milliseconds(1500), version);
  ASSERT_TRUE(wait_idle(worker));

  auto stats = worker.stats();
  EXPECT_GT(stats.waits, 0u);
  EXPECT_GT(result.refused, 0);
  EXPECT_GT(result.accepted.size(), 0u);
  // Counted, not timed: a busy machine may preempt any single call.
  EXPECT_LT(stats.waits * 5, static_cast<uint64_t>(result.refused)) << stats.waits << " waits";
  EXPECT_LE(stats.max_pending, o.flush_ms / 4);  // the first capacity: 1 ms an event until measured
}

TEST(BackPressure, ReportsBelowTheCapacityNeverWait) {
  TestDbFile f;
  Options o;
  o.flush_ms = 200;
  Worker worker(std::make_unique<SqliteStore>(f.path), o);
  for (int i = 1; i <= 200; ++i) {
    ASSERT_TRUE(worker.submit(status_report("d" + std::to_string(i % 7), "m" + std::to_string(i), R"({"v":"1"})")));
    if (i % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(wait_idle(worker));
  EXPECT_EQ(worker.stats().waits, 0u);
  EXPECT_EQ(worker.stats().refused, 0u);
}

TEST(BackPressure, ReportsWaitOrAreRefusedWhileAnAdminRequestThatChangesStateRuns) {
  TestDbFile f;
  auto store = std::make_unique<SqliteStore>(f.path);
  add_sleep_function(store->db());
  // Each execution the request creates takes 100 ms: it runs ~500 ms, far over flush_ms.
  store->db().exec("CREATE TEMP TRIGGER slow_job AFTER INSERT ON executions BEGIN SELECT test_sleep_us(100000); END");
  Options o;
  o.flush_ms = 200;
  Worker worker(std::move(store), o);
  Handed handed;
  int version = 0;
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(worker.submit(status_report("e" + std::to_string(i), "s" + std::to_string(i), R"({"fw_ver":"1"})")));
  }
  ASSERT_TRUE(wait_idle(worker));
  CommitWatch watch(f.path, "d1");
  worker.submit(admin_request(
      R"({"command":"createUpgrade","product":"lamp","type":"fw","version":"2","url":"https://f.example/fw",)"
      R"("md5":"9e107d9d372bb6826bd81d3542a419d6","size":1,"devices":["e1","e2","e3","e4","e5"]})"));
  Flood during = flood(worker, std::chrono::milliseconds(300), version);
  ASSERT_TRUE(handed.wait_publish(worker, "resp"));
  Flood after = flood(worker, std::chrono::milliseconds(300), version);
  ASSERT_TRUE(wait_idle(worker));
  watch.stop();

  EXPECT_GT(during.refused, 0);
  EXPECT_EQ(during.accepted.size(), 0u);
  EXPECT_GT(after.accepted.size(), 0u);  // accepted again once the request is committed
  EXPECT_EQ(late(during, watch, o.flush_ms) + late(after, watch, o.flush_ms), 0);
}

// A fleet answering its commands at once: every report then moves an
// execution, which costs several times a plain report. While a rollout is under
// way the capacity counts every report at that price (first pessimistically,
// then as measured), not at the price of the plain reports seen before, and it
// comes back once the rollout is over.
TEST(BackPressure, WhileARolloutIsUnderWayReportsAreCountedAtTheirPriceAsTransitions) {
  TestDbFile f;
  Options o;
  o.flush_ms = 200;
  Worker worker(std::make_unique<SqliteStore>(f.path), o);
  for (int i = 0; i < 400; ++i) {
    ASSERT_TRUE(worker.submit(status_report("d" + std::to_string(i % 4), "b" + std::to_string(i),
                                            R"({"firmware_ver":"1.0","n":")" + std::to_string(i) + "\"}")));
  }
  ASSERT_TRUE(wait_idle(worker));
  const int64_t plain = worker.stats().capacity;
  worker.submit(admin_request(R"({"command":"createUpgrade","product":"lamp","type":"firmware","version":"1.1",)"
                              R"("url":"https://f.example/fw","md5":"9e107d9d372bb6826bd81d3542a419d6","size":1})"));
  ASSERT_TRUE(wait_idle(worker));
  const int64_t during = worker.stats().capacity;
  // No transition measured yet: 1 ms each, so at most flush_ms/4 / 1 ms of them.
  EXPECT_LE(during, o.flush_ms / 4) << "plain reports gave room for " << plain;
  EXPECT_LT(during, plain);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(worker.submit(status_report("d" + std::to_string(i), "up" + std::to_string(i),
                                            R"({"firmware_ver":"1.1"})")));
  }
  ASSERT_TRUE(wait_idle(worker));
  worker.submit(admin_request(R"({"command":"listJobs","product":"lamp"})"));  // a commit after the last one
  ASSERT_TRUE(wait_idle(worker));
  EXPECT_GT(worker.stats().capacity, during);  // the rollout is over: plain reports again
}
