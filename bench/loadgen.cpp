// Load generator: many simulated IotHub devices on one epoll loop, real MQTT
// (libmosquitto, no threads of its own).
//
//   loadgen ingest PORT PRODUCT FIRST COUNT SECONDS QOS WINDOW [STATUS_EVERY [PROTOCOL]]
//     COUNT devices report progress as fast as the broker acknowledges, WINDOW
//     messages in flight each, for SECONDS; with STATUS_EVERY, every such report
//     of a device is a status report instead (a new app_ver each time). Prints
//     "acked T_ms N S" (all reports, status reports) every 50 ms and a summary.
//     PROTOCOL 5: MQTT 5 (default 3.1.1), and a report refused (PUBACK reason
//     >= 128) is counted and sent again at once, as a device would, instead of
//     the connection being closed (MQTT 3.1.1 has no refusal).
//   loadgen telemetry PORT PRODUCT FIRST COUNT SECONDS QOS WINDOW [0 [PROTOCOL]]
//     The same load on topics the plugin does not own: ordinary telemetry,
//     telemetry/{product}/{device}/{n} (n cycles over 8 sensors) with a small
//     JSON payload.
//   SECONDS "stdin" (ingest, telemetry): the load runs in slices a driver asks
//     for, so that several brokers can take turns within seconds: each line
//     "run MS" on stdin streams for MS ms, waits until what is in flight is
//     acknowledged and answers "slice SECONDS ACKED ACKED_STATUS REFUSED" (this
//     slice's, from its first publish to its last acknowledgement); between
//     slices the devices stay connected and idle. EOF ends the run.
//   loadgen devices PORT PRODUCT FIRST COUNT VERSION SECONDS [DELAY_MS STATE_FILE [LINGER]]
//     COUNT devices report {"firmware_ver":VERSION} at boot, then answer each
//     $ota_upgrade command (at once, or after a random 0..DELAY_MS): progress
//     100, then their new version. Prints "ready" once all are connected,
//     "upgraded N" as they finish, and stops when all are upgraded or after
//     SECONDS. With STATE_FILE (- for none), a device that installed a version writes
//     "{device} {version}" there and reports that version at its next boot (the
//     file survives a restart of the generator), and every acknowledged report
//     of a new version is printed as "acked_status {device} {unix_ms}".
//     A device whose connection the broker closes (MQTT 3.1.1 has no other
//     refusal of a report) connects again 100-200 ms later, as a device would;
//     libmosquitto then sends again what was not acknowledged.
//     LINGER 1: once all are upgraded, stay connected (a repeated command
//     would be counted) until SECONDS or SIGTERM. The summary counts the
//     commands the devices received: in all, the most one device got (and on
//     one connection: a device connecting again gets its pending command
//     again), and the devices that got none and more than one. A command
//     repeated on one connection is printed as "repeat {device} {ms since the
//     last} {times it connected again before}".
//
// Device i logs in as PRODUCT/d{FIRST+i} with password "secret".
#include <mosquitto.h>
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// SIGTERM ends the run early, with its summary.
volatile sig_atomic_t g_stop = 0;
void on_sigterm(int) { g_stop = 1; }

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Device;

struct Load {
  std::string mode;
  bool streaming = false;  // ingest or telemetry: publish as fast as acknowledged
  int port = 0;
  std::string product;
  int qos = 1;
  int window = 10;
  int status_every = 0;  // ingest: every n-th report of a device is a status report
  std::string version;
  long acked = 0;
  long acked_status = 0;
  long refused = 0;  // MQTT 5: PUBACKs with a reason >= 128
  int protocol = MQTT_PROTOCOL_V311;
  long sent = 0;
  long upgraded = 0;
  long connected = 0;
  long reconnects = 0;  // devices: connections the broker closed, connected again
  bool running = true;
  bool linger = false;  // devices: stay connected once all are upgraded
  int delay_ms = 0;
  FILE* state = nullptr;
  Clock::time_point last_ack = Clock::now();
  double max_ack_gap_ms = 0;  // with WINDOW 1: the slowest acknowledgement
};

