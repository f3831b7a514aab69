// The OTA flow end to end on a real broker with simulated IotHub devices.
#include "upgrade_fixture.h"

namespace ota_test {
namespace {

class UpgradeFlow : public UpgradeTest {};

TEST_F(UpgradeFlow, SeveralDevicesAreUpgradedAndEveryStepIsAnEvent) {
  auto& watcher = admin();
  ASSERT_EQ(watcher.mqtt().subscribe("$CONTROL/ota/v1/events/#"), 1);
  std::vector<SimDevice*> devices;
  for (int i = 1; i <= 5; ++i) devices.push_back(&booted("d" + std::to_string(i)));
  booted("d6", "1.1");  // already there

  auto created = create_upgrade();
  ASSERT_TRUE(created.HasMember("data")) << to_string(created);
  std::string id = created["data"]["jobId"].GetString();
  EXPECT_EQ(created["data"]["targeted"].GetInt(), 5);
  EXPECT_EQ(created["data"]["skipped"]["alreadyAtVersion"].GetInt(), 1);

  for (auto* d : devices) {
    auto cmd = d->wait_command();
    ASSERT_TRUE(cmd) << d->name();
    EXPECT_EQ(cmd->topic.rfind("cmd/p1/" + d->name() + "/$ota_upgrade/plain/", 0), 0u) << cmd->topic;
    EXPECT_EQ(cmd->payload,
              R"({"type":"firmware","version":"1.1","url":"https://files.example.com/fw-1.1.bin",)"
              R"("md5":"9e107d9d372bb6826bd81d3542a419d6","size":1048576})");
    EXPECT_EQ(cmd->expires_at, "");
    upgrade(*d);
  }
  ASSERT_TRUE(job_reaches(id, "completed"));
  auto job = get_job(id);
  EXPECT_EQ(job["data"]["total"].GetInt(), 5);
  EXPECT_EQ(job["data"]["counts"]["succeeded"].GetInt(), 5);

  // Each device's events, in order: sent, downloading, installing, succeeded.
  for (auto* d : devices) {
    std::string topic = "$CONTROL/ota/v1/events/p1/" + d->name();
    std::vector<std::string> states;
    for (const auto& m : watcher.mqtt().messages()) {
      if (m.topic != topic) continue;
      auto e = parse(m.payload);
      EXPECT_STREQ(e["jobId"].GetString(), id.c_str());
      states.push_back(e["state"].GetString());
    }
    EXPECT_EQ(states, (std::vector<std::string>{"sent", "downloading", "installing", "succeeded"})) << d->name();
  }
  // Each device got its command exactly once.
  for (auto* d : devices) EXPECT_EQ(d->commands().size(), 1u);
}

TEST_F(UpgradeFlow, EveryFailureCodeFailsWithItsReason) {
  const char* reasons[] = {"download_failed", "checksum_failed", "install_failed", "error"};
  std::vector<SimDevice*> devices;
  for (int i = 1; i <= 4; ++i) devices.push_back(&booted("d" + std::to_string(i)));
  std::string id = create_job();
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(devices[i]->wait_command());
    ASSERT_EQ(devices[i]->progress("1.1", 30), 0);
    ASSERT_EQ(devices[i]->progress("1.1", -(i + 1), "it broke"), 0);
  }
  ASSERT_TRUE(job_reaches(id, "completed"));
  EXPECT_EQ(get_job(id)["data"]["counts"]["failed"].GetInt(), 4);
  for (int i = 0; i < 4; ++i) {
    auto e = get_execution(id, devices[i]->name());
    EXPECT_STREQ(e["data"]["state"].GetString(), "failed");
    EXPECT_STREQ(e["data"]["reason"].GetString(), reasons[i]);
    EXPECT_STREQ(e["data"]["desc"].GetString(), "it broke");
  }
}

TEST_F(UpgradeFlow, ExecutionTimesOutAndALaterVersionReportStillSucceeds) {
  auto& d = booted("d1");
  std::string id = create_job(R"(,"timeoutSeconds":1)");
  ASSERT_TRUE(d.wait_command());
  ASSERT_EQ(d.progress("1.1", 10), 0);
  ASSERT_TRUE(execution_reaches(id, "d1", "timed_out"));
  EXPECT_EQ(get_job(id)["data"]["state"], "completed");
  ASSERT_EQ(d.report_version("1.1"), 0);  // the version is the truth
  ASSERT_TRUE(execution_reaches(id, "d1", "succeeded"));
  EXPECT_EQ(get_job(id)["data"]["counts"]["succeeded"].GetInt(), 1);
  EXPECT_EQ(get_job(id)["data"]["counts"]["timed_out"].GetInt(), 0);
}

TEST_F(UpgradeFlow, InstallThatDidNotTakeIsAVersionMismatch) {
  auto& d = booted("d1");
  std::string id = create_job();
  ASSERT_TRUE(d.wait_command());
  ASSERT_EQ(d.progress("1.1", 100), 0);
  ASSERT_EQ(d.report_version("1.0"), 0);
  ASSERT_TRUE(execution_reaches(id, "d1", "failed"));
  EXPECT_STREQ(get_execution(id, "d1")["data"]["reason"].GetString(), "version_mismatch");
}

TEST_F(UpgradeFlow, OfflineDeviceIsUpgradedWhenItConnects) {
  {
    auto& d = booted("d1");
    d.disconnect();
  }
  std::string id = create_job(R"(,"devices":["d1"])");
  auto queued = get_execution(id, "d1");
  EXPECT_STREQ(queued["data"]["state"].GetString(), "queued");
  auto& d = sim("d1");
  d.boot();
  auto cmd = d.wait_command();
  ASSERT_TRUE(cmd);
  upgrade(d);
  ASSERT_TRUE(job_reaches(id, "completed"));
  EXPECT_EQ(get_job(id)["data"]["counts"]["succeeded"].GetInt(), 1);
}

TEST_F(UpgradeFlow, IgnoredCommandIsResentWithTheSameRequestId) {
  auto& d = booted("d1");
  std::string id = create_job();
  // resend_seconds 1, max_resends 2: the first send and two re-sends.
  ASSERT_TRUE(d.wait_command(2, "$ota_upgrade", std::chrono::seconds(10)));
  ASSERT_TRUE(eventually([&] { return get_execution(id, "d1")["data"]["resends"].GetInt() == 2; }));
  auto cmds = d.commands();
  for (const auto& c : cmds) EXPECT_EQ(c.request_id, cmds[0].request_id);
  EXPECT_EQ(get_execution(id, "d1")["data"]["requestId"].GetString(), cmds[0].request_id);
  // Reconnecting gets it once more.
  d.disconnect();
  auto& again = sim("d1");
  again.boot();
  auto cmd = again.wait_command();
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->request_id, cmds[0].request_id);
}

