#include "cli_process.h"

#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "broker_process.h"

namespace ota_test {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string unique_name() {
  static std::atomic<int> n{0};
  return std::to_string(getpid()) + "-" + std::to_string(++n);
}

}  // namespace

CliProcess::CliProcess(const std::string& dir, std::vector<std::string> args, std::map<std::string, std::string> env,
                       bool tty) {
  std::string name = unique_name();
  out_path_ = dir + "/cli-" + name + ".out";
  err_path_ = dir + "/cli-" + name + ".err";
  if (!env.count("HOME")) {
    env["HOME"] = dir + "/home-" + name;  // no options file of the machine's user
    mkdir(env["HOME"].c_str(), 0755);
  }
  int slave = -1;
  if (tty && openpty(&pty_, &slave, nullptr, nullptr, nullptr) != 0) throw std::runtime_error("openpty failed");
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int out = tty ? slave : open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    clearenv();
    setenv("PATH", "/usr/bin:/bin", 1);
    for (const auto& [key, value] : env) setenv(key.c_str(), value.c_str(), 1);
    std::vector<char*> argv;
    std::string program = OTA_CLI_PATH;
    argv.push_back(program.data());
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  if (tty) {
    close(slave);
    reader_ = std::thread([this] {
      char buf[4096];
      ssize_t n;
      while ((n = read(pty_, buf, sizeof buf)) > 0) {
        std::lock_guard<std::mutex> lock(mutex_);
        tty_out_.append(buf, static_cast<size_t>(n));
      }
    });
  }
}

CliProcess::~CliProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (reader_.joinable()) reader_.join();
  if (pty_ >= 0) close(pty_);
}

bool CliProcess::wait(std::chrono::milliseconds timeout) {
  bool exited = eventually(
      [&] {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        pid_ = -1;
        return true;
      },
      timeout);
  if (!exited) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  // The pty reads end (EIO) once the child, its only writer, has gone.
  if (reader_.joinable()) reader_.join();
  return exited;
}

std::string CliProcess::out() const {
  if (pty_ < 0) return read_all(out_path_);
  std::lock_guard<std::mutex> lock(mutex_);
  return tty_out_;
}

std::string CliProcess::err() const { return read_all(err_path_); }

CliResult run_cli(const std::string& dir, std::vector<std::string> args, std::map<std::string, std::string> env) {
  CliProcess p(dir, std::move(args), std::move(env));
  p.wait();
  return p.result();
}

}  // namespace ota_test
