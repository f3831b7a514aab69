// An admin request travels parsed: the worker runs the parse made where the
// request arrived, and names its sender in the audit log.
#include <gtest/gtest.h>

#include "worker_helpers.h"

using namespace ota_test_worker;

TEST(AdminRequestPath, TheWorkerRunsTheRequestAsParsedWhereItArrivedAndLogsWhoSentIt) {
  TestDbFile f;
  Worker worker(std::make_unique<SqliteStore>(f.path), Options{});
  AdminRequest request{"ops", "not even JSON: were it parsed again, the answer would be a refusal", "resp",
                       std::nullopt, "biz-1"};
  request.body = std::make_shared<const ParsedAdminRequest>(
      R"({"commands":[{"command":"listJobs","product":"lamp","correlationData":"from-the-parse"}]})");
  ASSERT_TRUE(worker.submit(std::move(request)));
  Handed handed;
  auto answer = handed.wait_publish(worker, "resp");
  ASSERT_TRUE(answer);
  EXPECT_EQ(*answer, R"({"responses":[{"command":"listJobs","correlationData":"from-the-parse","data":{"jobs":[]}}]})");
  EXPECT_TRUE(handed.logged("mosquitto_ota: admin | listJobs | user=ops | client=biz-1 | product=lamp | ok"));
}

TEST(AdminRequestPath, ARequestNotParsedYetIsParsedOnceAndKeepsItsParse) {
  AdminRequest request = admin_request(R"({"command":"cancelJob","jobId":"j"})");
  const ParsedAdminRequest& first = parsed(request);
  EXPECT_TRUE(first.writes());
  EXPECT_EQ(&parsed(request), &first);
}
