// What the plugin accepted survives a broker restart (SPEC "Persistence and restart").
#include <thread>

#include "fixture.h"

namespace ota_test {
namespace {

class Persistence : public BrokerTest {
 protected:
  void restart_with(void (BrokerProcess::*halt)()) {
    clients.clear();
    admins.clear();
    (broker.get()->*halt)();
    ASSERT_TRUE(broker->start()) << broker->log();
  }
};

TEST_F(Persistence, CleanShutdownRightAfterTheAcksLosesNothing) {
  auto& dev = device("p1/d1");
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(dev.publish("update_ota_status/p1/d1/p" + std::to_string(i),
                          R"({"type":"firmware","version":"1.1","progress":)" + std::to_string(i / 2) + "}"),
              0);
  }
  ASSERT_EQ(dev.publish("update_status/p1/d1/s", R"({"firmware_ver":"1.1"})"), 0);
  restart_with(&BrokerProcess::stop);  // SIGTERM at once: no waiting for a flush

  auto r = get_device("p1", "d1");
  ASSERT_TRUE(r.HasMember("data")) << to_string(r);
  EXPECT_EQ(to_string(r["data"]["status"]), R"({"firmware_ver":"1.1"})");
  EXPECT_FALSE(r["data"]["online"].GetBool());
  ASSERT_EQ(r["data"]["recentProgress"].Size(), 20u);
  EXPECT_EQ(r["data"]["recentProgress"][0]["progress"].GetInt(), 99);
  // The ids remembered before the restart still stop a duplicate after it.
  auto& again = device("p1/d1");
  ASSERT_EQ(again.publish("update_ota_status/p1/d1/p199", R"({"type":"firmware","version":"1.1","progress":0})"), 0);
  EXPECT_EQ(get_device("p1", "d1")["data"]["recentProgress"][0]["progress"].GetInt(), 99);
}

TEST_F(Persistence, KillAfterFlushIntervalLosesNothing) {
  auto& dev = device("p1/d2");
  ASSERT_EQ(dev.publish("update_status/p1/d2/s", R"({"app_ver":"7"})"), 0);
  // The promise under test is about time: flush_ms (50 here) + 100 ms after the ack.
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  restart_with(&BrokerProcess::kill9);
  auto r = get_device("p1", "d2");
  ASSERT_TRUE(r.HasMember("data")) << to_string(r);
  EXPECT_EQ(to_string(r["data"]["status"]), R"({"app_ver":"7"})");
}

}  // namespace
}  // namespace ota_test
