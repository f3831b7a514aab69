// Flood: a few devices publish QoS 1 reports as fast as one raw TCP
// connection each takes them (MQTT 5, pipelined: PUBLISH packets are written
// without waiting for their PUBACKs), to see what the broker acknowledges when
// the store cannot keep up, and what of it survives a kill -9.
//
//   flood PORT PRODUCT DEVICES SECONDS KIND ACK_LOG [KILL_PID KILL_AFTER_MS]
//
// Device i (1..DEVICES) logs in as PRODUCT/d{i}, password "secret". KIND:
//   status    {"app_ver":"<seq>"}
//   progress  {"type":"firmware","version":"2.0","progress":<seq % 101>,"desc":"<seq>"}
// where seq counts 1, 2, ... per device and is also the message id (24 hex
// digits), so the store tells which reports it holds. Every PUBACK is written
// to ACK_LOG as "<device> <seq> <unix_us> <reason code>"; the time is when its
// bytes were read. With KILL_PID, the first PUBACK read KILL_AFTER_MS after the
// flood began (KILL_AFTER_MS -1: after a SIGUSR1) is followed at once by
// SIGKILL to that process, and the flood ends when the connections close. Prints "ready", then at the end
// "summary sent=N acked=A refused=R seconds=S rate=A/S killed_at_us=T".
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr size_t kWindow = 30000;        // PUBLISHes in flight per connection (packet ids are 16 bits)
constexpr size_t kWriteAhead = 1 << 16;  // bytes queued for writing before more packets are made

// SIGUSR1: kill the broker right after the next PUBACK.
volatile sig_atomic_t g_armed = 0;
void on_sigusr1(int) { g_armed = 1; }

int64_t unix_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void put_varint(std::string& out, size_t n) {
  do {
    uint8_t b = n % 128;
    n /= 128;
    if (n) b |= 128;
    out.push_back(static_cast<char>(b));
  } while (n);
}

void put_str(std::string& out, const std::string& s) {
  out.push_back(static_cast<char>(s.size() >> 8));
  out.push_back(static_cast<char>(s.size() & 0xff));
  out += s;
}

std::string connect_packet(const std::string& name) {
  std::string body;
  put_str(body, "MQTT");
  body.push_back(5);                                // MQTT 5
  body.push_back(static_cast<char>(0x80 | 0x40 | 0x02));  // username, password, clean start
  body.push_back(0);
  body.push_back(60);  // keep alive
  body.push_back(0);   // no properties
  put_str(body, name);
  put_str(body, name);
  put_str(body, "secret");
  std::string packet(1, '\x10');
  put_varint(packet, body.size());
  return packet + body;
}

struct Device {
  int index = 0;
  std::string name;
  int fd = -1;
  std::string out;
  size_t out_pos = 0;
  std::string in;
  uint64_t sent = 0;   // seq of the last PUBLISH made
  uint64_t acked = 0;  // PUBACKs read (they come in order)
  bool connected = false;
  bool open = true;
};

struct Flood {
  std::string product;
  std::string kind;
  FILE* log = nullptr;
  pid_t kill_pid = 0;
  int64_t kill_after_us = -1;
  int64_t started_us = 0;
  int64_t killed_at_us = 0;
  int64_t last_ack_us = 0;
  bool sending = true;
  uint64_t acked = 0;
  uint64_t refused = 0;
};

void add_publish(Flood& f, Device& d) {
  const uint64_t seq = ++d.sent;
  char id[32];
  snprintf(id, sizeof id, "%024llx", static_cast<unsigned long long>(seq));
  const std::string topic = (f.kind == "status" ? "update_status/" : "update_ota_status/") + f.product + "/" +
                            d.name.substr(d.name.find('/') + 1) + "/" + id;
  char payload[160];
  int len = f.kind == "status"
                ? snprintf(payload, sizeof payload, "{\"app_ver\":\"%llu\"}", static_cast<unsigned long long>(seq))
                : snprintf(payload, sizeof payload,
                           "{\"type\":\"firmware\",\"version\":\"2.0\",\"progress\":%d,\"desc\":\"%llu\"}",
                           static_cast<int>(seq % 101), static_cast<unsigned long long>(seq));
  const uint16_t packet_id = static_cast<uint16_t>((seq - 1) % 65535 + 1);
  d.out.push_back('\x32');  // PUBLISH, QoS 1
  put_varint(d.out, 2 + topic.size() + 2 + 1 + static_cast<size_t>(len));
  put_str(d.out, topic);
  d.out.push_back(static_cast<char>(packet_id >> 8));
  d.out.push_back(static_cast<char>(packet_id & 0xff));
  d.out.push_back(0);  // no properties
  d.out.append(payload, static_cast<size_t>(len));
}

