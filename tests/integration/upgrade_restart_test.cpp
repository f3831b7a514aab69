// A broker restart in the middle of a job loses and duplicates nothing, and the job resumes.
#include <set>

#include "upgrade_fixture.h"

namespace ota_test {
namespace {

class UpgradeRestart : public UpgradeTest {};

TEST_F(UpgradeRestart, UnfinishedJobResumesAfterRestart) {
  auto& d1 = booted("d1");
  auto& d2 = booted("d2");
  booted("d3").disconnect();
  std::string id = create_job(R"(,"timeoutSeconds":600)");
  ASSERT_TRUE(d1.wait_command());
  auto first_command = d2.wait_command();
  ASSERT_TRUE(first_command);
  upgrade(d1);
  ASSERT_TRUE(execution_reaches(id, "d1", "succeeded"));
  ASSERT_EQ(d2.progress("1.1", 20), 0);
  ASSERT_TRUE(execution_reaches(id, "d2", "downloading"));

  restart();

  auto job = get_job(id);
  EXPECT_STREQ(job["data"]["state"].GetString(), "in_progress");
  EXPECT_EQ(job["data"]["counts"]["succeeded"].GetInt(), 1);
  EXPECT_EQ(job["data"]["counts"]["downloading"].GetInt(), 1);
  EXPECT_EQ(job["data"]["counts"]["queued"].GetInt(), 1);

  // d3 never had the command: it gets it when it connects; d2 finishes its download.
  auto& d3 = booted("d3");
  ASSERT_TRUE(d3.wait_command());
  upgrade(d3);
  auto& d2_again = booted("d2");
  upgrade(d2_again);
  ASSERT_TRUE(job_reaches(id, "completed"));
  job = get_job(id);
  EXPECT_EQ(job["data"]["total"].GetInt(), 3);
  EXPECT_EQ(job["data"]["counts"]["succeeded"].GetInt(), 3);
  auto list = admin_command(R"({"command":"listJobExecutions","jobId":")" + id + "\"}");
  std::set<std::string> devices;
  for (const auto& e : list["data"]["executions"].GetArray()) devices.insert(e["device"].GetString());
  EXPECT_EQ(devices, (std::set<std::string>{"d1", "d2", "d3"}));
  EXPECT_EQ(list["data"]["executions"].Size(), 3u);
}

TEST_F(UpgradeRestart, SentCommandIsResentWithTheSameRequestIdAfterRestart) {
  auto& d1 = booted("d1");
  std::string id = create_job();
  auto before = d1.wait_command();
  ASSERT_TRUE(before);
  restart();
  auto& again = booted("d1");
  auto after = again.wait_command();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->request_id, before->request_id);
  EXPECT_STREQ(get_execution(id, "d1")["data"]["state"].GetString(), "sent");
}

}  // namespace
}  // namespace ota_test
