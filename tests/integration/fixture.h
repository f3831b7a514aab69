#pragma once
// A test with its own broker (plugin loaded, default config) and helpers to
// connect devices and admins to it.
#include <gtest/gtest.h>

#include <memory>

#include "admin_client.h"
#include "broker_process.h"
#include "mqtt_client.h"

namespace ota_test {

class BrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker = std::make_unique<BrokerProcess>(dir.path(), config());
    ASSERT_TRUE(broker->start()) << broker->log();
  }
  void TearDown() override {
    clients.clear();
    if (broker) broker->stop();
  }

  // Override to change the broker's configuration.
  virtual BrokerConfig config() { return default_config(dir.path()); }

  // A connected client; username "{product}/{device}" makes it a device.
  MqttClient& client(const std::string& username, const std::string& client_id, int protocol = MQTT_PROTOCOL_V5) {
    ClientOptions o;
    o.client_id = client_id;
    o.username = username;
    o.protocol = protocol;
    clients.push_back(std::make_unique<MqttClient>(broker->port(), o));
    EXPECT_EQ(clients.back()->connect(), 0) << username;
    return *clients.back();
  }
  MqttClient& device(const std::string& name, int protocol = MQTT_PROTOCOL_V5) { return client(name, name, protocol); }

  AdminClient& admin(const std::string& username = "admin", int protocol = MQTT_PROTOCOL_V5) {
    admins.push_back(std::make_unique<AdminClient>(broker->port(), username, protocol));
    EXPECT_EQ(admins.back()->connect(), 0);
    return *admins.back();
  }

  // getDevice's response, through a fresh request each call.
  rapidjson::Document get_device(const std::string& product, const std::string& device) {
    if (admins.empty()) admin();
    return admins.front()->command(R"({"command":"getDevice","product":")" + product + R"(","device":")" + device +
                                   "\"}");
  }

  TempDir dir;
  std::unique_ptr<BrokerProcess> broker;
  std::vector<std::unique_ptr<MqttClient>> clients;
  std::vector<std::unique_ptr<AdminClient>> admins;
};

inline std::string error_code(const rapidjson::Value& response) {
  return response.IsObject() && response.HasMember("errorCode") ? response["errorCode"].GetString() : "";
}

inline constexpr int kNotAuthorized = 135;  // MQTT 5 reason code

}  // namespace ota_test
