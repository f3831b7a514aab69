#pragma once
// The worker thread: the only user of the store. The broker thread submits
// events (a queue push, nothing more); the worker applies them in batches, one
// transaction per batch, and hands back what to publish once it is committed.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "mosquitto_ota/engine.h"

namespace ota {

int64_t unix_ms();

class Worker {
 public:
  Worker(std::unique_ptr<Store> store, const Options& options);
  ~Worker();

  void submit(Event event);
  // Broker thread: true when everything submitted so far is committed, so a
  // read-only query now sees all of it.
  bool idle() const { return applied_.load(std::memory_order_acquire) == submitted_; }
  // Broker thread: what is committed and ready to publish or log.
  Effects take_ready();
  // Applies and commits everything submitted, then ends the thread.
  void stop();

 private:
  void run();
  void apply_batch(std::vector<Event>& batch);

  const Options options_;
  std::unique_ptr<Store> store_;
  Engine engine_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Event> queue_;
  Effects ready_;
  bool stopping_ = false;
  uint64_t submitted_ = 0;               // broker thread only
  std::atomic<uint64_t> applied_{0};     // events committed by the worker
  std::thread thread_;
};

}  // namespace ota
