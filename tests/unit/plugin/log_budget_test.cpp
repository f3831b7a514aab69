#include "plugin/log_budget.h"

#include <gtest/gtest.h>

using namespace ota;

TEST(LogBudget, AdmitsSoManyLinesASecondAndCountsTheRest) {
  LogBudget budget(3);
  uint64_t left_out = 99;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(budget.admit(5000 + i, left_out));
    EXPECT_EQ(left_out, 0u);
  }
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(budget.admit(5500, left_out));
  // The next second: the first line says how many were left out.
  EXPECT_TRUE(budget.admit(6000, left_out));
  EXPECT_EQ(left_out, 10u);
  EXPECT_TRUE(budget.admit(6001, left_out));
  EXPECT_EQ(left_out, 0u);
}

TEST(LogBudget, SaysHowManyWereLeftOutOnceTheSecondIsOver) {
  LogBudget budget(1);
  uint64_t left_out = 0;
  EXPECT_TRUE(budget.admit(1000, left_out));
  EXPECT_FALSE(budget.admit(1001, left_out));
  EXPECT_FALSE(budget.admit(1002, left_out));
  EXPECT_FALSE(budget.overdue_left_out(1999, left_out));  // the same second
  EXPECT_TRUE(budget.overdue_left_out(2000, left_out));
  EXPECT_EQ(left_out, 2u);
  EXPECT_FALSE(budget.overdue_left_out(3000, left_out));  // said once
}