struct Device {
  Load* load = nullptr;
  mosquitto* mosq = nullptr;
  std::string name;
  std::string topic_prefix;
  long seq = 0;
  int in_flight = 0;
  bool polls_write = true;  // registered with EPOLLOUT (as at first)
  bool upgraded = false;
  std::string boot_version;       // what it reports at boot
  std::string pending_version;    // the command it is acting on
  int commands = 0;               // $ota_upgrade messages received
  int connection_commands = 0;    // ... on its current connection
  int most_per_connection = 0;
  int reconnects = 0;
  Clock::time_point last_command;
  bool ever_connected = false;
  bool down = false;              // devices: the broker closed the connection
  Clock::time_point reconnect_at;
  Clock::time_point act_at;       // when it finishes "installing"
  int status_mid = -1;            // the report of its new version, until acknowledged
  std::vector<int> status_mids;   // ingest: status reports in flight
};

// Unique across generator processes and runs; getpid() read once (a syscall).
std::string message_id(Device* d) {
  static const std::string suffix = "-" + std::to_string(getpid());
  return std::to_string(++d->seq) + suffix;
}

int publish_status(Device* d, const std::string& payload, int qos) {
  std::string topic = "update_status/" + d->topic_prefix + message_id(d);
  int mid = -1;
  mosquitto_publish(d->mosq, &mid, topic.c_str(), static_cast<int>(payload.size()), payload.data(), qos, false);
  return mid;
}

int publish_version(Device* d, const std::string& version) {
  return publish_status(d, R"({"firmware_ver":")" + version + "\"}", 1);
}

// A reading on a topic the plugin does not own.
void publish_telemetry(Device* d) {
  char topic[160], payload[96];
  snprintf(topic, sizeof topic, "telemetry/%s%ld", d->topic_prefix.c_str(), d->seq % 8);
  int n = snprintf(payload, sizeof payload, R"({"seq":%ld,"temp":21.%ld,"humidity":4%ld})", d->seq, d->seq % 10,
                   d->seq % 7);
  ++d->seq;
  if (mosquitto_publish(d->mosq, nullptr, topic, n, payload, d->load->qos, false) == MOSQ_ERR_SUCCESS) {
    ++d->in_flight;
    ++d->load->sent;
  }
}

// The next report of an ingesting device: progress, or now and then its status.
void publish_report(Device* d) {
  if (d->load->mode == "telemetry") {
    publish_telemetry(d);
    return;
  }
  if (d->load->status_every > 0 && (d->seq + 1) % d->load->status_every == 0) {
    std::string status = R"({"firmware_ver":"1.0","app_ver":"2.)" + std::to_string(d->seq) + "\"}";
    d->status_mids.push_back(publish_status(d, status, d->load->qos));
    ++d->in_flight;
    ++d->load->sent;
    return;
  }
  char payload[128];
  int n = snprintf(payload, sizeof payload, R"({"type":"firmware","version":"1.1","progress":%ld,"desc":"downloading"})",
                   d->seq % 100);
  std::string topic = "update_ota_status/" + d->topic_prefix + message_id(d);
  if (mosquitto_publish(d->mosq, nullptr, topic.c_str(), n, payload, d->load->qos, false) == MOSQ_ERR_SUCCESS) {
    ++d->in_flight;
    ++d->load->sent;
  }
}

void on_connect(mosquitto*, void* obj, int rc) {
  auto* d = static_cast<Device*>(obj);
  if (rc != 0) {
    fprintf(stderr, "%s: connect refused (%d)\n", d->name.c_str(), rc);
    exit(2);
  }
  if (!d->ever_connected) ++d->load->connected;
  d->connection_commands = 0;
  d->ever_connected = true;
  if (d->load->mode == "devices") publish_version(d, d->boot_version);
}

void on_publish(mosquitto*, void* obj, int mid);

// devices: a connection the broker closed comes back shortly (see reconnect()).
void on_disconnect(mosquitto*, void* obj, int rc) {
  auto* d = static_cast<Device*>(obj);
  if (rc == 0 || d->load->mode != "devices" || !d->load->running) return;
  d->down = true;
  d->reconnect_at = Clock::now() + std::chrono::milliseconds(100 + rand() % 100);
  ++d->load->reconnects;
  ++d->reconnects;
}

