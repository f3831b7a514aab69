#pragma once
// A real MQTT client (libmosquitto, its own network thread) for the tests.
#include <mosquitto.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "broker_process.h"

namespace ota_test {

struct ClientOptions {
  std::string client_id;
  std::string username;  // empty: none
  std::string password = kPassword;
  int protocol = MQTT_PROTOCOL_V311;  // or MQTT_PROTOCOL_V5
};

struct Message {
  std::string topic;
  std::string payload;
  int qos = 0;
  std::optional<std::string> correlation_data;
  std::chrono::steady_clock::time_point received;
};

inline constexpr std::chrono::milliseconds kWait = std::chrono::seconds(5);

class MqttClient {
 public:
  MqttClient(int port, ClientOptions options);
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  // Connects and waits for CONNACK; returns its reason code (0 = accepted), -1 on timeout.
  int connect();
  void disconnect();
  bool connected() const;
  int disconnects() const;

  // Publishes and waits until the broker acknowledged it (QoS 1) or it was sent
  // (QoS 0). Returns the PUBACK reason code (MQTT 5: 135 = not authorized), -1 on timeout.
  int publish(const std::string& topic, const std::string& payload, int qos = 1, mosquitto_property* props = nullptr,
              std::chrono::milliseconds ack_timeout = kWait);
  // Subscribes and returns the granted QoS from SUBACK (>= 128 = refused), -1 on timeout.
  int subscribe(const std::string& filter, int qos = 1);

  // Waits for a message, received as number `from` or later, that satisfies `match`.
  std::optional<Message> wait_message(const std::function<bool(const Message&)>& match,
                                      std::chrono::milliseconds timeout = kWait, size_t from = 0);
  std::optional<Message> wait_topic(const std::string& topic, std::chrono::milliseconds timeout = kWait);
  std::vector<Message> messages() const;
  void clear_messages();

  const std::string& client_id() const { return options_.client_id; }

 private:
  static void on_connect(mosquitto*, void* self, int rc, int flags, const mosquitto_property*);
  static void on_disconnect(mosquitto*, void* self, int rc, const mosquitto_property*);
  static void on_publish(mosquitto*, void* self, int mid, int reason, const mosquitto_property*);
  static void on_subscribe(mosquitto*, void* self, int mid, int count, const int* granted, const mosquitto_property*);
  static void on_message(mosquitto*, void* self, const mosquitto_message* msg, const mosquitto_property* props);
  int wait_ack(int mid, std::chrono::milliseconds timeout);

  ClientOptions options_;
  int port_;
  mosquitto* mosq_ = nullptr;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  int connack_ = -1;
  bool connected_ = false;
  int disconnects_ = 0;
  std::vector<std::pair<int, int>> acks_;  // (mid, reason or granted qos)
  std::vector<Message> messages_;
};

}  // namespace ota_test
