#include "broker_process.h"
#include "deny_unshare.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ota_test {

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

namespace {

bool port_accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

}  // namespace

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool make_test_certificate(const std::string& dir, const std::string& name) {
  const std::string command = "cd '" + dir +
                              "' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1"
                              " -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout '" +
                              name + ".key' -out '" + name + ".crt' 2>/dev/null";
  return system(command.c_str()) == 0;
}

std::vector<std::string> tls_listener_lines(int port, const std::string& dir, const std::string& name) {
  const std::string cert = dir + "/" + name + ".crt";
  return {"listener " + std::to_string(port) + " 127.0.0.1", "cafile " + cert, "certfile " + cert,
          "keyfile " + dir + "/" + name + ".key"};
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "ota-test-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::vector<std::string> default_usernames() {
  std::vector<std::string> users = {"admin", "business"};
  for (int i = 1; i <= 200; ++i) users.push_back("p1/d" + std::to_string(i));
  for (int i = 1; i <= 5; ++i) users.push_back("p2/d" + std::to_string(i));
  return users;
}

std::string built_plugin_path() { return OTA_PLUGIN_PATH; }

BrokerConfig default_config(const std::string& dir) {
  BrokerConfig c;
  c.plugin_opts = {{"db_path", dir + "/ota.db"}, {"admin_usernames", "admin"}, {"acl_default", "allow"},
                   {"flush_ms", "200"}};  // the default: back-pressure waits at most flush_ms/4 for room
  c.usernames = default_usernames();
  return c;
}

BrokerProcess::BrokerProcess(std::string dir, BrokerConfig config) : dir_(std::move(dir)), config_(std::move(config)) {}

BrokerProcess::~BrokerProcess() {
  if (running()) stop();
}

void BrokerProcess::write_files() {
  {
    std::ofstream passwd(dir_ + "/passwd");
    for (const auto& user : config_.usernames) passwd << user << ":" << kPassword << "\n";
  }
  std::string hash = std::string(OTA_MOSQUITTO_PASSWD) + " -U " + dir_ + "/passwd";
  if (std::system(hash.c_str()) != 0) throw std::runtime_error("mosquitto_passwd failed");

  std::ofstream conf(dir_ + "/mosquitto.conf");
  for (const auto& line : config_.first_lines) conf << line << "\n";
  conf << "listener " << port_ << " 127.0.0.1\n"
       << "allow_anonymous false\n"
       << "password_file " << dir_ << "/passwd\n"
       << "persistence false\n"
       << "set_tcp_nodelay true\n"
       << "log_dest file " << dir_ << "/broker.log\n"
       << "log_type all\n"
       << "user " << config_.user << "\n";
  if (config_.load_plugin) {
    conf << "plugin " << (config_.plugin_path.empty() ? built_plugin_path() : config_.plugin_path) << "\n";
    for (const auto& [key, value] : config_.plugin_opts) conf << "plugin_opt_" << key << " " << value << "\n";
  }
  for (const auto& line : config_.extra_lines) conf << line << "\n";
}

bool BrokerProcess::start() {
  if (port_ == 0) port_ = free_port();
  write_files();
  pid_ = fork();
  if (pid_ == 0) {
    // A test process that crashes (or is killed) takes its broker with it.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int out = open((dir_ + "/broker.stderr").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(out, 1);
    dup2(out, 2);
    if (std::string(OTA_BROKER_PRELOAD).size() > 0) {
      setenv("LD_PRELOAD", OTA_BROKER_PRELOAD, 1);
      // Mosquitto's own allocations are not ours to judge; the plugin's are leak-checked in the unit tests.
      setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
    }
    if (config_.deny_unshare && !deny_unshare()) _exit(126);
    std::string conf = dir_ + "/mosquitto.conf";
    execl(OTA_MOSQUITTO_BROKER, "mosquitto", "-c", conf.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  bool up = eventually(
      [&] {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          exit_status_ = status;
          pid_ = -1;
          return true;
        }
        return port_accepts(port_);
      },
      std::chrono::seconds(15));
  if (!up || pid_ < 0) {
    check_sanitizer_output();
    return false;
  }
  return true;
}

void BrokerProcess::wait_exit() {
  int status = 0;
  waitpid(pid_, &status, 0);
  exit_status_ = status;
  pid_ = -1;
  check_sanitizer_output();
}

void BrokerProcess::stop() {
  if (!running()) return;
  // Mosquitto 2.0.11 installs its SIGTERM handler (which sets run = 0) just
  // before it sets run = 1 and enters its loop (src/mosquitto.c), with the
  // listeners already open: a SIGTERM sent in between is lost. So it is sent
  // again every second until the broker exits (a hang still fails after 30 s).
  int status = 0;
  auto last_sent = std::chrono::steady_clock::time_point();
  bool exited = eventually(
      [&] {
        if (std::chrono::steady_clock::now() - last_sent >= std::chrono::seconds(1)) {
          kill(pid_, SIGTERM);
          last_sent = std::chrono::steady_clock::now();
        }
        return waitpid(pid_, &status, WNOHANG) == pid_;
      },
      std::chrono::seconds(30));
  if (!exited) {
    ADD_FAILURE() << "broker did not stop within 30 s of SIGTERM\n" << log();
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
  exit_status_ = status;
  pid_ = -1;
  check_sanitizer_output();
}

void BrokerProcess::kill9() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  wait_exit();
}

std::string BrokerProcess::log() const { return read_file(dir_ + "/broker.log") + read_file(dir_ + "/broker.stderr"); }

bool BrokerProcess::wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const {
  return eventually([&] { return log().find(text) != std::string::npos; }, timeout);
}

void BrokerProcess::check_sanitizer_output() const {
  std::string err = read_file(dir_ + "/broker.stderr");
  EXPECT_EQ(err.find("AddressSanitizer"), std::string::npos) << err;
  EXPECT_EQ(err.find("runtime error"), std::string::npos) << err;
}

}  // namespace ota_test
