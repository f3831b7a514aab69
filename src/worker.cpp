#include "mosquitto_ota/worker.h"

namespace ota {

int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Worker::Worker(std::unique_ptr<Store> store, const Options& options)
    : options_(options),
      commit_every_(std::max(1, options.flush_ms / 2)),
      store_(std::move(store)),
      engine_(*store_, options_),
      thread_([this] { run(); }) {}

Worker::~Worker() { stop(); }

void Worker::submit(Event event) {
  // Reports can wait for the next group commit; anything else may have to answer.
  const bool urgent = !std::holds_alternative<Report>(event);
  bool was_empty;
  ++submitted_;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    was_empty = queue_.empty();
    if (was_empty) first_queued_at_ = std::chrono::steady_clock::now();
    queue_.push_back(std::move(event));
    urgent_ = urgent_ || urgent;
  }
  // The worker takes the whole queue at once: only the first event needs to wake it,
  // which keeps the broker thread clear of a futex call per message under load.
  if (was_empty || urgent) wake_.notify_one();
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
  using clock = std::chrono::steady_clock;
  std::vector<Event> batch;
  auto last_timers = clock::now();
  while (true) {
    bool stopping;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      auto timers_due = last_timers + timer_period();
      if (open_) {
        // Reports gather in the open transaction until it is due or something urgent comes.
        wake_.wait_until(lock, std::min(timers_due, commit_due()), [this] { return stopping_ || urgent_; });
      } else {
        wake_.wait_until(lock, timers_due, [this] { return stopping_ || !queue_.empty(); });
      }
      std::swap(batch, queue_);
      urgent_ = false;
      // The group commit is due commit_every_ after its oldest event arrived.
      if (!open_ && !batch.empty()) oldest_at_ = first_queued_at_;
      stopping = stopping_;
    }
    apply(batch);
    batch.clear();
    const auto now = clock::now();
    const bool timers = now >= last_timers + timer_period();
    if (timers || stopping || !effects_.empty() || (open_ && now >= commit_due())) {
      commit(timers);
      if (timers) last_timers = now;
    }
    if (stopping) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (queue_.empty()) return;
    }
  }
}

void Worker::apply(std::vector<Event>& batch) {
  auto started = std::chrono::steady_clock::now();
  for (auto& event : batch) {
    try {
      if (!open_) {
        store_->begin();
        open_ = true;
      }
      try {
        engine_.handle(event, unix_ms(), effects_);
      } catch (const std::exception& e) {
        effects_.logs.push_back({LogLevel::Error, std::string("mosquitto_ota: an event failed: ") + e.what()});
      }
      ++uncommitted_;
      // A large backlog is committed every commit_every_ of work: with the wait for
      // the group commit, no accepted report waits much longer than flush_ms.
      if (std::chrono::steady_clock::now() - started >= commit_every_) {
        commit(false);
        started = std::chrono::steady_clock::now();
      }
    } catch (const std::exception& e) {
      effects_.logs.push_back({LogLevel::Error, std::string("mosquitto_ota: store failed: ") + e.what()});
    }
  }
}

void Worker::commit(bool timers_due) {
  Effects committed;
  try {
    if (!open_) {
      store_->begin();
      open_ = true;
    }
    if (timers_due) {
      try {
        engine_.tick(unix_ms(), effects_);
      } catch (const std::exception& e) {
        effects_.logs.push_back({LogLevel::Error, std::string("mosquitto_ota: timers failed: ") + e.what()});
      }
    }
    const auto committing = std::chrono::steady_clock::now();
    store_->commit();
    open_ = false;
    auto commit_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - committing);
    if (commit_ms.count() >= 1000) {
      effects_.logs.push_back({LogLevel::Info, "mosquitto_ota: a large commit took " +
                                                   std::to_string(commit_ms.count()) + " ms"});
    }
    std::swap(committed, effects_);
  } catch (const std::exception& e) {
    if (open_) {
      try {
        store_->rollback();
      } catch (const std::exception&) {
      }
      open_ = false;
    }
    effects_ = Effects();
    committed.logs.push_back({LogLevel::Error, std::string("mosquitto_ota: commit failed, batch lost: ") + e.what()});
  }
  applied_.fetch_add(uncommitted_, std::memory_order_release);
  uncommitted_ = 0;
  if (committed.empty()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  ready_.append(std::move(committed));
}

}  // namespace ota
