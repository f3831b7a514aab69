#include "sim_device.h"

#include <random>

namespace ota_test {
namespace {

std::optional<OtaCommand> parse_command(const Message& m) {
  std::vector<std::string> levels;
  size_t start = 0;
  while (true) {
    size_t slash = m.topic.find('/', start);
    levels.push_back(m.topic.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (levels.size() < 6 || levels[0] != "cmd" || levels[4] != "plain") return std::nullopt;
  OtaCommand c{levels[3], levels[5], levels.size() > 6 ? levels[6] : "", m.topic, m.payload, m.received};
  return c;
}

}  // namespace

SimDevice::SimDevice(int port, std::string product, std::string device, std::string firmware_ver,
                     std::string client_suffix, std::string password)
    : product_(std::move(product)), device_(std::move(device)), firmware_ver_(std::move(firmware_ver)) {
  ClientOptions o;
  o.username = product_ + "/" + device_;
  o.client_id = o.username + client_suffix;
  o.password = std::move(password);
  o.protocol = MQTT_PROTOCOL_V5;
  client_ = std::make_unique<MqttClient>(port, o);
}

std::string SimDevice::next_message_id() {
  static std::mt19937_64 rng{std::random_device{}()};
  return std::to_string(rng()) + "-" + std::to_string(++message_counter_);
}

void SimDevice::boot() {
  if (client_->connect() != 0) throw std::runtime_error("device " + device_ + " could not connect");
  if (report_version(firmware_ver_) != 0) throw std::runtime_error("device " + device_ + " could not report");
}

int SimDevice::report_version(const std::string& firmware_ver) {
  firmware_ver_ = firmware_ver;
  return client_->publish("update_status/" + product_ + "/" + device_ + "/" + next_message_id(),
                          R"({"firmware_ver":")" + firmware_ver + "\"}");
}

int SimDevice::progress(const std::string& version, int progress, const std::string& desc) {
  std::string payload = R"({"type":"firmware","version":")" + version + R"(","progress":)" + std::to_string(progress);
  if (!desc.empty()) payload += R"(,"desc":")" + desc + "\"";
  payload += "}";
  return client_->publish("update_ota_status/" + product_ + "/" + device_ + "/" + next_message_id(), payload);
}

std::vector<OtaCommand> SimDevice::commands(const std::string& kind) const {
  std::vector<OtaCommand> out;
  for (const auto& m : client_->messages()) {
    auto c = parse_command(m);
    if (c && c->kind == kind) out.push_back(*c);
  }
  return out;
}

std::optional<OtaCommand> SimDevice::wait_command(size_t n, const std::string& kind,
                                                  std::chrono::milliseconds timeout) {
  std::optional<OtaCommand> found;
  eventually(
      [&] {
        auto all = commands(kind);
        if (all.size() > n) found = all[n];
        return found.has_value();
      },
      timeout);
  return found;
}

}  // namespace ota_test
