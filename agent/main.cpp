// ota-agent: a reference device agent for mosquitto-ota (agent/README.md).
#include <signal.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "agent.h"
#include "download.h"
#include "log.h"

namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop = true; }

}  // namespace

int main(int argc, char** argv) {
  using namespace ota_agent;
  const char* path = argc == 2 ? argv[1] : argc == 3 && std::strcmp(argv[1], "-c") == 0 ? argv[2] : nullptr;
  if (path == nullptr) {
    std::cerr << "usage: ota-agent [-c] CONFIG_FILE\n";
    return 2;
  }
  try {
    Config config = load_config(path);
    std::optional<TrustedKeys> broker_key;
    if (!config.broker_key_file.empty()) {
      broker_key = load_trusted_keys(config.broker_key_file);
      if (broker_key->ids.size() != 1) throw std::runtime_error("broker_key_file must hold exactly one public key");
      log_line("commands must be signed by broker key " + broker_key->ids[0]);
    }
    std::optional<TrustedKeys> vendor_keys;
    if (!config.vendor_keys_file.empty()) {
      vendor_keys = load_trusted_keys(config.vendor_keys_file);
      log_line("images must be signed by one of " + std::to_string(vendor_keys->ids.size()) + " vendor key(s)");
    }
    std::filesystem::create_directories(config.state_dir);
    std::filesystem::create_directories(config.download_dir);

    struct sigaction action {};
    action.sa_handler = on_signal;
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    signal(SIGPIPE, SIG_IGN);

    download_global_init();
    Agent agent(std::move(config), std::move(broker_key), std::move(vendor_keys));
    agent.run(g_stop);
  } catch (const std::exception& e) {
    log_line(std::string("fatal: ") + e.what());
    return 1;
  }
  return 0;
}
