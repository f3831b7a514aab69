// The worker's steps other than events are bounded in time, so that the
// reports waiting behind them are still committed within flush_ms: a job's
// fill creates what fits its time budget, and the timers stop at a deadline.
#include <gtest/gtest.h>

#include "admin_fixture.h"

using namespace ota;

namespace {

class BoundedSteps : public AdminFixture {
 protected:
  BoundedSteps() {
    store.database().begin();
    for (int i = 0; i < kDevices; ++i) report_status(name(i), R"({"firmware_ver":"1.0"})");
    store.database().commit();
    out = Effects();
  }
  static constexpr int kDevices = 1200;
  static std::string name(int i) { return "d" + std::to_string(10000 + i); }

  std::string create(const std::string& extra = "") {
    auto r = one(R"({"command":"createUpgrade","product":"lamp","type":"firmware","version":"1.1",)"
                 R"("url":"https://f.example/fw","md5":"9e107d9d372bb6826bd81d3542a419d6","size":1)" +
                 extra + "}");
    EXPECT_TRUE(r.HasMember("data"));
    return r.HasMember("data") ? r["data"]["jobId"].GetString() : "";
  }
  Job job(const std::string& id) { return *store.jobs().find_job(id); }
  int64_t in_state(const std::string& id, ExecState s) { return job(id).counts[static_cast<size_t>(s)]; }
};

}  // namespace

TEST_F(BoundedSteps, AFillStepCreatesWhatFitsItsTimeBudget) {
  upgrades.set_fill_budget(std::chrono::microseconds(1));  // less than one device takes: the least chunk
  std::string id = create();
  EXPECT_EQ(job(id).total(), 500);
  upgrades.tick(now, out);
  EXPECT_EQ(job(id).total(), 1000);
  upgrades.set_fill_budget(std::chrono::seconds(10));  // room for all the rest
  upgrades.tick(now, out);
  EXPECT_EQ(job(id).total(), kDevices);
  EXPECT_FALSE(job(id).fill_cursor);
}

TEST_F(BoundedSteps, TimersStopAtTheirDeadlineAndTheRestWaitsForTheNextTick) {
  std::string devices;
  for (int i = 0; i < kDevices; ++i) {
    presence.opened(static_cast<uint64_t>(i), {"lamp", name(i)}, "c" + std::to_string(i));
    devices += (i ? ",\"" : "\"") + name(i) + "\"";
  }
  std::string id = create(R"(,"timeoutSeconds":1,"devices":[)" + devices + "]");
  ASSERT_EQ(in_state(id, ExecState::Sent), kDevices);
  upgrades.tick(now + 2000, out, std::chrono::steady_clock::now());  // the deadline has passed
  EXPECT_EQ(in_state(id, ExecState::TimedOut), 0);
  upgrades.tick(now + 2000, out);  // a page of them
  upgrades.tick(now + 2000, out);
  EXPECT_EQ(in_state(id, ExecState::TimedOut), kDevices);
}