// MQTT 5: a refused report is not acknowledged; it goes again in its place in the window.
void on_publish_v5(mosquitto* mosq, void* obj, int mid, int reason, const mosquitto_property*) {
  auto* d = static_cast<Device*>(obj);
  if (reason < 128 || !d->load->streaming) {
    on_publish(mosq, obj, mid);
    return;
  }
  ++d->load->refused;
  --d->in_flight;
  auto status = std::find(d->status_mids.begin(), d->status_mids.end(), mid);
  if (status != d->status_mids.end()) d->status_mids.erase(status);
  --d->load->sent;  // sent again below: counted once
  if (d->load->running) publish_report(d);
}

void on_publish(mosquitto*, void* obj, int mid) {
  auto* d = static_cast<Device*>(obj);
  if (!d->load->streaming) {
    if (mid == d->status_mid) {
      printf("acked_status %s %lld\n", d->name.c_str(), static_cast<long long>(unix_ms()));
      d->status_mid = -1;
    }
    return;
  }
  --d->in_flight;
  ++d->load->acked;
  auto status = std::find(d->status_mids.begin(), d->status_mids.end(), mid);
  if (status != d->status_mids.end()) {
    d->status_mids.erase(status);
    ++d->load->acked_status;
  }
  auto now = Clock::now();
  d->load->max_ack_gap_ms =
      std::max(d->load->max_ack_gap_ms, std::chrono::duration<double, std::milli>(now - d->load->last_ack).count());
  d->load->last_ack = now;
  if (d->load->running) publish_report(d);
}

// Installs the pending version: reports progress 100, records it, reports the new version.
void finish_upgrade(Device* d) {
  const std::string& version = d->pending_version;
  std::string progress = R"({"type":"firmware","version":")" + version + R"(","progress":100})";
  std::string topic = "update_ota_status/" + d->topic_prefix + message_id(d);
  mosquitto_publish(d->mosq, nullptr, topic.c_str(), static_cast<int>(progress.size()), progress.data(), 1, false);
  if (d->load->state) {
    fprintf(d->load->state, "%s %s\n", d->name.c_str(), version.c_str());
    fflush(d->load->state);
  }
  d->status_mid = publish_version(d, version);
  d->boot_version = version;
  d->pending_version.clear();
  d->upgraded = true;
  ++d->load->upgraded;
}

void on_message(mosquitto*, void* obj, const mosquitto_message* m) {
  auto* d = static_cast<Device*>(obj);
  if (!strstr(m->topic, "/$ota_upgrade/")) return;
  ++d->commands;
  d->most_per_connection = std::max(d->most_per_connection, ++d->connection_commands);
  auto now = Clock::now();
  if (d->connection_commands > 1) {
    // Another command on the same connection: how long after the last, and after how many reconnections.
    printf("repeat %s %.0f %d\n", d->name.c_str(),
           std::chrono::duration<double, std::milli>(now - d->last_command).count(), d->reconnects);
  }
  d->last_command = now;
  if (d->upgraded || !d->pending_version.empty()) return;
  // The command carries the version to install.
  std::string payload(static_cast<const char*>(m->payload), static_cast<size_t>(m->payloadlen));
  size_t at = payload.find("\"version\":\"");
  if (at == std::string::npos) return;
  d->pending_version = payload.substr(at + 11, payload.find('"', at + 11) - at - 11);
  if (d->pending_version == d->boot_version) {  // already installed before a restart
    d->pending_version.clear();
    return;
  }
  int delay = d->load->delay_ms > 0 ? rand() % d->load->delay_ms : 0;
  d->act_at = Clock::now() + std::chrono::milliseconds(delay);
  if (delay == 0) finish_upgrade(d);
}

// Connects a device again; its socket is new, registered afresh (the closed one left epoll by itself).
void reconnect(int epfd, Device* d) {
  if (mosquitto_reconnect(d->mosq) != MOSQ_ERR_SUCCESS) {
    d->reconnect_at = Clock::now() + std::chrono::milliseconds(100);
    return;
  }
  d->down = false;
  d->polls_write = true;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.ptr = d;
  epoll_ctl(epfd, EPOLL_CTL_ADD, mosquitto_socket(d->mosq), &ev);
}

