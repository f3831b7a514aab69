#pragma once
// Checkpoints the WAL on a thread of its own. SQLite would otherwise copy the
// WAL into the database file (with two fsyncs) inside one of the worker's
// commits every ~16 MB written: tens of milliseconds each here, far more on a
// slow disk, which every report queued behind it waits for. PASSIVE: it never
// blocks the worker, which keeps appending to the WAL meanwhile; once a
// checkpoint caught up, the worker's next transaction starts the WAL afresh.
// Should it fall far behind, the worker checkpoints itself, between
// transactions, as SQLite would have.
#include <atomic>
#include <condition_variable>
#include <string>
#include <thread>

#include "protocol/mutex.h"
#include "protocol/thread_annotations.h"
#include "storage/sqlite.h"

namespace ota {

class Checkpointer {
 public:
  static constexpr int kFrames = 1000;  // SQLite's own threshold

  // Takes over the checkpoints of `writer`, the worker's connection.
  explicit Checkpointer(Db& writer);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Worker thread, between transactions.
  void catch_up();
  // Why the last checkpoint failed, once; empty when none did.
  std::string take_error() EXCLUDES(mutex_);

 private:
  // Worker thread, in its commits (SQLite's WAL hook).
  static int on_commit(void* self, sqlite3* db, const char* name, int frames);
  // The checkpoint thread.
  void run() EXCLUDES(mutex_);

  Db& writer_;  // worker thread only
  Db own_;      // checkpoint thread only
  std::atomic<int> frames_{0};  // in the WAL after the worker's last commit
  Mutex mutex_;
  std::condition_variable wake_;
  bool due_ GUARDED_BY(mutex_) = false;
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::string error_ GUARDED_BY(mutex_);
  std::thread thread_;
};

}  // namespace ota
