#pragma once
// LISTEN on a connection of its own, on a thread of its own: calls `wake` with
// the channel of each notification (store/cluster.h: a broker wrote the inbox
// or the outbox), and with every channel after each reconnection
// (notifications sent while the connection was down are lost). The worker thread never waits on the network
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
  using Wake = std::function<void(const std::string& channel)>;
  PgListener(const std::string& url, std::vector<std::string> channels, Wake wake);
  ~PgListener();  // stops the thread
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

 private:
  void listen();
  void run();

  std::unique_ptr<PgConnection> db_;
  const std::vector<std::string> channels_;
  const Wake wake_;
  std::atomic<bool> stopping_{false};
  int stop_fd_ = -1;  // an eventfd: ends the thread's poll at once
  std::thread thread_;
};

}  // namespace ota