// Parses what was read; returns false on a protocol surprise.
bool read_packets(Flood& f, Device& d, int64_t at_us) {
  size_t pos = 0;
  while (true) {
    if (d.in.size() - pos < 2) break;
    size_t rl = 0, mult = 1, i = pos + 1;
    bool complete = false;
    while (i < d.in.size()) {
      uint8_t b = static_cast<uint8_t>(d.in[i++]);
      rl += (b & 127) * mult;
      mult *= 128;
      if (!(b & 128)) {
        complete = true;
        break;
      }
    }
    if (!complete || d.in.size() - i < rl) break;
    const uint8_t type = static_cast<uint8_t>(d.in[pos]) >> 4;
    const char* body = d.in.data() + i;
    if (type == 2) {  // CONNACK
      if (rl < 2 || body[1] != 0) {
        fprintf(stderr, "%s: connection refused, reason %d\n", d.name.c_str(), rl >= 2 ? body[1] : -1);
        return false;
      }
      d.connected = true;
    } else if (type == 4) {  // PUBACK
      const int reason = rl >= 3 ? static_cast<uint8_t>(body[2]) : 0;
      const uint64_t seq = ++d.acked;
      const uint16_t expect = static_cast<uint16_t>((seq - 1) % 65535 + 1);
      const uint16_t got = static_cast<uint16_t>((static_cast<uint8_t>(body[0]) << 8) | static_cast<uint8_t>(body[1]));
      if (got != expect) {
        fprintf(stderr, "%s: PUBACK for %u, expected %u\n", d.name.c_str(), got, expect);
        return false;
      }
      fprintf(f.log, "%d %llu %lld %d\n", d.index, static_cast<unsigned long long>(seq),
              static_cast<long long>(at_us), reason);
      ++f.acked;
      f.last_ack_us = at_us;
      if (reason >= 0x80) ++f.refused;  // 0x10 "no matching subscribers" is a success
      const bool due = g_armed || (f.kill_after_us >= 0 && at_us - f.started_us >= f.kill_after_us);
      if (f.kill_pid > 0 && !f.killed_at_us && due) {
        kill(f.kill_pid, SIGKILL);
        f.killed_at_us = at_us;
        f.sending = false;
      }
    } else if (type == 14) {  // DISCONNECT
      fprintf(stderr, "%s: disconnected by the broker\n", d.name.c_str());
      return false;
    }
    pos = i + rl;
  }
  d.in.erase(0, pos);
  return true;
}

int open_connection(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    perror("connect");
    exit(1);
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: %s PORT PRODUCT DEVICES SECONDS status|progress ACK_LOG [KILL_PID KILL_AFTER_MS]\n",
            argv[0]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  signal(SIGUSR1, on_sigusr1);
  const int port = atoi(argv[1]);
  Flood f;
  f.product = argv[2];
  const int count = atoi(argv[3]);
  const double seconds = atof(argv[4]);
  f.kind = argv[5];
  f.log = fopen(argv[6], "w");
  if (!f.log) {
    perror(argv[6]);
    return 2;
  }
  if (argc > 8) {
    f.kill_pid = atoi(argv[7]);
    f.kill_after_us = atoll(argv[8]) * 1000;
  }

  std::vector<Device> devices(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    Device& d = devices[static_cast<size_t>(i)];
    d.index = i + 1;
    d.name = f.product + "/d" + std::to_string(i + 1);
    d.fd = open_connection(port);
    d.out = connect_packet(d.name);
  }
  bool announced = false;
  int64_t stop_sending_us = 0;
  int64_t give_up_us = 0;
  std::vector<pollfd> fds(devices.size());
  char buf[1 << 16];
  while (true) {
    bool all_connected = true, any_open = false, all_acked = true;
    for (auto& d : devices) {
      all_connected = all_connected && d.connected;
      any_open = any_open || d.open;
      all_acked = all_acked && d.acked == d.sent;
    }
    const int64_t now = unix_us();
    if (all_connected && !announced) {
      announced = true;
      f.started_us = now;
      stop_sending_us = now + static_cast<int64_t>(seconds * 1e6);
      printf("ready\n");
      fflush(stdout);
    }
    if (announced && f.sending && now >= stop_sending_us) f.sending = false;
    if (!any_open) break;
    if (announced && !f.sending) {
      if (!give_up_us) give_up_us = now + 30 * 1000000LL;
      if (all_acked || now > give_up_us) break;
    }
    for (size_t i = 0; i < devices.size(); ++i) {
      Device& d = devices[i];
      if (announced && f.sending && d.open && d.out.size() - d.out_pos < kWriteAhead) {
        if (d.out_pos > 0) {
          d.out.erase(0, d.out_pos);
          d.out_pos = 0;
        }
        while (d.out.size() < kWriteAhead && d.sent - d.acked < kWindow) add_publish(f, d);
      }
      fds[i].fd = d.open ? d.fd : -1;
      fds[i].events = static_cast<short>(POLLIN | (d.out_pos < d.out.size() ? POLLOUT : 0));
      fds[i].revents = 0;
    }
    if (poll(fds.data(), fds.size(), 100) < 0 && errno != EINTR) {
      perror("poll");
      return 1;
    }
    for (size_t i = 0; i < devices.size(); ++i) {
      Device& d = devices[i];
      if (!d.open) continue;
      if (fds[i].revents & POLLOUT) {
        ssize_t n = send(d.fd, d.out.data() + d.out_pos, d.out.size() - d.out_pos, MSG_DONTWAIT);
        if (n > 0) d.out_pos += static_cast<size_t>(n);
      }
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = recv(d.fd, buf, sizeof buf, MSG_DONTWAIT);
        const int64_t at = unix_us();
        if (n > 0) {
          d.in.append(buf, static_cast<size_t>(n));
          if (!read_packets(f, d, at)) {
            d.open = false;
            close(d.fd);
          }
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
          d.open = false;
          close(d.fd);
        }
      }
    }
  }
  fclose(f.log);
  uint64_t sent = 0;
  for (auto& d : devices) sent += d.sent;
  const double took = f.started_us && f.last_ack_us ? (f.last_ack_us - f.started_us) / 1e6 : 0;
  printf("summary sent=%llu acked=%llu refused=%llu seconds=%.2f rate=%.0f killed_at_us=%lld\n",
         static_cast<unsigned long long>(sent), static_cast<unsigned long long>(f.acked),
         static_cast<unsigned long long>(f.refused), took, took > 0 ? (f.acked - f.refused) / took : 0.0,
         static_cast<long long>(f.killed_at_us));
  return 0;
}
