#pragma once
// What the worker hands to the broker thread: messages to publish and log lines.
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace ota {

// A message for the broker thread to publish: to one client (client_id set,
// whatever its subscriptions) or to the topic's subscribers.
struct Outgoing {
  std::string client_id;
  std::string topic;
  std::string payload;
  int qos = 1;
  std::optional<std::string> correlation_data;
  // Brokers sharing a store (runtime/cluster_node.h): published on that broker
  // only ("": this one), as an answer is; none: on every broker.
  std::optional<std::string> only_on{};
};

enum class LogLevel { Info, Notice, Warning, Error };

struct LogLine {
  LogLevel level;
  std::string text;
};

// What the engine wants done on the broker thread.
struct Effects {
  std::vector<Outgoing> publishes;
  std::vector<LogLine> logs;

  bool empty() const { return publishes.empty() && logs.empty(); }
  void append(Effects&& other) {
    publishes.insert(publishes.end(), std::make_move_iterator(other.publishes.begin()),
                     std::make_move_iterator(other.publishes.end()));
    logs.insert(logs.end(), std::make_move_iterator(other.logs.begin()), std::make_move_iterator(other.logs.end()));
  }
};

}  // namespace ota
