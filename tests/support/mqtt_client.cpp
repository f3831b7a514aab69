#include "mqtt_client.h"

#include <mqtt_protocol.h>

#include <algorithm>
#include <stdexcept>

namespace ota_test {
namespace {

struct LibInit {
  LibInit() { mosquitto_lib_init(); }
};

}  // namespace

MqttClient::MqttClient(int port, ClientOptions options) : options_(std::move(options)), port_(port) {
  static LibInit init;
  mosq_ = mosquitto_new(options_.client_id.c_str(), true, this);
  if (!mosq_) throw std::runtime_error("mosquitto_new failed");
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION, options_.protocol);
  if (!options_.username.empty()) {
    mosquitto_username_pw_set(mosq_, options_.username.c_str(), options_.password.c_str());
  }
  mosquitto_connect_v5_callback_set(mosq_, on_connect);
  mosquitto_disconnect_v5_callback_set(mosq_, on_disconnect);
  mosquitto_publish_v5_callback_set(mosq_, on_publish);
  mosquitto_subscribe_v5_callback_set(mosq_, on_subscribe);
  mosquitto_message_v5_callback_set(mosq_, on_message);
}

MqttClient::~MqttClient() {
  mosquitto_disconnect(mosq_);
  mosquitto_loop_stop(mosq_, true);
  mosquitto_destroy(mosq_);
}

int MqttClient::connect() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    connack_ = -1;
  }
  if (mosquitto_connect(mosq_, "127.0.0.1", port_, 30) != MOSQ_ERR_SUCCESS) return -1;
  mosquitto_loop_start(mosq_);
  std::unique_lock<std::mutex> lock(mutex_);
  if (!changed_.wait_for(lock, kWait, [&] { return connack_ >= 0; })) return -1;
  return connack_;
}

void MqttClient::disconnect() {
  mosquitto_disconnect(mosq_);
  mosquitto_loop_stop(mosq_, false);
  std::lock_guard<std::mutex> lock(mutex_);
  connected_ = false;
}

bool MqttClient::connected() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return connected_;
}

int MqttClient::disconnects() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return disconnects_;
}

int MqttClient::wait_ack(int mid, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  int result = -1;
  changed_.wait_for(lock, timeout, [&] {
    auto it = std::find_if(acks_.begin(), acks_.end(), [&](auto& a) { return a.first == mid; });
    if (it == acks_.end()) return false;
    result = it->second;
    acks_.erase(it);
    return true;
  });
  return result;
}

int MqttClient::publish(const std::string& topic, const std::string& payload, int qos, mosquitto_property* props,
                        std::chrono::milliseconds ack_timeout) {
  int mid = 0;
  int rc = mosquitto_publish_v5(mosq_, &mid, topic.c_str(), static_cast<int>(payload.size()), payload.data(), qos,
                                false, props);
  mosquitto_property_free_all(&props);
  if (rc != MOSQ_ERR_SUCCESS) return -1;
  int reason = wait_ack(mid, ack_timeout);
  // "No matching subscribers" is an MQTT 5 success code.
  return reason == MQTT_RC_NO_MATCHING_SUBSCRIBERS ? 0 : reason;
}

int MqttClient::subscribe(const std::string& filter, int qos) {
  int mid = 0;
  if (mosquitto_subscribe(mosq_, &mid, filter.c_str(), qos) != MOSQ_ERR_SUCCESS) return -1;
  return wait_ack(mid, kWait);
}

std::optional<Message> MqttClient::wait_message(const std::function<bool(const Message&)>& match,
                                                std::chrono::milliseconds timeout, size_t from) {
  std::unique_lock<std::mutex> lock(mutex_);
  std::optional<Message> found;
  changed_.wait_for(lock, timeout, [&] {
    for (size_t i = from; i < messages_.size(); ++i) {
      if (match(messages_[i])) {
        found = messages_[i];
        return true;
      }
    }
    return false;
  });
  return found;
}

std::optional<Message> MqttClient::wait_topic(const std::string& topic, std::chrono::milliseconds timeout) {
  return wait_message([&](const Message& m) { return m.topic == topic; }, timeout);
}

std::vector<Message> MqttClient::messages() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return messages_;
}

void MqttClient::clear_messages() {
  std::lock_guard<std::mutex> lock(mutex_);
  messages_.clear();
}

void MqttClient::on_connect(mosquitto*, void* self, int rc, int, const mosquitto_property*) {
  auto* c = static_cast<MqttClient*>(self);
  std::lock_guard<std::mutex> lock(c->mutex_);
  c->connack_ = rc;
  c->connected_ = rc == 0;
  c->changed_.notify_all();
}

void MqttClient::on_disconnect(mosquitto*, void* self, int, const mosquitto_property*) {
  auto* c = static_cast<MqttClient*>(self);
  std::lock_guard<std::mutex> lock(c->mutex_);
  if (c->connected_) ++c->disconnects_;
  c->connected_ = false;
  c->changed_.notify_all();
}

void MqttClient::on_publish(mosquitto*, void* self, int mid, int reason, const mosquitto_property*) {
  auto* c = static_cast<MqttClient*>(self);
  std::lock_guard<std::mutex> lock(c->mutex_);
  c->acks_.emplace_back(mid, reason);
  c->changed_.notify_all();
}

void MqttClient::on_subscribe(mosquitto*, void* self, int mid, int count, const int* granted,
                              const mosquitto_property*) {
  auto* c = static_cast<MqttClient*>(self);
  std::lock_guard<std::mutex> lock(c->mutex_);
  c->acks_.emplace_back(mid, count > 0 ? granted[0] : -1);
  c->changed_.notify_all();
}

void MqttClient::on_message(mosquitto*, void* self, const mosquitto_message* msg, const mosquitto_property* props) {
  auto* c = static_cast<MqttClient*>(self);
  Message m;
  m.topic = msg->topic;
  m.payload.assign(static_cast<const char*>(msg->payload), static_cast<size_t>(msg->payloadlen));
  m.qos = msg->qos;
  m.received = std::chrono::steady_clock::now();
  void* correlation = nullptr;
  uint16_t len = 0;
  if (mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &correlation, &len, false)) {
    m.correlation_data.emplace(static_cast<const char*>(correlation), len);
    free(correlation);
  }
  std::lock_guard<std::mutex> lock(c->mutex_);
  c->messages_.push_back(std::move(m));
  c->changed_.notify_all();
}

}  // namespace ota_test
