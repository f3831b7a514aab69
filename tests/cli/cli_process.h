#pragma once
// The built mosquitto_ota run as a subprocess: its stdout (a file, or a
// pseudo-terminal so it sees a TTY), stderr and exit code.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ota_test {

struct CliResult {
  int exit_code = -1;  // -1: did not exit in time (then killed)
  std::string out, err;
};

class CliProcess {
 public:
  // `env` is added to a clean environment: HOME is a fresh directory unless given.
  CliProcess(const std::string& dir, std::vector<std::string> args, std::map<std::string, std::string> env = {},
             bool tty = false);
  ~CliProcess();

  // Waits for the exit; false (and the process killed) when it did not come in time.
  bool wait(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  std::string out() const;
  std::string err() const;
  int exit_code() const { return exit_code_; }
  CliResult result() const { return {exit_code_, out(), err()}; }

 private:
  std::string out_path_, err_path_;
  int pid_ = -1;
  int exit_code_ = -1;
  int pty_ = -1;
  std::thread reader_;
  mutable std::mutex mutex_;
  std::string tty_out_;
};

// Runs to the end.
CliResult run_cli(const std::string& dir, std::vector<std::string> args, std::map<std::string, std::string> env = {});

}  // namespace ota_test
