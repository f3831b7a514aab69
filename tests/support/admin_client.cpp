#include "admin_client.h"

#include <mqtt_protocol.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <unistd.h>

#include <atomic>

namespace ota_test {
namespace {

std::string unique_client_id(const std::string& username) {
  static std::atomic<int> n{0};
  return "admin-" + username + "-" + std::to_string(getpid()) + "-" + std::to_string(++n);
}

}  // namespace

rapidjson::Document parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  return doc;
}

std::string to_string(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return buffer.GetString();
}

AdminClient::AdminClient(int port, const std::string& username, int protocol) : protocol_(protocol) {
  ClientOptions o;
  o.client_id = unique_client_id(username);
  o.username = username;
  o.protocol = protocol;
  client_ = std::make_unique<MqttClient>(port, o);
  response_topic_ =
      protocol == MQTT_PROTOCOL_V5 ? "ota-test/responses/" + o.client_id : "$CONTROL/ota/v1/response";
}

int AdminClient::connect() {
  int rc = client_->connect();
  if (rc != 0) return rc;
  int granted = client_->subscribe(response_topic_, 1);
  return granted == 1 ? 0 : 1000 + granted;
}

int AdminClient::send(const std::string& payload, std::chrono::milliseconds ack_timeout) {
  mosquitto_property* props = nullptr;
  if (protocol_ == MQTT_PROTOCOL_V5) {
    std::string correlation = std::to_string(++next_correlation_);
    mosquitto_property_add_string(&props, MQTT_PROP_RESPONSE_TOPIC, response_topic_.c_str());
    mosquitto_property_add_binary(&props, MQTT_PROP_CORRELATION_DATA, correlation.data(),
                                  static_cast<uint16_t>(correlation.size()));
  }
  return client_->publish("$CONTROL/ota/v1", payload, 1, props, ack_timeout);
}

std::optional<std::string> AdminClient::request(const std::string& payload, std::chrono::milliseconds timeout) {
  size_t earlier = client_->messages().size();
  if (send(payload, timeout) != 0) return std::nullopt;
  std::string correlation = std::to_string(next_correlation_);
  auto msg = client_->wait_message(
      [&](const Message& m) {
        return m.topic == response_topic_ && (protocol_ != MQTT_PROTOCOL_V5 || m.correlation_data == correlation);
      },
      timeout, earlier);
  if (!msg) return std::nullopt;
  return msg->payload;
}

rapidjson::Document AdminClient::command(const std::string& command_json) {
  auto response = request("{\"commands\":[" + command_json + "]}");
  rapidjson::Document out(rapidjson::kObjectType);
  if (!response) return out;
  rapidjson::Document envelope = parse(*response);
  if (envelope.IsObject() && envelope.HasMember("responses") && envelope["responses"].IsArray() &&
      envelope["responses"].Size() == 1) {
    out.CopyFrom(envelope["responses"][0], out.GetAllocator());
  }
  return out;
}

}  // namespace ota_test
