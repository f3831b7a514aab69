#pragma once
// A business system on the admin topic: sends requests, waits for their responses.
#include <rapidjson/document.h>

#include <memory>
#include <optional>
#include <string>

#include "mqtt_client.h"

namespace ota_test {

class AdminClient {
 public:
  // MQTT 5 clients use a Response Topic and Correlation Data; MQTT 3.1.1 clients
  // subscribe to $CONTROL/ota/v1/response.
  AdminClient(int port, const std::string& username = "admin", int protocol = MQTT_PROTOCOL_V5);

  int connect();
  // Publishes `payload` to $CONTROL/ota/v1; returns the PUBACK reason code.
  int send(const std::string& payload, std::chrono::milliseconds ack_timeout = kWait);
  // Sends the request and returns the response envelope text, or nothing in time
  // (a request answered on the broker thread is acknowledged only once answered).
  std::optional<std::string> request(const std::string& payload,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Sends one command object and returns its response object (an empty object
  // when no response came).
  rapidjson::Document command(const std::string& command_json);

  MqttClient& mqtt() { return *client_; }

 private:
  std::unique_ptr<MqttClient> client_;
  int protocol_;
  std::string response_topic_;
  int next_correlation_ = 0;
};

rapidjson::Document parse(const std::string& json);
std::string to_string(const rapidjson::Value& value);

}  // namespace ota_test
