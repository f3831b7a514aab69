#include "mosquitto_ota/worker.h"

namespace ota {

int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Worker::Worker(std::unique_ptr<Store> store, const Options& options)
    : options_(options), store_(std::move(store)), engine_(*store_, options_), thread_([this] { run(); }) {}

Worker::~Worker() { stop(); }

void Worker::submit(Event event) {
  bool was_empty;
  ++submitted_;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    was_empty = queue_.empty();
    queue_.push_back(std::move(event));
  }
  // The worker takes the whole queue at once: only the first event needs to wake it,
  // which keeps the broker thread clear of a futex call per message under load.
  if (was_empty) wake_.notify_one();
}

Effects Worker::take_ready() {
  std::lock_guard<std::mutex> lock(mutex_);
  Effects out;
  std::swap(out, ready_);
  return out;
}

void Worker::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Worker::run() {
  std::vector<Event> batch;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      // Only the worker thread touches the engine, so asking it here is safe.
      auto tick_every = std::chrono::milliseconds(engine_.wants_fast_ticks() ? 10 : 100);
      wake_.wait_for(lock, tick_every, [this] { return stopping_ || !queue_.empty(); });
      std::swap(batch, queue_);
      if (batch.empty() && stopping_) return;
    }
    apply_batch(batch);  // also runs the engine's timers, when there are no events
    batch.clear();
  }
}

void Worker::apply_batch(std::vector<Event>& batch) {
  // Commit at least every flush_ms / 2 while a large batch is applied, so that
  // no accepted report waits longer than flush_ms to be committed.
  const auto commit_every = std::chrono::milliseconds(std::max(1, options_.flush_ms / 2));
  Effects effects;
  Effects committed;
  auto started = std::chrono::steady_clock::now();
  bool open = false;
  try {
    for (auto& event : batch) {
      if (!open) {
        store_->begin();
        open = true;
        started = std::chrono::steady_clock::now();
      }
      try {
        engine_.handle(event, unix_ms(), effects);
      } catch (const std::exception& e) {
        effects.logs.push_back({LogLevel::Error, std::string("mosquitto_ota: an event failed: ") + e.what()});
      }
      if (std::chrono::steady_clock::now() - started >= commit_every) {
        store_->commit();
        open = false;
        committed.append(std::move(effects));
        effects = Effects();
      }
    }
    if (!open) store_->begin();
    open = true;
    const auto committing = std::chrono::steady_clock::now();
    try {
      engine_.tick(unix_ms(), effects);
    } catch (const std::exception& e) {
      effects.logs.push_back({LogLevel::Error, std::string("mosquitto_ota: timers failed: ") + e.what()});
    }
    store_->commit();
    auto commit_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - committing);
    if (commit_ms.count() >= 1000) {
      effects.logs.push_back({LogLevel::Info, "mosquitto_ota: a large commit took " +
                                                  std::to_string(commit_ms.count()) + " ms"});
    }
    committed.append(std::move(effects));
  } catch (const std::exception& e) {
    if (open) {
      try {
        store_->rollback();
      } catch (const std::exception&) {
      }
    }
    committed.logs.push_back({LogLevel::Error, std::string("mosquitto_ota: commit failed, batch lost: ") + e.what()});
  }
  applied_.fetch_add(batch.size(), std::memory_order_release);
  if (committed.empty()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  ready_.append(std::move(committed));
}

}  // namespace ota
