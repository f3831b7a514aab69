#include "raw_mqtt.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace ota_test {
namespace {

void put_u16(std::string& out, size_t v) {
  out += static_cast<char>((v >> 8) & 0xff);
  out += static_cast<char>(v & 0xff);
}

void put_string(std::string& out, const std::string& s) {
  put_u16(out, s.size());
  out += s;
}

std::string remaining_length(size_t n) {
  std::string out;
  do {
    uint8_t byte = n % 128;
    n /= 128;
    if (n > 0) byte |= 0x80;
    out += static_cast<char>(byte);
  } while (n > 0);
  return out;
}

}  // namespace

RawMqtt::RawMqtt(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("cannot connect to the broker");
  }
}

RawMqtt::~RawMqtt() { drop(); }

void RawMqtt::drop() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void RawMqtt::send_packet(uint8_t header, const std::string& body) {
  std::string packet(1, static_cast<char>(header));
  packet += remaining_length(body.size());
  packet += body;
  size_t sent = 0;
  while (sent < packet.size()) {
    ssize_t n = ::send(fd_, packet.data() + sent, packet.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send failed");
    sent += static_cast<size_t>(n);
  }
}

int RawMqtt::connect(const RawConnect& o) {
  protocol_ = o.protocol;
  std::string body;
  put_string(body, "MQTT");
  body += static_cast<char>(o.protocol);
  uint8_t flags = 0x02;  // clean start
  if (!o.will_topic.empty()) flags |= 0x04 | (o.will_qos << 3) | (o.will_retain ? 0x20 : 0);
  if (!o.username.empty()) flags |= 0x80 | 0x40;
  body += static_cast<char>(flags);
  put_u16(body, 60);                   // keepalive
  if (o.protocol == 5) body += '\0';   // no properties
  put_string(body, o.client_id);
  if (!o.will_topic.empty()) {
    if (o.protocol == 5) body += '\0';  // no will properties
    put_string(body, o.will_topic);
    put_string(body, o.will_payload);
  }
  if (!o.username.empty()) {
    put_string(body, o.username);
    put_string(body, o.password);
  }
  send_packet(0x10, body);
  auto connack = read();
  if (!connack || connack->type != 2 || connack->body.size() < 2) return -1;
  return static_cast<uint8_t>(connack->body[1]);
}

void RawMqtt::publish(const RawPublish& p) {
  std::string body;
  put_string(body, p.topic);
  if (p.qos > 0) put_u16(body, p.packet_id);
  if (protocol_ == 5) {
    std::string props;
    if (!p.response_topic.empty()) {
      props += '\x08';  // Response Topic
      put_string(props, p.response_topic);
    }
    body += remaining_length(props.size()) + props;
  }
  body += p.payload;
  send_packet(static_cast<uint8_t>(0x30 | (p.dup ? 0x08 : 0) | (p.qos << 1) | (p.retain ? 1 : 0)), body);
}

void RawMqtt::pubrel(uint16_t packet_id) {
  std::string body;
  put_u16(body, packet_id);
  send_packet(0x62, body);
}

bool RawMqtt::read_exact(char* out, size_t n, std::chrono::steady_clock::time_point deadline) {
  size_t got = 0;
  while (got < n) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) return false;
    ssize_t r = ::recv(fd_, out + got, n - got, 0);
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}

std::optional<RawPacket> RawMqtt::read(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return std::nullopt;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char header;
  if (!read_exact(&header, 1, deadline)) return std::nullopt;
  size_t length = 0;
  for (int shift = 0; shift < 28; shift += 7) {
    char byte;
    if (!read_exact(&byte, 1, deadline)) return std::nullopt;
    length |= static_cast<size_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) break;
  }
  RawPacket p;
  p.type = static_cast<uint8_t>(header) >> 4;
  p.flags = header & 0x0f;
  p.body.resize(length);
  if (length && !read_exact(p.body.data(), length, deadline)) return std::nullopt;
  return p;
}

}  // namespace ota_test
