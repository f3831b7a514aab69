// ota-agent end to end: the real broker with the plugin, a local HTTP server
// with real image files, the agent as its own process (docs/protocol.md 3.8).
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "agent_fixture.h"

namespace ota_test {
namespace {

using namespace std::chrono_literals;

size_t occurrences(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST_F(AgentTest, DownloadsVerifiesInstallsAndSucceeds) {
  make_agent();
  start_agent();
  const Image fw = image("fw-1.1.bin", 300000);
  const std::string job = upgrade_job(fw);
  expect_execution(job, "succeeded");
  EXPECT_TRUE(job_reaches(job, "completed"));

  // The install command got the verified image, its type and version.
  EXPECT_EQ(read_bytes(dir.path() + "/installed.img"), fw.bytes);
  const std::string installs = read_bytes(dir.path() + "/installs.log");
  EXPECT_NE(installs.find(" firmware 1.1\n"), std::string::npos) << installs;
  EXPECT_TRUE(download_dir_empty());
  // Progress went through downloading and installing; the new version is the status.
  auto execution = get_execution(job, "d1");
  const std::string history = to_string(execution["data"]["history"]);
  EXPECT_NE(history.find(R"("state":"downloading","progress":0,"desc":"downloading")"), std::string::npos) << history;
  EXPECT_NE(history.find(R"("state":"installing","progress":100,"desc":"installing")"), std::string::npos) << history;
  auto device = get_device("p1", "d1");
  EXPECT_STREQ(device["data"]["status"]["firmware_ver"].GetString(), "1.1");
  EXPECT_EQ(server->requests().size(), 1u);

  // The new version survives a restart of the agent.
  const std::string reported = R"(reporting status {"firmware_ver":"1.1"})";
  EXPECT_EQ(occurrences(agent_->log(), reported), 1u) << agent_->log();
  agent_->stop();
  agent_->start();
  EXPECT_TRUE(eventually([&] { return occurrences(agent_->log(), reported) == 2; })) << agent_->log();
}

TEST_F(AgentTest, ProgressIsReportedAtTenPercentStepsAtMostOnceASecond) {
  make_agent();
  start_agent();
  const Image fw = image("fw.bin", 200000);
  server->set_rate(50000);  // 25% a second: two steps a second, one report
  const std::string job = upgrade_job(fw);
  expect_execution(job, "succeeded");
  // The history, newest first: its download progress entries, oldest first.
  auto execution = get_execution(job, "d1");
  std::vector<std::pair<int64_t, int>> reports;
  for (const auto& entry : execution["data"]["history"].GetArray()) {
    if (std::string(entry["event"].GetString()) == "progress" && entry["progress"].GetInt() < 100) {
      reports.insert(reports.begin(), {entry["at"].GetInt64(), entry["progress"].GetInt()});
    }
  }
  ASSERT_GE(reports.size(), 3u) << to_string(execution);
  ASSERT_LE(reports.size(), 6u) << to_string(execution);
  EXPECT_EQ(reports.front().second, 0);
  for (size_t i = 1; i < reports.size(); ++i) {
    EXPECT_GT(reports[i].second / 10, reports[i - 1].second / 10) << to_string(execution);
    EXPECT_GE(reports[i].first - reports[i - 1].first, 900) << to_string(execution);  // sent 1 s apart at least
  }
}

TEST_F(AgentTest, ATamperedImageIsChecksumFailedAndDeleted) {
  make_agent();
  start_agent();
  const Image fw = image("fw.bin", 50000);
  Image tampered = fw;
  tampered.bytes[100] ^= 1;
  server->put(fw.name, tampered.bytes);
  const std::string job = upgrade_job(fw);
  expect_execution(job, "failed", "checksum_failed");
  EXPECT_NE(execution_field(job, "desc").find("md5 mismatch"), std::string::npos) << execution_field(job, "desc");
  EXPECT_TRUE(download_dir_empty());
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/installs.log"));
}

TEST_F(AgentTest, ASha256MismatchIsChecksumFailed) {
  make_agent();
  start_agent();
  const Image fw = image("fw.bin", 50000);
  const std::string job =
      upgrade_job(server->url(fw.name), fw.md5, fw.bytes.size(), ota::to_hex(ota::sha256("something else")));
  expect_execution(job, "failed", "checksum_failed");
  EXPECT_NE(execution_field(job, "desc").find("sha256 mismatch"), std::string::npos);
  EXPECT_TRUE(download_dir_empty());
}

TEST_F(AgentTest, AMissingImageIsDownloadFailed) {
  make_agent();
  start_agent();
  const std::string job = upgrade_job(server->url("nowhere.bin"), md5_hex("x"), 1000, "");
  expect_execution(job, "failed", "download_failed");
  EXPECT_NE(execution_field(job, "desc").find("HTTP 404"), std::string::npos) << execution_field(job, "desc");
  EXPECT_TRUE(download_dir_empty());
}

TEST_F(AgentTest, AStalledServerTimesOutAsDownloadFailed) {
  make_agent({{"stall_timeout_seconds", "2"}});
  start_agent();
  const Image fw = image("fw.bin", 200000);
  server->set_rate(20000);
  server->stall(true);
  const std::string job = upgrade_job(fw);
  expect_execution(job, "failed", "download_failed");
  EXPECT_NE(execution_field(job, "desc").find("stalled"), std::string::npos) << execution_field(job, "desc");
  EXPECT_TRUE(download_dir_empty());
}

TEST_F(AgentTest, AFullDiskIsDownloadFailedWithTheReason) {
  // The download directory is a 64 KiB tmpfs (mounting needs root, as in integration/full_disk_test.cpp).
  if (geteuid() != 0) GTEST_SKIP() << "needs root, to mount a small tmpfs for the downloads";
  TempDir disk;
  if (mount("tmpfs", disk.path().c_str(), "tmpfs", 0, "size=64k") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs: " << std::strerror(errno);
  }
  struct Unmount {
    std::string path;
    ~Unmount() { umount2(path.c_str(), MNT_DETACH); }
  } unmount{disk.path()};
  make_agent({{"download_dir", disk.path()}});
  start_agent();
  const Image fw = image("fw.bin", 300000);
  const std::string job = upgrade_job(fw);
  expect_execution(job, "failed", "download_failed");
  EXPECT_NE(execution_field(job, "desc").find("No space left on device"), std::string::npos)
      << execution_field(job, "desc");
  EXPECT_TRUE(std::filesystem::is_empty(disk.path()));  // the partial file is deleted: the space is back
}

TEST_F(AgentTest, AFailingInstallCommandIsInstallFailed) {
  make_agent({{"install_command", "exit 3;"}});
  start_agent();
  const Image fw = image("fw.bin", 20000);
  const std::string job = upgrade_job(fw);
  expect_execution(job, "failed", "install_failed");
  EXPECT_EQ(execution_field(job, "desc"), "install command exited with 3");
  EXPECT_TRUE(download_dir_empty());
  EXPECT_STREQ(get_device("p1", "d1")["data"]["status"]["firmware_ver"].GetString(), "1.0");
}

TEST_F(AgentTest, CancelStopsAThrottledDownloadAndCleansUp) {
  make_agent();
  start_agent();
  const Image fw = image("fw.bin", 400000);
  server->set_rate(40000);  // 10 s
  const std::string job = upgrade_job(fw);
  ASSERT_TRUE(execution_reaches(job, "d1", "downloading")) << agent_->log();
  auto r = admin_command(R"({"command":"cancelJob","jobId":")" + job + "\"}");
  ASSERT_TRUE(r.HasMember("data")) << to_string(r);
  ASSERT_TRUE(agent_->wait_for_log("download stopped, file deleted", 5s)) << agent_->log();
  EXPECT_TRUE(download_dir_empty());
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/installs.log"));
  EXPECT_EQ(execution_field(job, "state"), "canceled");
  // The request is remembered as handled: a restart does not pick it up again.
  agent_->stop();
  agent_->start();
  ASSERT_TRUE(agent_->wait_for_log("connected\n")) << agent_->log();
  EXPECT_EQ(agent_->log().find("resuming"), std::string::npos) << agent_->log();
  EXPECT_EQ(server->requests().size(), 1u);
}

TEST_F(AgentTest, ACancelForAnUpgradeWaitingItsTurnKeepsItFromStarting) {
  make_agent({{"version.app", "2.0"}});
  start_agent();
  const Image fw = image("fw.bin", 200000);
  const Image app = image("app.bin", 1000);
  server->set_rate(100000);  // 2 s
  const std::string first = upgrade_job(fw);
  ASSERT_TRUE(execution_reaches(first, "d1", "downloading")) << agent_->log();
  // One upgrade at a time: the second waits for the first, and is canceled meanwhile.
  auto r = admin_command(R"({"command":"createUpgrade","product":"p1","type":"app","version":"2.1",)"
                         R"("devices":["d1"],"url":")" +
                         server->url(app.name) + R"(","md5":")" + app.md5 + R"(","size":1000})");
  ASSERT_TRUE(r.HasMember("data")) << to_string(r);
  const std::string second = r["data"]["jobId"].GetString();
  r = admin_command(R"({"command":"cancelJob","jobId":")" + second + "\"}");
  ASSERT_TRUE(r.HasMember("data")) << to_string(r);
  expect_execution(first, "succeeded");
  ASSERT_TRUE(agent_->wait_for_log("canceled $ota_upgrade " + execution_field(second, "requestId") +
                                   " (app 2.1) before it started"))
      << agent_->log();
  EXPECT_EQ(server->requests(), std::vector<std::string>{"GET /fw.bin range="});
  EXPECT_STREQ(get_device("p1", "d1")["data"]["status"]["app_ver"].GetString(), "2.0");
}

