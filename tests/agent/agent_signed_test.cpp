// ota-agent with signed commands and images (docs/protocol.md 3.9, 3.10): the
// broker signs with plugin_opt_signing_key and checks images against
// plugin_opt_image_keys; the agent checks both with its own keys.
#include "agent_fixture.h"
#include "test_keys.h"

namespace ota_test {
namespace {

using namespace std::chrono_literals;

class AgentSignedTest : public AgentTest {
 protected:
  BrokerConfig config() override {
    auto c = AgentTest::config();
    std::ofstream(dir.path() + "/broker-signing.pem") << private_pem(broker_key.get());
    // The broker accepts images of both vendors; the agent trusts only the first.
    std::ofstream(dir.path() + "/image-keys.pem") << public_pem(vendor.get()) << public_pem(other_vendor.get());
    c.plugin_opts.push_back({"signing_key", dir.path() + "/broker-signing.pem"});
    c.plugin_opts.push_back({"image_keys", dir.path() + "/image-keys.pem"});
    return c;
  }

  // The agent with the broker key getSigningKey gives (or `broker_pem`) and the first vendor's key.
  void start_signed_agent(const std::string& broker_pem = "") {
    std::string pem = broker_pem;
    if (pem.empty()) {
      auto key = admin_command(R"({"command":"getSigningKey"})");
      ASSERT_TRUE(key.HasMember("data")) << to_string(key);
      pem = key["data"]["publicKeyPem"].GetString();
    }
    std::ofstream(dir.path() + "/agent-broker.pub") << pem;
    std::ofstream(dir.path() + "/agent-vendors.pem") << public_pem(vendor.get());
    make_agent({{"broker_key_file", dir.path() + "/agent-broker.pub"},
                {"vendor_keys_file", dir.path() + "/agent-vendors.pem"}});
    start_agent();
  }

  std::string signed_job(const Image& fw, EVP_PKEY* signer) {
    return upgrade_job(fw, R"(,"imageSignature":")" + sign_digest(signer, ota::sha256(fw.bytes)) + "\"");
  }

  ota::Pkey broker_key = generate_key(EVP_PKEY_ED25519);
  ota::Pkey vendor = generate_key(EVP_PKEY_ED25519);
  ota::Pkey other_vendor = generate_key(EVP_PKEY_EC);
};

TEST_F(AgentSignedTest, ASignedCommandForASignedImageSucceeds) {
  start_signed_agent();
  EXPECT_NE(agent_->log().find("commands must be signed by broker key " + ota::key_id(broker_key.get())),
            std::string::npos)
      << agent_->log();
  const Image fw = image("fw.bin", 100000);
  const std::string job = signed_job(fw, vendor.get());
  expect_execution(job, "succeeded");
  EXPECT_EQ(read_bytes(dir.path() + "/installed.img"), fw.bytes);
  EXPECT_TRUE(download_dir_empty());
}

TEST_F(AgentSignedTest, AnImageSignedByAVendorTheAgentDoesNotTrustFails) {
  start_signed_agent();
  const Image fw = image("fw.bin", 100000);
  const std::string job = signed_job(fw, other_vendor.get());
  expect_execution(job, "failed", "checksum_failed");
  EXPECT_EQ(execution_field(job, "desc"), "image signature verifies with no trusted vendor key");
  EXPECT_TRUE(download_dir_empty());
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/installs.log"));
}

TEST_F(AgentSignedTest, ACommandSignedByAnotherBrokerKeyIsRefusedAndReported) {
  const auto stranger = generate_key(EVP_PKEY_ED25519);
  start_signed_agent(public_pem(stranger.get()));
  const Image fw = image("fw.bin", 100000);
  const std::string job = signed_job(fw, vendor.get());
  expect_execution(job, "failed", "error");
  EXPECT_EQ(execution_field(job, "desc"), "refused: command signed by unknown key " + ota::key_id(broker_key.get()) +
                                              " (expected " + ota::key_id(stranger.get()) + ")");
  // Reported as progress -4 (docs/protocol.md 3.9).
  const std::string history = to_string(get_execution(job, "d1")["data"]["history"]);
  EXPECT_NE(history.find(R"("progress":-4)"), std::string::npos) << history;
  EXPECT_TRUE(server->requests().empty());
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/installs.log"));
}

TEST_F(AgentSignedTest, ASignedCancelStopsTheDownload) {
  start_signed_agent();
  const Image fw = image("fw.bin", 400000);
  server->set_rate(40000);  // 10 s
  const std::string job = signed_job(fw, vendor.get());
  ASSERT_TRUE(execution_reaches(job, "d1", "downloading")) << agent_->log();
  auto r = admin_command(R"({"command":"cancelJob","jobId":")" + job + "\"}");
  ASSERT_TRUE(r.HasMember("data")) << to_string(r);
  ASSERT_TRUE(agent_->wait_for_log("download stopped, file deleted", 5s)) << agent_->log();
  EXPECT_TRUE(download_dir_empty());
}

}  // namespace
}  // namespace ota_test
