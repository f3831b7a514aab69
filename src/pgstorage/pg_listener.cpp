#include "pgstorage/pg_listener.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "pgstorage/pg_connection.h"

namespace ota {

PgListener::PgListener(const std::string& url, std::vector<std::string> channels, std::function<void()> wake)
    : db_(std::make_unique<PgConnection>(url)), channels_(std::move(channels)), wake_(std::move(wake)) {
  listen();
  stop_fd_ = eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread([this] { run(); });
  pthread_setname_np(thread_.native_handle(), "ota-listen");
}

PgListener::~PgListener() {
  stopping_ = true;
  const uint64_t one = 1;
  if (stop_fd_ >= 0 && write(stop_fd_, &one, sizeof one) < 0) {
    // The thread still sees stopping_ within its poll's timeout.
  }
  if (thread_.joinable()) thread_.join();
  if (stop_fd_ >= 0) close(stop_fd_);
}

void PgListener::listen() {
  // Channel names are the project's own constants, not input.
  for (const auto& channel : channels_) db_->exec("LISTEN " + channel);
}

void PgListener::run() {
  while (!stopping_) {
    if (db_->lost()) {
      try {
        db_->reconnect_if_lost();
        listen();
        wake_();  // what was notified meanwhile
      } catch (const std::exception&) {
        // The worker logs the database's state; try again in a second.
        pollfd stop{stop_fd_, POLLIN, 0};
        poll(&stop, 1, 1000);
        continue;
      }
    }
    PGconn* conn = db_->handle();
    pollfd fds[2] = {{PQsocket(conn), POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    if (poll(fds, 2, 1000) <= 0 || stopping_) continue;
    if (PQconsumeInput(conn) == 0) continue;  // lost: reconnected above
    bool notified = false;
    while (PGnotify* n = PQnotifies(conn)) {
      notified = true;
      PQfreemem(n);
    }
    if (notified) wake_();
  }
}

}  // namespace ota
