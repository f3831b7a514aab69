#pragma once
// A real PostgreSQL 15 server for the tests: initdb'd in a temporary
// directory, on a free loopback port, with its sockets in that directory, run
// as a non-root user (PostgreSQL refuses root: "nobody" when the tests are
// root), stopped and removed at the end.
#include <string>

namespace ota_test {

class PgServer {
 public:
  // Starts the server and waits until it accepts connections; throws
  // std::runtime_error with the server's log when it does not.
  PgServer();
  ~PgServer();  // pg_ctl stop -m fast, then the directory goes
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  // The URL of database `db` as the superuser "postgres" (trust authentication).
  std::string url(const std::string& db = "postgres") const;
  // A fresh, empty database (test_1, test_2, ...); returns its URL.
  std::string create_database();
  // What the server and the commands run for it wrote.
  std::string log() const;

  // Stops the server (fast shutdown: clients are disconnected), keeping its data.
  void stop();
  // Starts it again on the same port and waits until it accepts connections.
  void start_again();

 private:
  void start();
  void launch();  // pg_ctl start, then waits until it accepts connections
  void shut_down();  // stops the server if it started, removes the directory
  // Runs one of PostgreSQL's programs as the server's user; returns its exit status.
  int run(const std::string& program, const std::string& args) const;
  // Runs a shell command as this process's user, output to the commands' log.
  int run_here(const std::string& command) const;
  bool copy_template() const;
  void save_template() const;
  void wait_until_accepting() const;

  std::string dir_;
  std::string user_;  // empty: this process's user
  int port_ = 0;
  int databases_ = 0;
  bool started_ = false;
};

// The one server of this test binary, started on first use and stopped when
// the tests end (a GoogleTest environment).
PgServer& test_pg_server();

}  // namespace ota_test
