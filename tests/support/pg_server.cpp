#include "pg_server.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "broker_process.h"

namespace ota_test {
namespace {

constexpr const char* kBin = "/usr/lib/postgresql/15/bin/";
constexpr auto kStartTimeout = std::chrono::seconds(30);

}  // namespace

PgServer::PgServer() {
  std::string pattern = (std::filesystem::temp_directory_path() / "ota-pg-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  try {
    start();
  } catch (...) {
    shut_down();  // no destructor runs after a constructor that throws
    throw;
  }
}

void PgServer::start() {
  if (geteuid() == 0) {
    // PostgreSQL will not run as root; the directory must be its user's.
    user_ = "nobody";
    const passwd* pw = getpwnam(user_.c_str());
    if (!pw || chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("cannot chown " + dir_);
  }
  port_ = free_port();
  if (!copy_template()) {
    // No fsync: a test server's data need not survive a crash of the machine.
    if (run("initdb", "-D " + dir_ + "/data -U postgres --auth=trust --no-sync --no-locale -E UTF8") != 0) {
      throw std::runtime_error("initdb failed:\n" + log());
    }
    save_template();
  }
  launch();
}

void PgServer::launch() {
  const std::string options = "-p " + std::to_string(port_) + " -k " + dir_ +
                              " -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off";
  // -W: pg_ctl does not wait; this polls for a connection instead, with a deadline.
  if (run("pg_ctl", "-D " + dir_ + "/data -l " + dir_ + "/server.log -W -o '" + options + "' start") != 0) {
    throw std::runtime_error("pg_ctl start failed:\n" + log());
  }
  started_ = true;
  wait_until_accepting();
}

void PgServer::stop() {
  if (started_ && run("pg_ctl", "-D " + dir_ + "/data -m fast -w stop") != 0) {
    throw std::runtime_error("pg_ctl stop failed:\n" + log());
  }
  started_ = false;
}

void PgServer::start_again() { launch(); }

PgServer::~PgServer() { shut_down(); }

void PgServer::shut_down() {
  if (started_) run("pg_ctl", "-D " + dir_ + "/data -m fast -w stop");
  started_ = false;
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string PgServer::url(const std::string& db) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + db;
}

std::string PgServer::log() const { return read_file(dir_ + "/commands.log") + read_file(dir_ + "/server.log"); }

// initdb takes seconds, a copy of what it made a fraction of one: the first
// server of a build directory keeps its fresh data directory there, later ones
// (every test is a process of its own under ctest) copy it. cp -a keeps the
// owner, the server's user. Written beside and renamed: a reader sees all or nothing.
bool PgServer::copy_template() const {
  const std::string kept = OTA_PG_TEMPLATE_DIR;
  if (!std::filesystem::exists(kept + "/data/PG_VERSION")) return false;
  if (run_here("cp -a " + kept + "/data " + dir_ + "/data") == 0) return true;
  std::error_code ignored;  // e.g. another user's copy: initdb starts afresh
  std::filesystem::remove_all(dir_ + "/data", ignored);
  return false;
}

void PgServer::save_template() const {
  const std::string kept = OTA_PG_TEMPLATE_DIR;
  const std::string partial = kept + ".partial-" + std::to_string(getpid());
  std::error_code ignored;
  std::filesystem::create_directories(partial, ignored);
  if (run_here("cp -a " + dir_ + "/data " + partial + "/data") != 0 ||
      rename(partial.c_str(), kept.c_str()) != 0) {  // another process was first: its copy is as good
    std::filesystem::remove_all(partial, ignored);
  }
}

int PgServer::run(const std::string& program, const std::string& args) const {
  // runuser, not su: no PAM session, no login shell.
  const std::string command = std::string(kBin) + program + " " + args;
  return run_here(user_.empty() ? command : "runuser -u " + user_ + " -- " + command);
}

int PgServer::run_here(const std::string& command) const {
  const pid_t pid = fork();
  if (pid == 0) {
    const int out = open((dir_ + "/commands.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(out, 1);
    dup2(out, 2);
    if (chdir(dir_.c_str()) != 0) _exit(126);  // the server's user may not read the test's cwd
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void PgServer::wait_until_accepting() const {
  const std::string conninfo = url() + "?connect_timeout=2";
  const bool up = eventually([&] { return PQping(conninfo.c_str()) == PQPING_OK; }, kStartTimeout);
  if (!up) throw std::runtime_error("PostgreSQL did not accept connections:\n" + log());
}

std::string PgServer::create_database() {
  const std::string name = "test_" + std::to_string(++databases_);
  std::unique_ptr<PGconn, void (*)(PGconn*)> conn(PQconnectdb(url().c_str()), PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn.get()));
  // The name is ours (a counter), not input.
  std::unique_ptr<PGresult, void (*)(PGresult*)> r(PQexec(conn.get(), ("CREATE DATABASE " + name).c_str()), PQclear);
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) throw std::runtime_error(PQerrorMessage(conn.get()));
  return url(name);
}

namespace {

std::unique_ptr<PgServer>& server_slot() {
  static std::unique_ptr<PgServer> server;
  return server;
}

// Stops the server once every test ran, if one was started.
class PgServerEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { server_slot().reset(); }
};

[[maybe_unused]] const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new PgServerEnvironment);

}  // namespace

PgServer& test_pg_server() {
  auto& server = server_slot();
  if (!server) server = std::make_unique<PgServer>();
  return *server;
}

}  // namespace ota_test