TEST_F(AgentTest, AKilledAgentResumesItsDownloadWithARangeRequest) {
  make_agent();
  start_agent();
  const Image fw = image("fw.bin", 300000);
  server->set_rate(50000);  // 6 s
  const std::string job = upgrade_job(fw);
  const std::string partial = agent_->download_dir() + "/" + execution_field(job, "requestId") + ".img";
  ASSERT_TRUE(eventually(
      [&] {
        std::error_code ec;
        return std::filesystem::file_size(partial, ec) >= 60000 && !ec;
      },
      10s))
      << agent_->log();
  agent_->kill9();
  const auto kept = std::filesystem::file_size(partial);
  ASSERT_GT(kept, 0u);
  ASSERT_LT(kept, fw.bytes.size());

  server->set_rate(0);
  agent_->start();
  expect_execution(job, "succeeded");
  const auto requests = server->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].find("range=bytes="), std::string::npos) << requests[0];
  EXPECT_EQ(requests[1], "GET /fw.bin range=bytes=" + std::to_string(kept) + "-");
  EXPECT_EQ(read_bytes(dir.path() + "/installed.img"), fw.bytes);
  EXPECT_TRUE(download_dir_empty());
}

TEST_F(AgentTest, AnExpiredCommandIsIgnored) {
  make_agent();
  start_agent();
  const Image fw = image("fw.bin", 20000);
  // The topic carries the expiry in whole seconds, rounded down: a job that
  // expires at the end of this second arrives with an expiry already passed.
  const auto now = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  ASSERT_TRUE(eventually([&] { return now() % 1000 < 200; }, 2s));
  const long long expires_at = now() / 1000 * 1000 + 999;
  const std::string job = upgrade_job(fw, R"(,"expiresAt":)" + std::to_string(expires_at));
  const std::string request_id = execution_field(job, "requestId");
  ASSERT_TRUE(agent_->wait_for_log("ignored $ota_upgrade " + request_id)) << agent_->log();
  EXPECT_NE(agent_->log().find("expired at " + std::to_string(expires_at / 1000)), std::string::npos)
      << agent_->log();
  EXPECT_EQ(execution_field(job, "state"), "sent");
  EXPECT_TRUE(server->requests().empty());
}

TEST_F(AgentTest, ACommandSentAgainIsNotDownloadedAgain) {
  make_agent();
  start_agent();
  const Image fw = image("fw.bin", 50000);
  // The server holds the response, so no progress is reported and the plugin
  // re-sends the command (resend_seconds 1) while the agent is downloading.
  server->hold(true);
  const std::string job = upgrade_job(fw);
  ASSERT_TRUE(eventually([&] { return server->requests().size() == 1; }, 10s)) << agent_->log();
  ASSERT_TRUE(eventually([&] { return std::atoi(execution_field(job, "resends").c_str()) >= 1; }, 10s))
      << to_string(get_execution(job, "d1"));
  ASSERT_TRUE(agent_->wait_for_log("already working on it")) << agent_->log();
  server->hold(false);
  expect_execution(job, "succeeded");
  EXPECT_EQ(server->requests().size(), 1u);
  EXPECT_EQ(occurrences(read_bytes(dir.path() + "/installs.log"), "firmware 1.1"), 1u);
}

}  // namespace
}  // namespace ota_test
