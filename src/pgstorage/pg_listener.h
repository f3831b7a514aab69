#pragma once
// LISTEN on a connection of its own, on a thread of its own: calls `wake` for
// each notification (store/cluster.h: another broker wrote the inbox or the
// outbox), and once after each reconnection (notifications sent while the
// connection was down are lost). The worker thread never waits on the network
// for them.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace ota {

class PgConnection;

class PgListener {
 public:
  // Connects and listens now (throws PgError when it cannot), then goes on on its thread.
  PgListener(const std::string& url, std::vector<std::string> channels, std::function<void()> wake);
  ~PgListener();  // stops the thread
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

 private:
  void listen();
  void run();

  std::unique_ptr<PgConnection> db_;
  const std::vector<std::string> channels_;
  const std::function<void()> wake_;
  std::atomic<bool> stopping_{false};
  int stop_fd_ = -1;  // an eventfd: ends the thread's poll at once
  std::thread thread_;
};

}  // namespace ota
