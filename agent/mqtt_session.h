#pragma once
// The agent's MQTT connection (libmosquitto, its own network thread): logs in
// as the device, reconnects by itself, hands over what it receives.
#include <mosquitto.h>

#include <atomic>
#include <functional>
#include <string>

#include "config.h"

namespace ota_agent {

class MqttSession {
 public:
  using ConnectHandler = std::function<void()>;
  using MessageHandler = std::function<void(const std::string& topic, const std::string& payload)>;

  // The handlers run on the network thread.
  MqttSession(const Config& config, ConnectHandler on_connect, MessageHandler on_message);
  ~MqttSession();
  MqttSession(const MqttSession&) = delete;
  MqttSession& operator=(const MqttSession&) = delete;

  // Starts connecting in the background. Throws std::runtime_error on a bad setup (TLS files).
  void start();
  void stop();
  // QoS 1, not retained. False when it could not even be queued.
  bool publish(const std::string& topic, const std::string& payload);

 private:
  static void connected(mosquitto*, void* self, int rc);
  static void disconnected(mosquitto*, void* self, int rc);
  static void received(mosquitto*, void* self, const mosquitto_message* message);

  Config config_;
  ConnectHandler on_connect_;
  MessageHandler on_message_;
  mosquitto* mosq_ = nullptr;
  std::atomic<bool> started_{false};
};

}  // namespace ota_agent
