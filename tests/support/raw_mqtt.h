#pragma once
// An MQTT client on a bare TCP socket, for what libmosquitto will not do: drop a
// connection without DISCONNECT (so the will is sent), retransmit a QoS 2 PUBLISH
// with DUP on the same connection, pipeline publishes without waiting.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "broker_process.h"

namespace ota_test {

struct RawConnect {
  std::string client_id;
  std::string username;  // empty: none
  std::string password;
  int protocol = 5;  // 4 = MQTT 3.1.1, 5 = MQTT 5
  std::string will_topic;  // empty: no will
  std::string will_payload;
  int will_qos = 0;
  bool will_retain = false;
};

// A login with the test brokers' password.
inline RawConnect raw_login(const std::string& username, const std::string& client_id) {
  RawConnect c;
  c.username = username;
  c.client_id = client_id;
  c.password = kPassword;
  return c;
}

struct RawPacket {
  uint8_t type = 0;  // high nibble of the fixed header: 2 CONNACK, 4 PUBACK, 5 PUBREC, 3 PUBLISH...
  uint8_t flags = 0;
  std::string body;
};

struct RawPublish {
  std::string topic;
  std::string payload;
  int qos = 0;
  uint16_t packet_id = 0;
  bool dup = false;
  bool retain = false;
  std::string response_topic;  // MQTT 5 only; empty: none
};

class RawMqtt {
 public:
  explicit RawMqtt(int port);
  ~RawMqtt();
  RawMqtt(const RawMqtt&) = delete;
  RawMqtt& operator=(const RawMqtt&) = delete;

  // Sends CONNECT and returns the CONNACK reason code, -1 when none came.
  int connect(const RawConnect& options);
  void publish(const RawPublish& p);
  void pubrel(uint16_t packet_id);
  // The next packet, or nothing before the timeout (or when the connection closed).
  std::optional<RawPacket> read(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Closes the socket without DISCONNECT: the broker sends the will.
  void drop();

 private:
  void send_packet(uint8_t header, const std::string& body);
  bool read_exact(char* out, size_t n, std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  int protocol_ = 5;
};

}  // namespace ota_test
