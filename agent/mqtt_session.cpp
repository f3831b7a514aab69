#include "mqtt_session.h"

#include <stdexcept>

#include "log.h"

namespace ota_agent {

MqttSession::MqttSession(const Config& config, ConnectHandler on_connect, MessageHandler on_message)
    : config_(config), on_connect_(std::move(on_connect)), on_message_(std::move(on_message)) {
  mosquitto_lib_init();
  mosq_ = mosquitto_new(config_.client_id().c_str(), true, this);
  if (!mosq_) throw std::runtime_error("mosquitto_new failed");
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_username_pw_set(mosq_, config_.username().c_str(),
                            config_.password.empty() ? nullptr : config_.password.c_str());
  mosquitto_reconnect_delay_set(mosq_, 1, 30, true);
  mosquitto_connect_callback_set(mosq_, connected);
  mosquitto_disconnect_callback_set(mosq_, disconnected);
  mosquitto_message_callback_set(mosq_, received);
}

MqttSession::~MqttSession() {
  stop();
  mosquitto_destroy(mosq_);
  mosquitto_lib_cleanup();
}

void MqttSession::start() {
  if (!config_.tls_ca_file.empty()) {
    const int rc = mosquitto_tls_set(mosq_, config_.tls_ca_file.c_str(), nullptr, nullptr, nullptr, nullptr);
    if (rc != MOSQ_ERR_SUCCESS) {
      throw std::runtime_error("tls_ca_file " + config_.tls_ca_file + ": " + mosquitto_strerror(rc));
    }
  }
  log_line("connecting to " + config_.broker_host + ":" + std::to_string(config_.broker_port) + " as " +
           config_.username() + " (client id " + config_.client_id() + ")");
  // An unreachable broker now is retried by the network thread, like a lost connection.
  const int rc = mosquitto_connect_async(mosq_, config_.broker_host.c_str(), config_.broker_port,
                                         config_.keepalive_seconds);
  if (rc != MOSQ_ERR_SUCCESS) log_line(std::string("connect failed, will retry: ") + mosquitto_strerror(rc));
  if (mosquitto_loop_start(mosq_) != MOSQ_ERR_SUCCESS) throw std::runtime_error("mosquitto_loop_start failed");
  started_ = true;
}

void MqttSession::stop() {
  if (!started_) return;
  started_ = false;
  mosquitto_disconnect(mosq_);
  mosquitto_loop_stop(mosq_, true);
}

bool MqttSession::publish(const std::string& topic, const std::string& payload) {
  const int rc = mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()), payload.data(),
                                   1, false);
  if (rc != MOSQ_ERR_SUCCESS) {
    log_line("publish to " + topic + " failed: " + mosquitto_strerror(rc));
    return false;
  }
  return true;
}

void MqttSession::connected(mosquitto*, void* self, int rc) {
  auto* s = static_cast<MqttSession*>(self);
  if (rc != 0) {
    log_line(std::string("broker refused the connection: ") + mosquitto_connack_string(rc));
    return;
  }
  log_line("connected");
  s->on_connect_();
}

void MqttSession::disconnected(mosquitto*, void* self, int rc) {
  if (static_cast<MqttSession*>(self)->started_ && rc != 0) log_line("connection lost, reconnecting");
}

void MqttSession::received(mosquitto*, void* self, const mosquitto_message* message) {
  auto* s = static_cast<MqttSession*>(self);
  const std::string payload(static_cast<const char*>(message->payload), static_cast<size_t>(message->payloadlen));
  s->on_message_(message->topic, payload);
}

}  // namespace ota_agent
