// Logins, client ids and command topics under attack, on a real broker (SPEC
// "Hostile input, overload and faults": only authenticated sessions count, client
// ids are bound to the device, nobody but the plugin publishes OTA commands).
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "raw_mqtt.h"
#include "upgrade_fixture.h"

namespace ota_test {
namespace {

// The broker's access control around the plugin: everything allowed by the
// plugin's acl_default, acl_default defer with an acl_file deciding the rest, or
// the dynamic-security plugin authenticating the device under attack.
enum class AclMode { DefaultAllow, DeferToAclFile, DynamicSecurity };

constexpr const char* kDynsecPlugin = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so";

int run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

class LoginAttacks : public UpgradeTest, public ::testing::WithParamInterface<AclMode> {
 protected:
  BrokerConfig config() override {
    auto c = UpgradeTest::config();
    if (GetParam() == AclMode::DeferToAclFile) {
      for (auto& [key, value] : c.plugin_opts) {
        if (key == "acl_default") value = "defer";
      }
      std::ofstream(dir.path() + "/acl") << "pattern readwrite marker/#\n"
                                         << "user admin\ntopic readwrite ota-test/#\n";
      c.extra_lines.push_back("acl_file " + dir.path() + "/acl");
    }
    if (GetParam() == AclMode::DynamicSecurity) {
      // mosquitto_ota first: the broker asks authentication plugins in order and stops at the first answer.
      EXPECT_EQ(run("mosquitto_ctrl dynsec init " + dir.path() + "/dynsec.json dynadmin " + kPassword), 0);
      c.extra_lines.push_back(std::string("plugin ") + kDynsecPlugin);
      c.extra_lines.push_back("plugin_opt_config_file " + dir.path() + "/dynsec.json");
    }
    return c;
  }

  void SetUp() override {
    if (GetParam() == AclMode::DynamicSecurity && access(kDynsecPlugin, R_OK) != 0) {
      GTEST_SKIP() << kDynsecPlugin << " is not installed";
    }
    UpgradeTest::SetUp();
    if (GetParam() == AclMode::DynamicSecurity) {
      // d3 is known to dynamic-security only (its password there is not the password file's).
      ASSERT_EQ(run("mosquitto_ctrl -h 127.0.0.1 -p " + std::to_string(broker->port()) + " -u dynadmin -P " +
                    kPassword + " dynsec createClient p1/d3 -p " + kD3Password),
                0);
    }
  }

  static constexpr const char* kD3Password = "dynsec-d3";

  int login(const std::string& username, const std::string& password, const std::string& client_id) {
    ClientOptions o;
    o.username = username;
    o.password = password;
    o.client_id = client_id;
    o.protocol = MQTT_PROTOCOL_V5;
    MqttClient c(broker->port(), o);
    return c.connect();
  }

  SimDevice& d3_sim() {
    std::string password = GetParam() == AclMode::DynamicSecurity ? kD3Password : kPassword;
    sims.push_back(std::make_unique<SimDevice>(broker->port(), "p1", "d3", "1.0", "", password));
    return *sims.back();
  }