// Asks epoll for writability only while libmosquitto has something to write; a
// syscall only when that changes (the generator must not eat the broker's CPU).
void update_interest(int epfd, Device* d) {
  const bool want_write = mosquitto_want_write(d->mosq);
  if (want_write == d->polls_write) return;
  d->polls_write = want_write;
  epoll_event ev{};
  ev.events = EPOLLIN | (want_write ? static_cast<uint32_t>(EPOLLOUT) : 0u);
  ev.data.ptr = d;
  epoll_ctl(epfd, EPOLL_CTL_MOD, mosquitto_socket(d->mosq), &ev);
}

// Starts each device's window of reports.
void start_streaming(int epfd, Load& load, std::vector<Device>& devices) {
  load.running = true;
  for (auto& d : devices) {
    for (int w = 0; w < load.window; ++w) publish_report(&d);
    update_interest(epfd, &d);
  }
}

// The next line from stdin, serving the devices' sockets (and their keepalives)
// while waiting; false at EOF.
bool next_command(int epfd, std::vector<Device>& devices, const std::function<void(int)>& loop_once,
                  std::string& line) {
  static std::string buffered;
  for (;;) {
    auto nl = buffered.find('\n');
    if (nl != std::string::npos) {
      line = buffered.substr(0, nl);
      buffered.erase(0, nl + 1);
      return true;
    }
    pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {epfd, POLLIN, 0}};
    if (poll(fds, 2, 1000) < 0 && errno != EINTR) return false;
    if (fds[1].revents) loop_once(0);
    for (auto& d : devices) mosquitto_loop_misc(d.mosq);
    if (fds[0].revents) {
      char chunk[256];
      ssize_t n = read(STDIN_FILENO, chunk, sizeof chunk);
      if (n <= 0) return false;
      buffered.append(chunk, static_cast<size_t>(n));
    }
  }
}

