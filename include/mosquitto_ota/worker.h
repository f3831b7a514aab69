#pragma once
// The worker thread: the only user of the store. The broker thread submits
// events (a queue push, nothing more); the worker applies them in transactions
// and hands back what to publish once it is committed. Reports alone are
// committed together every flush_ms / 2 (each commit writes every page it
// touched, so fewer commits cost far less per report); anything with an
// answer or a message to send (admin requests, connects, state changes)
// is committed as soon as it is applied.
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
  // Applies the events inside the open transaction (opening one if needed).
  void apply(std::vector<Event>& batch);
  // Runs the timers when they are due, commits, and hands over the effects.
  void commit(bool timers_due);
  std::chrono::steady_clock::time_point commit_due() const { return oldest_at_ + commit_every_; }
  // How often the engine's timers run. Worker thread only: it asks the engine.
  std::chrono::milliseconds timer_period() const {
    return std::chrono::milliseconds(engine_.wants_fast_ticks() ? 10 : 100);
  }

  const Options options_;
  const std::chrono::milliseconds commit_every_;
  std::unique_ptr<Store> store_;
  Engine engine_;

  // Worker thread only: the open transaction.
  bool open_ = false;
  std::chrono::steady_clock::time_point oldest_at_;  // arrival of its oldest event
  uint64_t uncommitted_ = 0;  // events applied in it
  Effects effects_;           // what it will publish once committed

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Event> queue_;
  Effects ready_;
  bool stopping_ = false;
  bool urgent_ = false;  // an event that wants an answer or a send is queued
  std::chrono::steady_clock::time_point first_queued_at_;  // when the oldest queued event came
  uint64_t submitted_ = 0;               // broker thread only
  std::atomic<uint64_t> applied_{0};     // events committed by the worker
  std::thread thread_;
};

}  // namespace ota
