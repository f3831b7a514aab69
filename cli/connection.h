#pragma once
// One MQTT connection to the broker (libmosquitto, driven from this thread):
// requests to $CONTROL/ota/v1 answered on a private Response Topic (MQTT 5)
// or on $CONTROL/ota/v1/response (MQTT 3.1.1), and subscriptions to events.
#include <chrono>
#include <deque>
#include <memory>
#include <string>

#include "options.h"

struct mosquitto;
struct mosquitto_message;
typedef struct mqtt5__property mosquitto_property;

namespace ota_cli {

struct Message {
  std::string topic;
  std::string payload;
  std::string correlation;  // MQTT 5 Correlation Data, empty when none
};

class Connection {
 public:
  // Connects and subscribes to the response topic. Throws a connection error
  // (exit 3) when the broker cannot be reached or refuses the client.
  explicit Connection(const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Publishes a request envelope and returns the response envelope that
  // carries `correlation` (as MQTT 5 Correlation Data, or in the first
  // response's correlationData with MQTT 3.1.1).
  std::string request(const std::string& payload, const std::string& correlation);

  void subscribe(const std::string& filter);
  // Runs the network for at most `wait` and returns the messages that arrived
  // on other topics than the responses (events).
  std::deque<Message> poll(std::chrono::milliseconds wait);

 private:
  static void on_connect(mosquitto*, void* self, int rc, int flags, const mosquitto_property*);
  static void on_disconnect(mosquitto*, void* self, int rc, const mosquitto_property*);
  static void on_publish(mosquitto*, void* self, int mid, int reason, const mosquitto_property*);
  static void on_subscribe(mosquitto*, void* self, int mid, int count, const int* granted, const mosquitto_property*);
  static void on_message(mosquitto*, void* self, const mosquitto_message* msg, const mosquitto_property* props);

  // Runs the network loop until `done` or the answer wait passes; false then.
  template <typename Done>
  bool run_until(Done done);
  void loop_once(std::chrono::milliseconds wait);
  // Why the connection is gone, as clearly as libmosquitto tells.
  [[noreturn]] void throw_lost() const;

  struct Destroy {
    void operator()(mosquitto* mosq) const;
  };

  ConnectionOptions options_;
  // Freed however the constructor ends: a refused connection throws from it.
  std::unique_ptr<mosquitto, Destroy> client_;
  mosquitto* mosq_ = nullptr;  // client_, for libmosquitto's calls
  std::string response_topic_;
  int connack_ = -1;
  bool lost_ = false;
  int lost_rc_ = 0;  // the network loop's error, when it had one
  int acked_mid_ = -1, ack_reason_ = 0;
  int subacked_mid_ = -1, granted_ = 0;
  std::deque<Message> responses_;
  std::deque<Message> others_;
};

}  // namespace ota_cli
