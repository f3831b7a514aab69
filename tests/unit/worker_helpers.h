#pragma once
// Events for the worker tests, a way to make the store slow, and a watch on
// what is committed.
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "protocol/mutex.h"
#include "runtime/worker.h"
#include "storage/sqlite_store.h"
#include "test_db.h"

namespace ota_test_worker {

using namespace ota;
using Clock = std::chrono::steady_clock;

inline Report status_report(const std::string& device, const std::string& message_id, const std::string& json) {
  Report r;
  r.kind = ReportKind::Status;
  r.device = {"lamp", device};
  r.message_id = message_id;
  r.at = unix_ms();
  r.status = *check_status(json).value;
  return r;
}

inline Report progress_report(const std::string& message_id, int progress, const std::string& device = "d1",
                              const std::string& version = "2.0") {
  Report r;
  r.kind = ReportKind::Progress;
  r.device = {"lamp", device};
  r.message_id = message_id;
  r.at = unix_ms();
  r.progress = {"firmware", version, progress, ""};
  return r;
}

// OTA time for a worker, moved on by hand: a test of a timeout or a resend
// advances it instead of sleeping. It starts at the system clock's now, and
// stands still until advanced.
class TestClock {
 public:
  // For the Worker; the TestClock must outlive it.
  UnixClock clock() {
    return [this] { return now_ms_.load(); };
  }
  int64_t now_ms() const { return now_ms_.load(); }
  void advance(std::chrono::milliseconds by) { now_ms_ += by.count(); }

 private:
  std::atomic<int64_t> now_ms_{unix_ms()};
};

inline AdminRequest admin_request(const std::string& commands) {
  return AdminRequest{"admin", "{\"commands\":[" + commands + "]}", "resp", std::nullopt};
}

// Every log line and publish the worker hands over, as the broker's ticks would take them.
struct Handed {
  std::vector<LogLine> logs;
  std::vector<Outgoing> publishes;

  void take(Worker& worker) {
    auto e = worker.take_ready();
    for (auto& l : e.logs) logs.push_back(std::move(l));
    for (auto& p : e.publishes) publishes.push_back(std::move(p));
  }
  bool logged(const std::string& text) const {
    for (const auto& l : logs) {
      if (l.text.find(text) != std::string::npos) return true;
    }
    return false;
  }
  // The payload of the next publish to `topic` after the first `from` publishes.
  std::optional<std::string> wait_publish(Worker& worker, const std::string& topic, size_t from = 0) {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      take(worker);
      for (size_t i = from; i < publishes.size(); ++i) {
        if (publishes[i].topic == topic) return publishes[i].payload;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return std::nullopt;
  }
};

inline bool wait_idle(Worker& worker, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = Clock::now() + timeout;
  while (!worker.idle()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// A SQL function that sleeps: with a trigger, it makes chosen writes slow.
inline void add_sleep_function(Db& db) {
  sqlite3_create_function(
      db.handle(), "test_sleep_us", 1, SQLITE_UTF8, nullptr,
      [](sqlite3_context* ctx, int, sqlite3_value** args) {
        usleep(static_cast<useconds_t>(sqlite3_value_int(args[0])));
        sqlite3_result_null(ctx);
      },
      nullptr, nullptr);
}

// Every write of a device's status takes at least `us` microseconds.
inline void slow_status_writes(Db& db, int us) {
  add_sleep_function(db);
  for (const char* when : {"INSERT", "UPDATE"}) {
    db.exec(std::string("CREATE TEMP TRIGGER slow_") + when + " AFTER " + when +
            " ON devices BEGIN SELECT test_sleep_us(" + std::to_string(us) + "); END");
  }
}

// Polls a read-only connection and records when each newer status version of
// one device (its "app_ver", a number) was first seen committed.
class CommitWatch {
 public:
  CommitWatch(const std::string& path, std::string device) : reader_(path, SqliteStore::ReadOnly{}), device_(std::move(device)) {
    thread_ = std::thread([this] { run(); });
  }
  ~CommitWatch() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // When version `v` (or a newer one) was first seen; none if never.
  std::optional<Clock::time_point> seen(int v) const EXCLUDES(mutex_) {
    MutexLock lock(mutex_);
    for (const auto& [at, version] : seen_) {
      if (version >= v) return at;
    }
    return std::nullopt;
  }

 private:
  void run() EXCLUDES(mutex_) {
    int newest = 0;
    while (true) {
      const bool last = stop_;  // one more look after stop(): what was committed by then is seen
      auto d = reader_.devices().find_device({"lamp", device_});
      if (d) {
        auto at = d->status.find("\"app_ver\":\"");
        int v = at == std::string::npos ? 0 : std::atoi(d->status.c_str() + at + 11);
        if (v > newest) {
          newest = v;
          MutexLock lock(mutex_);
          seen_.emplace_back(Clock::now(), v);
        }
      }
      if (last) return;
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  }

  SqliteStore reader_;
  std::string device_;
  std::atomic<bool> stop_{false};
  mutable Mutex mutex_;
  std::vector<std::pair<Clock::time_point, int>> seen_ GUARDED_BY(mutex_);
  std::thread thread_;
};

}  // namespace ota_test_worker
