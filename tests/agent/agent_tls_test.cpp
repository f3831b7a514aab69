// ota-agent over TLS: to the broker with tls_ca_file (a second listener of the
// test broker) and to an HTTPS image server with https_ca_file, both with
// self-signed certificates for localhost that only those CA files vouch for.
#include "agent_fixture.h"

namespace ota_test {
namespace {

class AgentTlsTest : public AgentTest {
 protected:
  BrokerConfig config() override {
    EXPECT_TRUE(make_test_certificate(dir.path(), "server"));
    EXPECT_TRUE(make_test_certificate(dir.path(), "other"));
    tls_port = free_port();
    auto c = AgentTest::config();
    for (auto& line : tls_listener_lines(tls_port, dir.path(), "server")) c.extra_lines.push_back(line);
    return c;
  }
  void SetUp() override {
    AgentTest::SetUp();
    if (HasFatalFailure()) return;
    // The images come from an HTTPS server with the broker's certificate.
    server->stop();
    server = std::make_unique<HttpFileServer>(dir.path() + "/https", ca("server"), dir.path() + "/server.key");
    ASSERT_TRUE(server->start());
  }

  std::string ca(const std::string& name) const { return dir.path() + "/" + name + ".crt"; }

  // The agent on the TLS listener, trusting `https_ca` for image downloads.
  void start_tls_agent(const std::string& https_ca) {
    make_agent({{"broker_host", "localhost"},
                {"broker_port", std::to_string(tls_port)},
                {"tls_ca_file", ca("server")},
                {"https_ca_file", https_ca}});
    start_agent();
    EXPECT_NE(agent_->log().find("connecting to localhost:" + std::to_string(tls_port)), std::string::npos)
        << agent_->log();
  }

  int tls_port = 0;
};

TEST_F(AgentTlsTest, OverTlsToTheBrokerAndHttpsToTheImageServerItSucceeds) {
  start_tls_agent(ca("server"));
  const Image fw = image("fw.bin", 100000);
  const std::string job = upgrade_job(fw);
  EXPECT_EQ(server->url(fw.name).rfind("https://", 0), 0u);
  expect_execution(job, "succeeded");
  EXPECT_EQ(read_bytes(dir.path() + "/installed.img"), fw.bytes);
  EXPECT_EQ(server->requests().size(), 1u);
}

TEST_F(AgentTlsTest, AnImageServerItsCaFileDoesNotVouchForIsDownloadFailed) {
  start_tls_agent(ca("other"));
  const Image fw = image("fw.bin", 100000);
  const std::string job = upgrade_job(fw);
  expect_execution(job, "failed", "download_failed");
  EXPECT_NE(execution_field(job, "desc").find("certificate"), std::string::npos) << execution_field(job, "desc");
  EXPECT_TRUE(server->requests().empty());  // refused in the handshake, before any request
  EXPECT_TRUE(download_dir_empty());
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/installs.log"));
}

}  // namespace
}  // namespace ota_test
