#include "runtime/event_cost.h"

#include <gtest/gtest.h>

using namespace ota;
using std::chrono::microseconds;

TEST(EventCost, StartsPessimisticAndTakesTheFirstMeasuresAsTheyCome) {
  EventCost cost;
  EXPECT_EQ(cost.capacity(microseconds(50000)), 50);  // 1 ms an event until measured
  cost.record(100, microseconds(1000));               // 10 us each
  EXPECT_DOUBLE_EQ(cost.us_per_event(), 10);
  EXPECT_EQ(cost.capacity(microseconds(50000)), 5000);
}

TEST(EventCost, FollowsASlowdownAtOnceAndASpeedupSlowly) {
  EventCost cost;
  for (int i = 0; i < 10; ++i) cost.record(1000, microseconds(10000));  // 10 us each
  cost.record(500, microseconds(50000));  // 100 us each: one commit is enough
  EXPECT_DOUBLE_EQ(cost.us_per_event(), 100);
  cost.record(500, microseconds(5000));  // 10 us each again: a quarter of the way back
  EXPECT_NEAR(cost.us_per_event(), 100 - 90 * 500.0 / 2048, 1e-9);
  for (int i = 0; i < 40; ++i) cost.record(500, microseconds(5000));
  EXPECT_NEAR(cost.us_per_event(), 10, 0.5);
}

TEST(EventCost, ASmallBatchMovesTheEstimateLittle) {
  EventCost cost;
  cost.record(2000, microseconds(20000));  // 10 us each
  cost.record(1, microseconds(2000));      // one event and its commit: 2 ms
  EXPECT_LT(cost.us_per_event(), 20);
}

TEST(EventCost, CapacityIsBounded) {
  EventCost cost;
  cost.record(100000, microseconds(1000));  // 0.01 us each
  EXPECT_EQ(cost.capacity(microseconds(50000)), EventCost::kMaxCapacity);
  cost.record(1000, std::chrono::seconds(10));  // 10 ms each
  EXPECT_EQ(cost.capacity(microseconds(50000)), EventCost::kMinCapacity);
}
