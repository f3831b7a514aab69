#pragma once
// A broker with fast re-sends, simulated IotHub devices and an admin that
// creates upgrades and follows them.
#include "fixture.h"
#include "sim_device.h"

namespace ota_test {

class UpgradeTest : public BrokerTest {
 protected:
  BrokerConfig config() override {
    auto c = default_config(dir.path());
    c.plugin_opts.push_back({"resend_seconds", "1"});
    c.plugin_opts.push_back({"max_resends", "2"});
    return c;
  }

  SimDevice& sim(const std::string& device, const std::string& firmware_ver = "1.0", const std::string& suffix = "") {
    sims.push_back(std::make_unique<SimDevice>(broker->port(), "p1", device, firmware_ver, suffix));
    return *sims.back();
  }

  SimDevice& booted(const std::string& device, const std::string& firmware_ver = "1.0") {
    auto& d = sim(device, firmware_ver);
    d.boot();
    return d;
  }

  // createUpgrade of firmware 1.1 for product p1; `extra` adds fields. Returns the response.
  rapidjson::Document create_upgrade(const std::string& extra = "") {
    if (admins.empty()) admin();
    return admins.front()->command(
        R"({"command":"createUpgrade","product":"p1","type":"firmware","version":"1.1",)"
        R"("url":"https://files.example.com/fw-1.1.bin","md5":"9e107d9d372bb6826bd81d3542a419d6","size":1048576)" +
        extra + "}");
  }

  std::string create_job(const std::string& extra = "") {
    auto r = create_upgrade(extra);
    EXPECT_TRUE(r.HasMember("data")) << to_string(r);
    return r.HasMember("data") ? r["data"]["jobId"].GetString() : "";
  }

  rapidjson::Document admin_command(const std::string& json) {
    if (admins.empty()) admin();
    return admins.front()->command(json);
  }

  rapidjson::Document get_job(const std::string& id) {
    return admin_command(R"({"command":"getJob","jobId":")" + id + "\"}");
  }

  rapidjson::Document get_execution(const std::string& id, const std::string& device) {
    return admin_command(R"({"command":"getExecution","jobId":")" + id + R"(","product":"p1","device":")" + device +
                         "\"}");
  }

  // Polls until the execution is in `state`; returns the last answer.
  bool execution_reaches(const std::string& id, const std::string& device, const std::string& state,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return eventually(
        [&] {
          auto r = get_execution(id, device);
          return r.HasMember("data") && state == r["data"]["state"].GetString();
        },
        timeout);
  }

  bool job_reaches(const std::string& id, const std::string& state,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return eventually(
        [&] {
          auto r = get_job(id);
          return r.HasMember("data") && state == r["data"]["state"].GetString();
        },
        timeout);
  }

  // The device does what an IotHub device does with a command: download, install, report.
  void upgrade(SimDevice& d, const std::string& version = "1.1") {
    ASSERT_EQ(d.progress(version, 0, "downloading"), 0);
    ASSERT_EQ(d.progress(version, 50, "downloading"), 0);
    ASSERT_EQ(d.progress(version, 100, "installing"), 0);
    ASSERT_EQ(d.report_version(version), 0);
  }

  // SIGTERM and start again on the same database; every client reconnects anew.
  void restart() {
    sims.clear();
    clients.clear();
    admins.clear();
    broker->stop();
    ASSERT_TRUE(broker->start()) << broker->log();
  }

  std::vector<std::unique_ptr<SimDevice>> sims;
};

}  // namespace ota_test
