#pragma once
// A broker with the plugin, a local HTTP server with real image files, and
// ota-agent as device p1/d1; the admin creates upgrades and follows them.
#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>

#include "../integration/upgrade_fixture.h"
#include "agent_process.h"
#include "http_file_server.h"
#include "protocol/signatures.h"

namespace ota_test {

struct Image {
  std::string name;
  std::string bytes;
  std::string md5;     // hex
  std::string sha256;  // hex
};

inline std::string md5_hex(const std::string& bytes) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), out, &length, EVP_md5(), nullptr);
  return ota::to_hex(std::string(reinterpret_cast<char*>(out), length));
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class AgentTest : public UpgradeTest {
 protected:
  void SetUp() override {
    UpgradeTest::SetUp();
    server = std::make_unique<HttpFileServer>(dir.path() + "/http");
    ASSERT_TRUE(server->start());
    std::ofstream(dir.path() + "/install.sh")
        << "echo \"$1 $2 $3\" >> " << dir.path() << "/installs.log\n"
        << "cp \"$1\" " << dir.path() << "/installed.img\n";
  }
  void TearDown() override {
    if (agent_) agent_->kill9();
    server->stop();
    UpgradeTest::TearDown();
  }

  // ota-agent as p1/d1 at firmware 1.0; `extra` adds or replaces config keys.
  AgentProcess& make_agent(const std::map<std::string, std::string>& extra = {}) {
    std::map<std::string, std::string> config = {{"broker_host", "127.0.0.1"},
                                                 {"broker_port", std::to_string(broker->port())},
                                                 {"product", "p1"},
                                                 {"device", "d1"},
                                                 {"password", kPassword},
                                                 {"install_command", "/bin/sh " + dir.path() + "/install.sh"},
                                                 {"stall_timeout_seconds", "30"},
                                                 {"version.firmware", "1.0"}};
    for (const auto& [key, value] : extra) config[key] = value;
    agent_ = std::make_unique<AgentProcess>(dir.path() + "/agent", config);
    return *agent_;
  }

  // Starts the agent and waits until the plugin knows the device at `version`.
  void start_agent(const std::string& version = "1.0") {
    agent_->start();
    ASSERT_TRUE(eventually(
        [&] {
          auto r = get_device("p1", "d1");
          return r.HasMember("data") && r["data"].HasMember("status") && r["data"]["status"].IsObject() &&
                 r["data"]["status"].HasMember("firmware_ver") &&
                 version == r["data"]["status"]["firmware_ver"].GetString();
        },
        std::chrono::seconds(10)))
        << agent_->log();
  }

  // Random bytes served as /{name}.
  Image image(const std::string& name, size_t size) {
    std::mt19937 rng(static_cast<unsigned>(size));
    std::string bytes(size, '\0');
    for (auto& b : bytes) b = static_cast<char>(rng());
    server->put(name, bytes);
    return {name, bytes, md5_hex(bytes), ota::to_hex(ota::sha256(bytes))};
  }

  // createUpgrade of firmware 1.1 from `url` for d1; returns the job id.
  std::string upgrade_job(const std::string& url, const std::string& md5, size_t size, const std::string& sha256,
                          const std::string& extra = "") {
    auto r = admin_command(R"({"command":"createUpgrade","product":"p1","type":"firmware","version":"1.1",)"
                           R"("devices":["d1"],"url":")" +
                           url + R"(","md5":")" + md5 + R"(","size":)" + std::to_string(size) +
                           (sha256.empty() ? "" : R"(,"sha256":")" + sha256 + "\"") + extra + "}");
    EXPECT_TRUE(r.HasMember("data")) << to_string(r);
    if (!r.HasMember("data")) return "";
    EXPECT_EQ(r["data"]["targeted"].GetInt(), 1) << to_string(r);
    return r["data"]["jobId"].GetString();
  }
  std::string upgrade_job(const Image& image, const std::string& extra = "") {
    return upgrade_job(server->url(image.name), image.md5, image.bytes.size(), image.sha256, extra);
  }

  std::string execution_field(const std::string& job, const std::string& field) {
    auto r = get_execution(job, "d1");
    if (!r.HasMember("data") || !r["data"].HasMember(field.c_str())) return "";
    const auto& v = r["data"][field.c_str()];
    return v.IsString() ? v.GetString() : to_string(v);
  }

  // Waits for the execution to end in `state`, with `reason` when given.
  void expect_execution(const std::string& job, const std::string& state, const std::string& reason = "",
                        std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    ASSERT_TRUE(execution_reaches(job, "d1", state, timeout))
        << to_string(get_execution(job, "d1")) << "\n" << agent_->log();
    EXPECT_EQ(execution_field(job, "reason"), reason) << to_string(get_execution(job, "d1"));
  }

  bool download_dir_empty() {
    std::error_code ec;
    return std::filesystem::is_empty(agent_->download_dir(), ec);
  }

  std::unique_ptr<HttpFileServer> server;
  std::unique_ptr<AgentProcess> agent_;
};

}  // namespace ota_test