TEST_F(UpgradeFlow, DeviceThatSubscribesToItsCommandsGetsEachOnce) {
  auto& d = sim("d1");
  ASSERT_EQ(d.mqtt().connect(), 0);
  ASSERT_EQ(d.mqtt().subscribe("cmd/p1/d1/#"), 1);
  ASSERT_EQ(d.report_version("1.0"), 0);
  auto& second = sim("d1", "1.0", "/aux");  // a second session of the same device
  ASSERT_EQ(second.mqtt().connect(), 0);
  std::string id = create_job(R"(,"devices":["d1"],"timeoutSeconds":30)");
  ASSERT_TRUE(d.wait_command());
  ASSERT_TRUE(second.wait_command());
  ASSERT_EQ(d.progress("1.1", 1), 0);  // stops the re-sends
  ASSERT_TRUE(execution_reaches(id, "d1", "downloading"));
  EXPECT_EQ(d.commands().size(), 1u);
  EXPECT_EQ(second.commands().size(), 1u);
}

TEST_F(UpgradeFlow, ExpiryIsInTheCommandTopic) {
  auto& d = booted("d1");
  int64_t expires_ms = (static_cast<int64_t>(time(nullptr)) + 3600) * 1000;
  create_job(R"(,"expiresAt":)" + std::to_string(expires_ms));
  auto cmd = d.wait_command();
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->expires_at, std::to_string(expires_ms / 1000));
}

