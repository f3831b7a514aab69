#include "ota/execution_state.h"

#include <gtest/gtest.h>

using namespace ota;

namespace {

const ExecState kAll[] = {ExecState::Queued,    ExecState::Sent,   ExecState::Downloading, ExecState::Installing,
                          ExecState::Succeeded, ExecState::Failed, ExecState::TimedOut,    ExecState::Canceled};
const ExecState kUnfinished[] = {ExecState::Queued, ExecState::Sent, ExecState::Downloading, ExecState::Installing};

}  // namespace

TEST(ExecutionState, NamesRoundTrip) {
  for (ExecState s : kAll) EXPECT_EQ(exec_state_from(to_string(s)), s);
  EXPECT_FALSE(exec_state_from("running"));
  EXPECT_STREQ(to_string(ExecState::TimedOut), "timed_out");
}

TEST(ExecutionState, FinalStates) {
  for (ExecState s : kUnfinished) EXPECT_FALSE(is_final(s)) << to_string(s);
  for (ExecState s : {ExecState::Succeeded, ExecState::Failed, ExecState::TimedOut, ExecState::Canceled}) {
    EXPECT_TRUE(is_final(s)) << to_string(s);
  }
}

TEST(ExecutionState, DownloadPercentMeansDownloadingAndHundredMeansInstalling) {
  for (ExecState s : kUnfinished) {
    EXPECT_EQ(after_progress(s, 0)->to, ExecState::Downloading);
    EXPECT_EQ(after_progress(s, 99)->to, ExecState::Downloading);
    EXPECT_EQ(after_progress(s, 100)->to, ExecState::Installing);
  }
}

TEST(ExecutionState, NegativeProgressFailsWithItsReason) {
  struct Case {
    int progress;
    const char* reason;
  } cases[] = {{-1, "download_failed"}, {-2, "checksum_failed"}, {-3, "install_failed"}, {-4, "error"}};
  for (const auto& c : cases) {
    auto t = after_progress(ExecState::Downloading, c.progress);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->to, ExecState::Failed);
    EXPECT_EQ(t->reason, c.reason);
  }
}

TEST(ExecutionState, ProgressNeverMovesAFinalExecution) {
  for (ExecState s : {ExecState::Succeeded, ExecState::Failed, ExecState::TimedOut, ExecState::Canceled}) {
    EXPECT_FALSE(after_progress(s, 50)) << to_string(s);
    EXPECT_FALSE(after_progress(s, -1)) << to_string(s);
  }
}

TEST(ExecutionState, TargetVersionInStatusIsSuccessEvenAfterFailureOrTimeout) {
  for (ExecState s : {ExecState::Queued, ExecState::Sent, ExecState::Downloading, ExecState::Installing,
                      ExecState::Failed, ExecState::TimedOut}) {
    auto t = after_status(s, true);
    ASSERT_TRUE(t) << to_string(s);
    EXPECT_EQ(t->to, ExecState::Succeeded);
  }
  EXPECT_FALSE(after_status(ExecState::Succeeded, true));
  EXPECT_FALSE(after_status(ExecState::Canceled, true));
}

TEST(ExecutionState, OtherVersionAfterInstallIsVersionMismatch) {
  auto t = after_status(ExecState::Installing, false);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to, ExecState::Failed);
  EXPECT_EQ(t->reason, "version_mismatch");
  for (ExecState s : {ExecState::Queued, ExecState::Sent, ExecState::Downloading, ExecState::Failed,
                      ExecState::TimedOut, ExecState::Succeeded, ExecState::Canceled}) {
    EXPECT_FALSE(after_status(s, false)) << to_string(s);
  }
}

TEST(ExecutionState, OnlyExecutionsWithTheCommandTimeOut) {
  for (ExecState s : {ExecState::Sent, ExecState::Downloading, ExecState::Installing}) {
    EXPECT_EQ(after_deadline(s)->to, ExecState::TimedOut);
  }
  for (ExecState s : {ExecState::Queued, ExecState::Succeeded, ExecState::Failed, ExecState::TimedOut,
                      ExecState::Canceled}) {
    EXPECT_FALSE(after_deadline(s)) << to_string(s);
  }
}
