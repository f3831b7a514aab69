#include "agent_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "broker_process.h"

namespace ota_test {

AgentProcess::AgentProcess(std::string dir, std::map<std::string, std::string> config)
    : dir_(std::move(dir)), config_(std::move(config)) {
  std::filesystem::create_directories(dir_);
  config_.emplace("state_dir", dir_ + "/state");
  config_.emplace("download_dir", dir_ + "/downloads");
}

AgentProcess::~AgentProcess() {
  if (running()) kill9();
  // In the sanitizer build the agent is instrumented too: its reports land in its log.
  const std::string text = log();
  EXPECT_EQ(text.find("Sanitizer"), std::string::npos) << text;
  EXPECT_EQ(text.find("runtime error"), std::string::npos) << text;
}

void AgentProcess::start() {
  const std::string conf = dir_ + "/agent.conf";
  {
    std::ofstream out(conf);
    for (const auto& [key, value] : config_) out << key << " = " << value << "\n";
  }
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int log = open((dir_ + "/agent.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(log, 1);
    dup2(log, 2);
    execl(OTA_AGENT_PATH, "ota-agent", conf.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
}

void AgentProcess::stop() {
  if (!running()) return;
  kill(pid_, SIGTERM);
  int status = 0;
  if (!eventually([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, std::chrono::seconds(10))) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
  pid_ = -1;
}

void AgentProcess::kill9() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string AgentProcess::log() const {
  std::ifstream in(dir_ + "/agent.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool AgentProcess::wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const {
  return eventually([&] { return log().find(text) != std::string::npos; }, timeout);
}

}  // namespace ota_test