TEST_F(UpgradeFlow, CancelTellsTheDeviceAndCancelsTheRest) {
  auto& d1 = booted("d1");
  booted("d2").disconnect();
  std::string id = create_job(R"(,"devices":["d1","d2"])");
  auto cmd = d1.wait_command();
  ASSERT_TRUE(cmd);
  ASSERT_EQ(d1.progress("1.1", 40), 0);
  ASSERT_TRUE(execution_reaches(id, "d1", "downloading"));
  auto r = admin_command(R"({"command":"cancelJob","jobId":")" + id + "\"}");
  ASSERT_TRUE(r.HasMember("data")) << to_string(r);
  EXPECT_EQ(r["data"]["canceled"].GetInt(), 2);
  auto cancel = d1.wait_command(0, "$ota_cancel");
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel->request_id, cmd->request_id);
  EXPECT_EQ(cancel->payload, R"({"type":"firmware","version":"1.1"})");
  auto job = get_job(id);
  EXPECT_STREQ(job["data"]["state"].GetString(), "canceled");
  EXPECT_EQ(job["data"]["counts"]["canceled"].GetInt(), 2);
  EXPECT_EQ(error_code(admin_command(R"({"command":"cancelJob","jobId":")" + id + "\"}")), "conflict");
}

TEST_F(UpgradeFlow, UnauthorizedClientCanRunNoAdminCommand) {
  booted("d1");
  auto& outsider = client("business", "outsider");
  auto& dev = client("p1/d2", "p1/d2");
  for (const char* cmd : {
           R"({"command":"createUpgrade","product":"p1","type":"firmware","version":"1.1","url":"https://x/y","md5":"9e107d9d372bb6826bd81d3542a419d6","size":1})",
           R"({"command":"getJob","jobId":"abc"})", R"({"command":"listJobs"})",
           R"({"command":"listJobExecutions","jobId":"abc"})", R"({"command":"cancelJob","jobId":"abc"})",
           R"({"command":"getExecution","jobId":"abc","product":"p1","device":"d1"})",
           R"({"command":"getDevice","product":"p1","device":"d1"})", R"({"command":"listDevices","product":"p1"})"}) {
    std::string request = std::string(R"({"commands":[)") + cmd + "]}";
    EXPECT_EQ(outsider.publish("$CONTROL/ota/v1", request), kNotAuthorized) << cmd;
    EXPECT_EQ(dev.publish("$CONTROL/ota/v1", request), kNotAuthorized) << cmd;
  }
  EXPECT_TRUE(outsider.connected());
  EXPECT_TRUE(dev.connected());
  auto jobs = admin_command(R"({"command":"listJobs"})");
  EXPECT_TRUE(jobs["data"]["jobs"].Empty()) << to_string(jobs);
  EXPECT_TRUE(sims.front()->commands().empty());
}

TEST_F(UpgradeFlow, MalformedCreateUpgradeChangesNothing) {
  auto& d = booted("d1");
  EXPECT_EQ(error_code(create_upgrade(R"(,"md5":"nothex")")), "invalid_request");
  EXPECT_EQ(error_code(create_upgrade(R"(,"devices":["d1"],"dynamics":true)")), "invalid_request");
  EXPECT_EQ(error_code(admin_command(R"({"command":"createUpgrade","product":"p1"})")), "invalid_request");
  EXPECT_EQ(error_code(admin_command(R"({"command":"getJob","jobId":"000000000000000000000000"})")), "not_found");
  EXPECT_TRUE(admin_command(R"({"command":"listJobs"})")["data"]["jobs"].Empty());
  EXPECT_TRUE(d.commands().empty());
}

}  // namespace
}  // namespace ota_test