// SECONDS "stdin": slices on demand (see the top of the file).
// Returns the seconds all slices took.
double serve_slices(int epfd, Load& load, std::vector<Device>& devices, const std::function<void(int)>& loop_once) {
  double total = 0;
  std::string line;
  while (next_command(epfd, devices, loop_once, line)) {
    if (line.rfind("run ", 0) != 0) {
      fprintf(stderr, "unknown command: %s\n", line.c_str());
      continue;
    }
    const long acked0 = load.acked, status0 = load.acked_status, refused0 = load.refused;
    const auto start = Clock::now();
    const auto end = start + std::chrono::milliseconds(atol(line.c_str() + 4));
    auto next_report = start;
    start_streaming(epfd, load, devices);
    while (Clock::now() < end) {
      loop_once(5);
      if (Clock::now() >= next_report) {
        printf("acked %lld %ld %ld\n", static_cast<long long>(unix_ms()), load.acked, load.acked_status);
        next_report += std::chrono::milliseconds(50);
      }
    }
    load.running = false;
    const auto drain_end = Clock::now() + std::chrono::seconds(10);  // a device the broker closed never drains
    while (load.acked < load.sent && Clock::now() < drain_end) loop_once(5);
    const double spent = std::chrono::duration<double>(load.last_ack - start).count();
    total += spent;
    printf("acked %lld %ld %ld\n", static_cast<long long>(unix_ms()), load.acked, load.acked_status);
    printf("slice %.6f %ld %ld %ld\n", spent, load.acked - acked0, load.acked_status - status0, load.refused - refused0);
    fflush(stdout);
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: loadgen ingest PORT PRODUCT FIRST COUNT SECONDS|stdin QOS WINDOW [STATUS_EVERY [PROTOCOL]]\n"
                    "       loadgen telemetry PORT PRODUCT FIRST COUNT SECONDS|stdin QOS WINDOW [0 [PROTOCOL]]\n"
                    "       loadgen devices PORT PRODUCT FIRST COUNT VERSION SECONDS\n");
    return 1;
  }
  Load load;
  std::map<std::string, std::string> installed;
  load.mode = argv[1];
  load.port = atoi(argv[2]);
  load.product = argv[3];
  int first = atoi(argv[4]);
  int count = atoi(argv[5]);
  double seconds;
  load.streaming = load.mode == "ingest" || load.mode == "telemetry";
  const bool sliced = load.streaming && strcmp(argv[6], "stdin") == 0;
  if (load.streaming) {
    seconds = atof(argv[6]);
    load.qos = argc > 7 ? atoi(argv[7]) : 1;
    load.window = argc > 8 ? atoi(argv[8]) : 10;
    load.status_every = argc > 9 ? atoi(argv[9]) : 0;
    if (argc > 10 && atoi(argv[10]) == 5) load.protocol = MQTT_PROTOCOL_V5;
  } else {
    load.version = argv[6];
    seconds = argc > 7 ? atof(argv[7]) : 120;
    load.delay_ms = argc > 8 ? atoi(argv[8]) : 0;
    if (argc > 9 && strcmp(argv[9], "-") != 0) {
      if (FILE* f = fopen(argv[9], "r")) {  // versions installed before this run
        char name[128], version[128];
        while (fscanf(f, "%127s %127s", name, version) == 2) installed[name] = version;
        fclose(f);
      }
      load.state = fopen(argv[9], "a");
    }
    load.linger = argc > 10 && atoi(argv[10]) == 1;
  }
  srand(static_cast<unsigned>(getpid()));

  mosquitto_lib_init();
  int epfd = epoll_create1(0);
  std::vector<Device> devices(static_cast<size_t>(count));
  std::vector<epoll_event> events(1024);
  std::function<void(int)> loop_once = [&](int timeout_ms) {
    int n = epoll_wait(epfd, events.data(), static_cast<int>(events.size()), timeout_ms);
    for (int i = 0; i < n; ++i) {
      auto* d = static_cast<Device*>(events[static_cast<size_t>(i)].data.ptr);
      if (events[static_cast<size_t>(i)].events & EPOLLIN) mosquitto_loop_read(d->mosq, 1);
      if (events[static_cast<size_t>(i)].events & EPOLLOUT) mosquitto_loop_write(d->mosq, 1);
      update_interest(epfd, d);
    }
  };
  for (int i = 0; i < count; ++i) {
    // Connect in steps, serving the CONNACKs in between, so the broker's accept queue never overflows.
    if (i % 200 == 0) {
      while (load.connected < i - 400) loop_once(10);
    }
    Device& d = devices[static_cast<size_t>(i)];
    d.load = &load;
    d.name = "d" + std::to_string(first + i);
    d.topic_prefix = load.product + "/" + d.name + "/";
    auto known = installed.find(d.name);
    d.boot_version = known != installed.end() ? known->second : load.version;
    std::string username = load.product + "/" + d.name;
    d.mosq = mosquitto_new(username.c_str(), true, &d);
    mosquitto_username_pw_set(d.mosq, username.c_str(), "secret");
    mosquitto_max_inflight_messages_set(d.mosq, 0);  // the window below is the limit
    mosquitto_connect_callback_set(d.mosq, on_connect);
    mosquitto_disconnect_callback_set(d.mosq, on_disconnect);
    mosquitto_int_option(d.mosq, MOSQ_OPT_PROTOCOL_VERSION, load.protocol);
    if (load.protocol == MQTT_PROTOCOL_V5) {
      mosquitto_publish_v5_callback_set(d.mosq, on_publish_v5);
    } else {
      mosquitto_publish_callback_set(d.mosq, on_publish);
    }
    mosquitto_message_callback_set(d.mosq, on_message);
    int tries = 0;
    while (mosquitto_connect(d.mosq, "127.0.0.1", load.port, 60) != MOSQ_ERR_SUCCESS) {
      if (++tries == 50) {
        fprintf(stderr, "%s: cannot connect: %s\n", d.name.c_str(), strerror(errno));
        return 2;
      }
      loop_once(20);
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.ptr = &d;
    epoll_ctl(epfd, EPOLL_CTL_ADD, mosquitto_socket(d.mosq), &ev);
  }

  // Wait for every CONNACK before the load starts.
  auto connect_deadline = Clock::now() + std::chrono::seconds(60);
  while (load.connected < count && Clock::now() < connect_deadline) loop_once(10);
  if (load.connected < count) {
    fprintf(stderr, "only %ld of %d devices connected\n", load.connected, count);
    return 2;
  }
  printf("ready %lld\n", static_cast<long long>(unix_ms()));
  fflush(stdout);
  double sliced_seconds = 0;
  if (sliced) {
    sliced_seconds = serve_slices(epfd, load, devices, loop_once);
    load.running = false;
    seconds = 0;  // the summary below is of all slices
  }

  auto start = Clock::now();
  auto end = start + std::chrono::duration<double>(seconds);
  auto next_report = start;
  auto next_misc = start;
  load.last_ack = Clock::now();
  if (load.streaming && !sliced) start_streaming(epfd, load, devices);
  long last_upgraded = -1;
  int64_t last_ack_ms = unix_ms();
  long last_acked = 0;
  signal(SIGTERM, on_sigterm);
  while (Clock::now() < end && !g_stop) {
    loop_once(5);
    auto now = Clock::now();
    if (load.acked != last_acked) {
      last_acked = load.acked;
      last_ack_ms = unix_ms();
    }
    if (now >= next_report) {
      if (load.streaming) {
        printf("acked %lld %ld %ld\n", static_cast<long long>(unix_ms()), load.acked, load.acked_status);
      } else if (load.upgraded != last_upgraded) {
        printf("upgraded %lld %ld\n", static_cast<long long>(unix_ms()), load.upgraded);
        last_upgraded = load.upgraded;
      }
      fflush(stdout);
      next_report = now + std::chrono::milliseconds(50);
    }
    if (now >= next_misc) {
      for (auto& d : devices) mosquitto_loop_misc(d.mosq);
      next_misc = now + std::chrono::milliseconds(20);
      for (auto& d : devices) {
        if (d.down && now >= d.reconnect_at) reconnect(epfd, &d);
        if (!d.pending_version.empty() && now >= d.act_at) {
          finish_upgrade(&d);
          update_interest(epfd, &d);
        }
      }
    }
    if (load.mode == "devices" && load.upgraded == count && !load.linger) break;
  }
  // Let what is in flight be acknowledged, without sending more.
  load.running = false;
  auto drain_end = Clock::now() + std::chrono::seconds(5);
  while (load.streaming && load.acked < load.sent && Clock::now() < drain_end) {
    loop_once(5);
    if (load.acked != last_acked) {
      last_acked = load.acked;
      last_ack_ms = unix_ms();
    }
  }
  double elapsed = sliced ? sliced_seconds : std::chrono::duration<double>(Clock::now() - start).count();
  if (load.streaming) {
    printf("acked %lld %ld %ld\n", static_cast<long long>(last_ack_ms), load.acked, load.acked_status);
    printf("summary acked=%ld acked_status=%ld sent=%ld seconds=%.3f rate=%.0f last_ack_ms=%lld max_ack_gap_ms=%.1f "
           "refused=%ld\n",
           load.acked, load.acked_status, load.sent, elapsed, load.acked / elapsed, static_cast<long long>(last_ack_ms),
           load.max_ack_gap_ms, load.refused);
  } else {
    long commands = 0, without = 0, repeated = 0;
    int most = 0, most_per_connection = 0;
    for (const auto& d : devices) {
      most_per_connection = std::max(most_per_connection, d.most_per_connection);
      commands += d.commands;
      without += d.commands == 0;
      repeated += d.commands > 1;
      most = std::max(most, d.commands);
    }
    printf("summary upgraded=%ld of %d seconds=%.3f commands=%ld most_per_device=%d without=%ld repeated=%ld "
           "reconnects=%ld most_per_connection=%d\n",
           load.upgraded, count, elapsed, commands, most, without, repeated, load.reconnects, most_per_connection);
  }
  fflush(stdout);  // before the disconnects: a driver may stop measuring at the summary
  for (auto& d : devices) {
    mosquitto_disconnect(d.mosq);
    mosquitto_loop_write(d.mosq, 1);
    mosquitto_destroy(d.mosq);
  }
  mosquitto_lib_cleanup();
  return 0;
}
