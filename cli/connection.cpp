#include "connection.h"

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>

#include "errors.h"

namespace ota_cli {
namespace {

constexpr const char* kAdminTopic = "$CONTROL/ota/v1";
constexpr const char* kSharedResponseTopic = "$CONTROL/ota/v1/response";

std::string random_hex(int digits) {
  std::random_device random;
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < digits; ++i) s += hex[random() % 16];
  return s;
}

// A topic level made of the client id: no wildcard, so the broker accepts it.
std::string topic_safe(std::string s) {
  for (char& c : s) {
    if (c == '+' || c == '#' || static_cast<unsigned char>(c) < 0x20) c = '_';
  }
  return s;
}

std::string reason_text(int protocol, int code) {
  return protocol == 5 ? mosquitto_reason_string(code) : mosquitto_connack_string(code);
}

struct LibInit {
  LibInit() { mosquitto_lib_init(); }
  ~LibInit() { mosquitto_lib_cleanup(); }
};

}  // namespace

Connection::Connection(const ConnectionOptions& options) : options_(options) {
  static LibInit init;
  if (options_.client_id.empty()) options_.client_id = "mosquitto_ota-" + random_hex(12);
  client_.reset(mosquitto_new(options_.client_id.c_str(), true, this));
  mosq_ = client_.get();
  if (!mosq_) throw connection_error("cannot create an MQTT client");
  mosquitto_int_option(mosq_, MOSQ_OPT_PROTOCOL_VERSION,
                       options_.protocol == 5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
  if (!options_.username.empty()) {
    mosquitto_username_pw_set(mosq_, options_.username.c_str(),
                              options_.has_password ? options_.password.c_str() : nullptr);
  }
  auto or_null = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
  if (!options_.cafile.empty() || !options_.capath.empty()) {
    int rc = mosquitto_tls_set(mosq_, or_null(options_.cafile), or_null(options_.capath), or_null(options_.cert),
                               or_null(options_.key), nullptr);
    if (rc != MOSQ_ERR_SUCCESS) throw connection_error(std::string("TLS set-up failed: ") + mosquitto_strerror(rc));
    if (options_.insecure) mosquitto_tls_insecure_set(mosq_, true);
  }
  mosquitto_connect_v5_callback_set(mosq_, on_connect);
  mosquitto_disconnect_v5_callback_set(mosq_, on_disconnect);
  mosquitto_publish_v5_callback_set(mosq_, on_publish);
  mosquitto_subscribe_v5_callback_set(mosq_, on_subscribe);
  mosquitto_message_v5_callback_set(mosq_, on_message);

  std::string where = options_.host + ":" + std::to_string(options_.port);
  int rc = mosquitto_connect(mosq_, options_.host.c_str(), options_.port, 60);
  if (rc == MOSQ_ERR_ERRNO) throw connection_error("cannot connect to " + where + ": " + std::strerror(errno));
  if (rc == MOSQ_ERR_TLS) {
    // The handshake failed at once (it may also fail later, in the loop: one message for both).
    lost_rc_ = rc;
    throw_lost();
  }
  if (rc != MOSQ_ERR_SUCCESS) throw connection_error("cannot connect to " + where + ": " + mosquitto_strerror(rc));
  bool answered = run_until([&] { return connack_ >= 0; });
  if (!answered) throw connection_error("no CONNACK from " + where);
  if (connack_ != 0) {
    throw connection_error("the broker at " + where + " refused the connection: " +
                           reason_text(options_.protocol, connack_) + " (check -u, -P and the client certificate)");
  }
  response_topic_ = options_.protocol == 5
                        ? std::string(kSharedResponseTopic) + "/mosquitto_ota/" + topic_safe(options_.client_id)
                        : kSharedResponseTopic;
  subscribe(response_topic_);
}

Connection::~Connection() {
  mosquitto_disconnect(mosq_);
  mosquitto_loop(mosq_, 0, 1);  // sends the DISCONNECT
}

void Connection::Destroy::operator()(mosquitto* mosq) const { mosquitto_destroy(mosq); }

void Connection::loop_once(std::chrono::milliseconds wait) {
  int rc = mosquitto_loop(mosq_, static_cast<int>(wait.count()), 1);
  if (rc != MOSQ_ERR_SUCCESS) {
    lost_ = true;
    if (lost_rc_ == 0) lost_rc_ = rc;
  }
}

template <typename Done>
bool Connection::run_until(Done done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options_.wait_seconds);
  while (!done()) {
    if (lost_) throw_lost();
    if (std::chrono::steady_clock::now() > deadline) return false;
    loop_once(std::chrono::milliseconds(100));
  }
  return true;
}

