#pragma once
// ota-agent as a separate process, with its config file, state, downloads and log in a directory of its own.
#include <chrono>
#include <map>
#include <string>

namespace ota_test {

class AgentProcess {
 public:
  // `config`: the agent's keys and values; state_dir and download_dir default to dir/state and dir/downloads.
  AgentProcess(std::string dir, std::map<std::string, std::string> config);
  ~AgentProcess();

  void start();
  void stop();   // SIGTERM, then waits
  void kill9();  // SIGKILL, then waits
  bool running() const { return pid_ > 0; }

  std::string log() const;
  bool wait_for_log(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  std::string download_dir() const { return config_.at("download_dir"); }
  const std::string& dir() const { return dir_; }
  std::map<std::string, std::string>& config() { return config_; }

 private:
  std::string dir_;
  std::map<std::string, std::string> config_;
  int pid_ = -1;
};

}  // namespace ota_test