  // Everything published to `d` before this call has reached it once it returns.
  void drain(SimDevice& d) {
    ASSERT_EQ(d.mqtt().subscribe("marker/p1/" + d.name()), 1);
    auto& sender = client("p1/d200", "p1/d200");
    ASSERT_EQ(sender.publish("marker/p1/" + d.name(), "m"), 0);
    ASSERT_TRUE(d.mqtt().wait_topic("marker/p1/" + d.name()));
  }
};

TEST_P(LoginAttacks, ARefusedLoginNeverMakesADeviceOnlineNorCollectsItsCommands) {
  auto& d1 = booted("d1");
  d3_sim().boot();
  sims.back()->disconnect();
  std::string job = create_job(R"(,"devices":["d3"])");
  ASSERT_EQ(get_job(job)["data"]["counts"]["queued"].GetInt(), 1);

  // Wrong password, with d3's own client id and with connected d1's client id.
  EXPECT_EQ(login("p1/d3", "WRONG", "p1/d3"), kNotAuthorized);
  EXPECT_EQ(login("p1/d3", "WRONG", "p1/d1"), kNotAuthorized);
  EXPECT_EQ(login("p1/d3", "WRONG", "p1/d3/x"), kNotAuthorized);
  // A user the password file does not know.
  EXPECT_EQ(login("p1/d999", "secret", "p1/d999"), kNotAuthorized);

  // Nothing was sent, no state changed, and d3 is not online.
  auto after = get_job(job);
  auto counts = after["data"]["counts"].GetObject();
  EXPECT_EQ(counts["queued"].GetInt(), 1);
  EXPECT_EQ(counts["sent"].GetInt(), 0);
  EXPECT_FALSE(get_device("p1", "d3")["data"]["online"].GetBool());
  EXPECT_EQ(error_code(get_device("p1", "d999")), "not_found");
  drain(d1);
  EXPECT_TRUE(d1.commands().empty());

  // The real d3 gets its command: the test would see one sent to the wrong place.
  auto& d3 = d3_sim();
  d3.boot();
  ASSERT_TRUE(d3.wait_command());
  EXPECT_TRUE(execution_reaches(job, "d3", "sent"));
  EXPECT_TRUE(d1.commands().empty());
  EXPECT_EQ(broker->log().find("is loaded before mosquitto_ota"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(AclModes, LoginAttacks, ::testing::Values(AclMode::DefaultAllow, AclMode::DeferToAclFile, AclMode::DynamicSecurity),
                         [](const auto& info) {
                           switch (info.param) {
                             case AclMode::DefaultAllow:
                               return "DefaultAllow";
                             case AclMode::DeferToAclFile:
                               return "DeferToAclFile";
                             default:
                               return "DynamicSecurity";
                           }
                         });

TEST(PluginOrder, AnAuthenticationPluginLoadedFirstIsReported) {
  if (access(kDynsecPlugin, R_OK) != 0) GTEST_SKIP() << kDynsecPlugin << " is not installed";
  TempDir dir;
  auto c = default_config(dir.path());
  ASSERT_EQ(run("mosquitto_ctrl dynsec init " + dir.path() + "/dynsec.json dynadmin " + kPassword), 0);
  c.first_lines = {std::string("plugin ") + kDynsecPlugin, "plugin_opt_config_file " + dir.path() + "/dynsec.json"};
  BrokerProcess broker(dir.path(), c);
  ASSERT_TRUE(broker.start()) << broker.log();
  EXPECT_TRUE(broker.wait_for_log(std::string(kDynsecPlugin) + " is loaded before mosquitto_ota")) << broker.log();
}

class ClientIds : public UpgradeTest {};

TEST_F(ClientIds, ADeviceMustUseItsOwnClientId) {
  auto attempt = [&](const std::string& username, const std::string& client_id) {
    ClientOptions o;
    o.username = username;
    o.client_id = client_id;
    o.protocol = MQTT_PROTOCOL_V5;
    MqttClient c(broker->port(), o);
    return c.connect();
  };
  EXPECT_EQ(attempt("p1/d1", "p1/d1"), 0);
  EXPECT_EQ(attempt("p1/d1", "p1/d1/app"), 0);
  EXPECT_EQ(attempt("p1/d1", "p1/d2"), kNotAuthorized);
  EXPECT_EQ(attempt("p1/d1", "p1/d10"), kNotAuthorized);
  EXPECT_EQ(attempt("p1/d1", "anything"), kNotAuthorized);
  EXPECT_TRUE(broker->wait_for_log("refused login of p1/d1 with client id p1/d2"));
  // Users that are not devices choose their client ids freely.
  EXPECT_EQ(attempt("business", "anything"), 0);
}

TEST_F(ClientIds, NoDeviceCanTakeOverAnothersSession) {
  auto& d2 = booted("d2");
  ClientOptions o;
  o.username = "p1/d1";
  o.client_id = "p1/d2";
  o.protocol = MQTT_PROTOCOL_V311;
  MqttClient thief(broker->port(), o);
  EXPECT_EQ(thief.connect(), 5);  // MQTT 3.1.1: not authorized
  // d2's session is untouched: it still publishes on the same connection.
  EXPECT_EQ(d2.report_version("1.0"), 0);
  EXPECT_EQ(d2.mqtt().disconnects(), 0);
  EXPECT_TRUE(get_device("p1", "d2")["data"]["online"].GetBool());
}

class CommandTopics : public UpgradeTest {};

TEST_F(CommandTopics, DevicesPublishNoCommandsAndNobodyPublishesThePluginsCommands) {
  auto& target = device("p1/d2");
  ASSERT_EQ(target.subscribe("cmd/p1/d2/#"), 1);
  auto& d1 = device("p1/d1");
  auto& business = client("business", "biz");
  EXPECT_EQ(d1.publish("cmd/p1/d2/reboot/plain/r1", "{}"), kNotAuthorized);
  EXPECT_EQ(d1.publish("cmd/p1/d2/$OTA_UPGRADE/plain/r1", "{}"), kNotAuthorized);
  EXPECT_EQ(d1.publish("cmd/p1/d1/$ota_upgrade/plain/r1", "{}"), kNotAuthorized);
  EXPECT_EQ(business.publish("cmd/p1/d2/$OTA_UPGRADE/plain/r1", "{}"), kNotAuthorized);
  EXPECT_EQ(business.publish("cmd/p1/d2/$ota_cancel/plain/r1", "{}"), kNotAuthorized);
  // A business system's own commands still reach the device.
  ASSERT_EQ(business.publish("cmd/p1/d2/reboot/plain/r2", "{}"), 0);
  ASSERT_TRUE(target.wait_topic("cmd/p1/d2/reboot/plain/r2"));
  auto received = target.messages();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_TRUE(d1.connected());
  EXPECT_TRUE(business.connected());
  EXPECT_TRUE(broker->wait_for_log("devices may not publish under cmd/"));
}

}  // namespace
}  // namespace ota_test
