#pragma once
// A real Mosquitto broker with the freshly built plugin, on a free loopback port,
// in a directory of its own (config, password file, log, database).
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace ota_test {

inline constexpr const char* kPassword = "secret";

// A temporary directory, removed with its contents at the end of the test.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct BrokerConfig {
  std::vector<std::pair<std::string, std::string>> plugin_opts;  // without "plugin_opt_"
  std::vector<std::string> usernames;                            // all get kPassword
  std::vector<std::string> first_lines;                          // put before everything else
  std::vector<std::string> extra_lines;                          // appended to mosquitto.conf
  bool load_plugin = true;
  std::string plugin_path;  // empty: the freshly built plugin
  std::string user = "root";  // started as root, the broker switches to this user before loading plugins
  bool deny_unshare = false;  // run it as a seccomp profile that refuses unshare(2) would (deny_unshare.h)
};

// A loopback TCP port nobody listens on now.
int free_port();

// A file's whole content ("" when it cannot be read).
std::string read_file(const std::string& path);

// The freshly built plugin.
std::string built_plugin_path();

// A self-signed P-256 certificate for localhost and 127.0.0.1, valid for a
// day, made by openssl: dir/name.crt and dir/name.key. False if it failed.
bool make_test_certificate(const std::string& dir, const std::string& name);
// The mosquitto.conf lines of a TLS listener on 127.0.0.1:port with that certificate.
std::vector<std::string> tls_listener_lines(int port, const std::string& dir, const std::string& name);

// Usernames every test broker knows: an admin, a non-admin business user and devices p1/d1..d200, p2/d1..d5.
std::vector<std::string> default_usernames();
// The config most tests use: admin_usernames=admin, acl_default=allow, db in the broker's directory.
BrokerConfig default_config(const std::string& dir);

class BrokerProcess {
 public:
  BrokerProcess(std::string dir, BrokerConfig config);
  ~BrokerProcess();

  // Starts the broker and waits until it accepts connections. False when it
  // exited instead (the log then says why).
  bool start();
  void stop();   // SIGTERM, then waits for the exit
  void kill9();  // SIGKILL, then waits
  bool running() const { return pid_ > 0; }
  int pid() const { return pid_; }
  int exit_status() const { return exit_status_; }

  int port() const { return port_; }
  std::string log() const;
  // Polls the log until it contains `text`, until the deadline.
  bool wait_for_log(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  std::string db_path() const { return dir_ + "/ota.db"; }
  const std::string& dir() const { return dir_; }

 private:
  void write_files();
  void wait_exit();
  void check_sanitizer_output() const;

  std::string dir_;
  BrokerConfig config_;
  int port_ = 0;
  int pid_ = -1;
  int exit_status_ = -1;
};

// Polls `condition` until it is true or the timeout passes.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    struct timespec ts {0, 5 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
}

}  // namespace ota_test
