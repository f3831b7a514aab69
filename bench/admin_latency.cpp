// Admin request latency: sends the same request N times, one at a time, as an
// MQTT 5 client with a Response Topic, and prints the round trips.
//
//   admin_latency PORT USERNAME PASSWORD N REQUEST_JSON
//
// Prints "latency_ms median=.. p90=.. max=.. first=.." and the last response.
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

namespace {

std::mutex mutex;
std::condition_variable changed;
bool connected = false;
bool subscribed = false;
std::string response;
int responses = 0;

void on_connect(mosquitto*, void*, int rc, int, const mosquitto_property*) {
  std::lock_guard<std::mutex> lock(mutex);
  connected = rc == 0;
  changed.notify_all();
}

void on_subscribe(mosquitto*, void*, int, int, const int*, const mosquitto_property*) {
  std::lock_guard<std::mutex> lock(mutex);
  subscribed = true;
  changed.notify_all();
}

void on_message(mosquitto*, void*, const mosquitto_message* m, const mosquitto_property*) {
  std::lock_guard<std::mutex> lock(mutex);
  response.assign(static_cast<const char*>(m->payload), static_cast<size_t>(m->payloadlen));
  ++responses;
  changed.notify_all();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: admin_latency PORT USERNAME PASSWORD N REQUEST_JSON\n");
    return 1;
  }
  int port = atoi(argv[1]);
  int n = atoi(argv[4]);
  std::string request = argv[5];
  mosquitto_lib_init();
  mosquitto* m = mosquitto_new(nullptr, true, nullptr);
  mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
  mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);  // no Nagle delay on the request
  mosquitto_username_pw_set(m, argv[2], argv[3]);
  mosquitto_connect_v5_callback_set(m, on_connect);
  mosquitto_subscribe_v5_callback_set(m, on_subscribe);
  mosquitto_message_v5_callback_set(m, on_message);
  if (mosquitto_connect(m, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS) return 2;
  mosquitto_loop_start(m);
  std::string reply_topic = "bench/admin_latency/" + std::to_string(getpid());
  {
    std::unique_lock<std::mutex> lock(mutex);
    if (!changed.wait_for(lock, std::chrono::seconds(10), [] { return connected; })) return 2;
  }
  mosquitto_subscribe(m, nullptr, reply_topic.c_str(), 1);
  {
    std::unique_lock<std::mutex> lock(mutex);
    if (!changed.wait_for(lock, std::chrono::seconds(10), [] { return subscribed; })) return 2;
  }
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    mosquitto_property* props = nullptr;
    mosquitto_property_add_string(&props, MQTT_PROP_RESPONSE_TOPIC, reply_topic.c_str());
    int before;
    {
      std::lock_guard<std::mutex> lock(mutex);
      before = responses;
    }
    auto t0 = std::chrono::steady_clock::now();
    mosquitto_publish_v5(m, nullptr, "$CONTROL/ota/v1", static_cast<int>(request.size()), request.data(), 1, false,
                         props);
    mosquitto_property_free_all(&props);
    std::unique_lock<std::mutex> lock(mutex);
    if (!changed.wait_for(lock, std::chrono::seconds(600), [&] { return responses > before; })) return 3;
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  double first = ms.front();
  std::sort(ms.begin(), ms.end());
  printf("latency_ms median=%.2f p90=%.2f max=%.2f first=%.2f n=%d\n", ms[ms.size() / 2], ms[ms.size() * 9 / 10],
         ms.back(), first, n);
  printf("response %s\n", response.c_str());
  mosquitto_disconnect(m);
  mosquitto_loop_stop(m, false);
  mosquitto_destroy(m);
  mosquitto_lib_cleanup();
  return 0;
}
