#include "http_file_server.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "broker_process.h"

namespace ota_test {

HttpFileServer::HttpFileServer(std::string dir, std::string cert_file, std::string key_file)
    : dir_(std::move(dir)), cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {
  std::filesystem::create_directories(dir_ + "/files");
  std::filesystem::create_directories(dir_ + "/control");
}

HttpFileServer::~HttpFileServer() { stop(); }

bool HttpFileServer::start() {
  const std::string port_file = dir_ + "/port";
  std::filesystem::remove(port_file);
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const std::string root = dir_ + "/files", control = dir_ + "/control", log = dir_ + "/requests.log";
    std::vector<const char*> argv = {"python3", OTA_HTTP_SERVER_SCRIPT, "--root",    root.c_str(),     "--control",
                                     control.c_str(), "--log", log.c_str(), "--port-file", port_file.c_str()};
    if (!cert_file_.empty()) {
      argv.insert(argv.end(), {"--certfile", cert_file_.c_str(), "--keyfile", key_file_.c_str()});
    }
    argv.push_back(nullptr);
    execv(OTA_PYTHON3, const_cast<char* const*>(argv.data()));
    _exit(127);
  }
  return eventually(
      [&] {
        std::ifstream in(port_file);
        return static_cast<bool>(in >> port_);
      },
      std::chrono::seconds(10));
}

void HttpFileServer::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void HttpFileServer::put(const std::string& name, const std::string& bytes) {
  std::ofstream(dir_ + "/files/" + name, std::ios::binary) << bytes;
}

std::string HttpFileServer::url(const std::string& name) const {
  return (cert_file_.empty() ? "http" : "https") + std::string("://127.0.0.1:") + std::to_string(port_) + "/" + name;
}

void HttpFileServer::set_control(const std::string& name, bool on, const std::string& content) {
  const std::string path = dir_ + "/control/" + name;
  if (on) {
    // Whole or not at all: the server reads it between chunks.
    std::ofstream(path + ".tmp") << content;
    std::filesystem::rename(path + ".tmp", path);
  } else {
    std::filesystem::remove(path);
  }
}

void HttpFileServer::set_rate(long bytes_per_second) {
  set_control("rate", bytes_per_second > 0, std::to_string(bytes_per_second));
}
void HttpFileServer::hold(bool on) { set_control("hold", on); }
void HttpFileServer::stall(bool on) { set_control("stall", on); }

std::vector<std::string> HttpFileServer::requests() const {
  std::ifstream in(dir_ + "/requests.log");
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

}  // namespace ota_test