void Connection::throw_lost() const {
  std::string where = options_.host + ":" + std::to_string(options_.port);
  bool tls = !options_.cafile.empty() || !options_.capath.empty();
  if (lost_rc_ == MOSQ_ERR_TLS) {
    throw connection_error("TLS with " + where + " failed: is the broker's certificate signed by --cafile's CA, " +
                           "for the host name " + options_.host + "?");
  }
  if (connack_ < 0) {
    throw connection_error("the broker at " + where + " closed the connection before accepting it" +
                           (tls ? "" : " (a TLS listener? give --cafile)"));
  }
  throw connection_error("the broker at " + where + " closed the connection");
}

void Connection::subscribe(const std::string& filter) {
  int mid = 0;
  int rc = mosquitto_subscribe_v5(mosq_, &mid, filter.c_str(), 1, 0, nullptr);
  if (rc != MOSQ_ERR_SUCCESS) throw connection_error("cannot subscribe to " + filter + ": " + mosquitto_strerror(rc));
  if (!run_until([&] { return subacked_mid_ == mid; })) throw connection_error("no SUBACK for " + filter);
  if (granted_ >= 128) {
    throw connection_error("not authorised to subscribe to " + filter + " (is " +
                           (options_.username.empty() ? "this user" : options_.username) +
                           " in plugin_opt_admin_usernames?)");
  }
}

std::string Connection::request(const std::string& payload, const std::string& correlation) {
  mosquitto_property* props = nullptr;
  if (options_.protocol == 5) {
    mosquitto_property_add_string(&props, MQTT_PROP_RESPONSE_TOPIC, response_topic_.c_str());
    mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, correlation.data(),
                                  static_cast<uint16_t>(correlation.size()));
  }
  int mid = 0;
  int rc =
      mosquitto_publish_v5(mosq_, &mid, kAdminTopic, static_cast<int>(payload.size()), payload.data(), 1, false, props);
  mosquitto_property_free_all(&props);
  if (rc != MOSQ_ERR_SUCCESS)
    throw connection_error(std::string("cannot publish the request: ") + mosquitto_strerror(rc));
  if (!run_until([&] { return acked_mid_ == mid; })) throw connection_error("no PUBACK for the request");
  if (ack_reason_ >= 128) {
    throw connection_error(std::string("the broker refused the request: ") + mosquitto_reason_string(ack_reason_) +
                           " (is " + (options_.username.empty() ? "this user" : options_.username) +
                           " in plugin_opt_admin_usernames?)");
  }
  // MQTT 3.1.1 responses carry no Correlation Data: the JSON echoes the token.
  std::string echoed = "\"correlationData\":\"" + correlation + "\"";
  auto matches = [&](const Message& m) {
    return options_.protocol == 5 ? m.correlation == correlation : m.payload.find(echoed) != std::string::npos;
  };
  std::string answer;
  bool answered = run_until([&] {
    for (auto it = responses_.begin(); it != responses_.end(); ++it) {
      if (matches(*it)) {
        answer = it->payload;
        responses_.erase(it);
        return true;
      }
    }
    return false;
  });
  if (!answered) {
    throw connection_error("no answer from the broker within " + std::to_string(options_.wait_seconds) +
                           " s (is the mosquitto_ota plugin loaded? -W waits longer)");
  }
  return answer;
}

std::deque<Message> Connection::poll(std::chrono::milliseconds wait) {
  if (lost_) throw_lost();
  loop_once(wait);
  std::deque<Message> out;
  out.swap(others_);
  return out;
}

void Connection::on_connect(mosquitto*, void* self, int rc, int, const mosquitto_property*) {
  static_cast<Connection*>(self)->connack_ = rc;
}

void Connection::on_disconnect(mosquitto*, void* self, int, const mosquitto_property*) {
  static_cast<Connection*>(self)->lost_ = true;
}

void Connection::on_publish(mosquitto*, void* self, int mid, int reason, const mosquitto_property*) {
  auto* c = static_cast<Connection*>(self);
  c->acked_mid_ = mid;
  c->ack_reason_ = reason;
}

void Connection::on_subscribe(mosquitto*, void* self, int mid, int count, const int* granted,
                              const mosquitto_property*) {
  auto* c = static_cast<Connection*>(self);
  c->subacked_mid_ = mid;
  c->granted_ = count > 0 ? granted[0] : 128;
}

void Connection::on_message(mosquitto*, void* self, const mosquitto_message* msg, const mosquitto_property* props) {
  auto* c = static_cast<Connection*>(self);
  Message m;
  m.topic = msg->topic;
  m.payload.assign(static_cast<const char*>(msg->payload), static_cast<size_t>(msg->payloadlen));
  void* data = nullptr;
  uint16_t len = 0;
  if (mosquitto_property_read_binary(props, MQTT_PROP_CORRELATION_DATA, &data, &len, false)) {
    m.correlation.assign(static_cast<const char*>(data), len);
    free(data);
  }
  (m.topic == c->response_topic_ ? c->responses_ : c->others_).push_back(std::move(m));
}

}  // namespace ota_cli
