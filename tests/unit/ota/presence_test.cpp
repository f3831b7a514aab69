#include "ota/presence.h"
#include "store/recent_messages.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <random>
#include <string>

using namespace ota;

TEST(Presence, DeviceIsOnlineWhileAnyConnectionIsOpen) {
  Presence p;
  DeviceKey d{"lamp", "d1"};
  EXPECT_FALSE(p.online(d));
  p.opened(1, d, "lamp/d1");
  p.opened(2, d, "lamp/d1/backup");
  EXPECT_TRUE(p.online(d));
  EXPECT_EQ(p.client_ids(d), (std::vector<std::string>{"lamp/d1", "lamp/d1/backup"}));
  EXPECT_EQ(p.closed(1), d);
  EXPECT_TRUE(p.online(d));
  p.closed(2);
  EXPECT_FALSE(p.online(d));
  EXPECT_EQ(p.connection_count(), 0u);
}

TEST(Presence, TakeoverKeepsTheDeviceOnlineAndListsTheSessionOnce) {
  Presence p;
  DeviceKey d{"lamp", "d1"};
  p.opened(1, d, "lamp/d1");
  p.opened(2, d, "lamp/d1");  // the new connection authenticates before the old one closes
  EXPECT_EQ(p.client_ids(d), (std::vector<std::string>{"lamp/d1"}));
  p.closed(1);
  EXPECT_TRUE(p.online(d));
  p.closed(2);
  EXPECT_FALSE(p.online(d));
}

TEST(Presence, UnknownConnectionsAreIgnored) {
  Presence p;
  EXPECT_FALSE(p.closed(42));
}

TEST(RecentMessages, RemembersTheLastThousandIdsOfEachDevice) {
  ota::RecentMessages recent;
  DeviceKey d1{"lamp", "d1"}, d2{"lamp", "d2"};
  EXPECT_TRUE(recent.first_time(d1, "m1"));
  EXPECT_FALSE(recent.first_time(d1, "m1"));
  EXPECT_TRUE(recent.first_time(d2, "m1"));
  for (int i = 0; i < 3000; ++i) ASSERT_TRUE(recent.first_time(d1, "x" + std::to_string(i)));
  for (int i = 2000; i < 3000; ++i) EXPECT_FALSE(recent.first_time(d1, "x" + std::to_string(i)));
  EXPECT_TRUE(recent.first_time(d1, "x0"));  // long forgotten
}

// The ring's index moves entries as old ids are forgotten: checked against a
// plain list of the last 1000 ids over ids that repeat at random.
TEST(RecentMessages, AgreesWithTheLastThousandIdsOverRandomRepeats) {
  ota::RecentMessages recent;
  DeviceKey d{"lamp", "d1"};
  std::deque<std::string> last;
  std::mt19937 rng(7);
  for (int i = 0; i < 50000; ++i) {
    std::string id = "m" + std::to_string(rng() % 3000);
    const bool expected = std::find(last.begin(), last.end(), id) == last.end();
    ASSERT_EQ(recent.first_time(d, id), expected) << "step " << i << " id " << id;
    if (expected) {
      last.push_back(id);
      if (last.size() > ota::kRecentIdsPerDevice) last.pop_front();
    }
  }
}

TEST(Presence, HoldsOnlyTheDevicesOwnClientIds) {
  Presence p;
  p.opened(1, DeviceKey{"lamp", "d1"}, "lamp/d1/a");
  EXPECT_TRUE(p.holds(DeviceKey{"lamp", "d1"}, "lamp/d1/a"));
  EXPECT_FALSE(p.holds(DeviceKey{"lamp", "d1"}, "lamp/d1"));
  EXPECT_FALSE(p.holds(DeviceKey{"lamp", "d2"}, "lamp/d1/a"));
  p.closed(1);
  EXPECT_FALSE(p.holds(DeviceKey{"lamp", "d1"}, "lamp/d1/a"));
}
