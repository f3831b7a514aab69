#include "runtime/event_cost.h"

#include <gtest/gtest.h>

using namespace ota;
using std::chrono::microseconds;

TEST(EventCost, StartsPessimisticAndTakesTheFirstMeasuresAsTheyCome) {
  EventCost cost;
  EXPECT_EQ(cost.capacity(microseconds(50000)), 50);  // 1 ms an event until measured
  cost.record_commit(100, microseconds(1000));               // 10 us each
  EXPECT_DOUBLE_EQ(cost.us_per_event(), 10);
  EXPECT_EQ(cost.capacity(microseconds(50000)), 5000);
}

TEST(EventCost, FollowsASlowdownAtOnceAndASpeedupSlowly) {
  EventCost cost;
  for (int i = 0; i < 10; ++i) cost.record_commit(1000, microseconds(10000));  // 10 us each
  cost.record_commit(500, microseconds(50000));  // 100 us each: one commit is enough
  EXPECT_DOUBLE_EQ(cost.us_per_event(), 100);
  cost.record_commit(500, microseconds(5000));  // 10 us each again: a quarter of the way back
  EXPECT_NEAR(cost.us_per_event(), 100 - 90 * 500.0 / 2048, 1e-9);
  for (int i = 0; i < 40; ++i) cost.record_commit(500, microseconds(5000));
  EXPECT_NEAR(cost.us_per_event(), 10, 0.5);
}

TEST(EventCost, ASmallBatchMovesTheEstimateLittle) {
  EventCost cost;
  cost.record_commit(2000, microseconds(20000));  // 10 us each
  cost.record_commit(20, microseconds(2000));     // 20 events and their commit: 2 ms
  EXPECT_LT(cost.us_per_event(), 20);
}

TEST(EventCost, CommitsOfAFewEventsTeachTheCostOfACommitNotOfAnEvent) {
  EventCost cost;
  cost.record_commit(2000, microseconds(20000));  // 10 us each
  // Hundreds of commits of one event each, 2 ms apiece: a remote database's round trips and sync.
  for (int i = 0; i < 500; ++i) cost.record_commit(1, microseconds(2000));
  EXPECT_LT(cost.us_per_event(), 12);
  EXPECT_NEAR(cost.us_per_commit(), 1990, 10);
  // 250 ms hold one commit and what is left of them at 10 us an event.
  EXPECT_NEAR(cost.capacity(microseconds(250000)), (250000 - 1990) / 10, 300);
  // A flood at 40 us an event is seen at once, its commit's cost apart.
  cost.record_commit(1000, microseconds(2000 + 40000));
  EXPECT_NEAR(cost.us_per_event(), 40, 1);
}

// A store that defers its writes to the commit (PostgreSQL) shows what a
// transition costs only there: what is left of a commit once its plain events
// and the commit itself are paid is the transitions'.
TEST(EventCost, TransitionsCostWhatIsLeftOfTheirCommitOnceItsPlainEventsArePaid) {
  EventCost cost;
  EXPECT_EQ(cost.capacity(microseconds(50000), true), 50);  // 1 ms a transition until measured
  cost.record_commit(1000, microseconds(10000));            // plain: 10 us each
  EXPECT_EQ(cost.capacity(microseconds(50000), true), 50);  // plain events say nothing of transitions
  // 100 plain events and 400 transitions: 1 ms + 40 ms.
  cost.record_commit(500, microseconds(1000 + 40000), 400);
  EXPECT_DOUBLE_EQ(cost.us_per_transition(), 100);
  EXPECT_DOUBLE_EQ(cost.us_per_event(), 10);  // unchanged by the transitions
  EXPECT_EQ(cost.capacity(microseconds(50000)), 5000);
  EXPECT_EQ(cost.capacity(microseconds(50000), true), 500);
}

TEST(EventCost, AFewTransitionsAmongManyEventsTeachThePlainCostOnly) {
  EventCost cost;
  cost.record_commit(1000, microseconds(12000), 3);
  EXPECT_DOUBLE_EQ(cost.us_per_event(), 12);
  EXPECT_DOUBLE_EQ(cost.us_per_transition(), 1000);
}

TEST(EventCost, TransitionsCheaperThanPlainEventsLeaveTheCapacityAtThePlainOne) {
  EventCost cost;
  cost.record_commit(1000, microseconds(20000));  // plain: 20 us each
  cost.record_commit(1000, microseconds(5000), 1000);  // transitions: 5 us each (nothing much to move)
  EXPECT_EQ(cost.capacity(microseconds(50000), true), cost.capacity(microseconds(50000)));
}

TEST(EventCost, CapacityIsBounded) {
  EventCost cost;
  cost.record_commit(100000, microseconds(1000));  // 0.01 us each
  EXPECT_EQ(cost.capacity(microseconds(50000)), EventCost::kMaxCapacity);
  cost.record_commit(1000, std::chrono::seconds(10));  // 10 ms each
  EXPECT_EQ(cost.capacity(microseconds(50000)), EventCost::kMinCapacity);
}
