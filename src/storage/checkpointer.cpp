#include "storage/checkpointer.h"

#include <pthread.h>

namespace ota {

Checkpointer::Checkpointer(Db& writer)
    : writer_(writer), own_(sqlite3_db_filename(writer.handle(), "main")) {
  own_.exec("SELECT count(*) FROM sqlite_master");  // opens the WAL: until then a checkpoint does nothing
  // Replaces SQLite's automatic checkpoint, which is itself a WAL hook.
  sqlite3_wal_hook(writer_.handle(), &Checkpointer::on_commit, this);
  thread_ = std::thread([this] { run(); });
  pthread_setname_np(thread_.native_handle(), "ota-checkpoint");  // named in top, perf and gdb
}

Checkpointer::~Checkpointer() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  sqlite3_wal_hook(writer_.handle(), nullptr, nullptr);
}

int Checkpointer::on_commit(void* self, sqlite3*, const char*, int frames) {
  auto* c = static_cast<Checkpointer*>(self);
  c->frames_.store(frames, std::memory_order_relaxed);
  if (frames >= kFrames) {
    {
      MutexLock lock(c->mutex_);
      c->due_ = true;
    }
    c->wake_.notify_one();
  }
  return SQLITE_OK;
}

void Checkpointer::run() {
  MutexLock lock(mutex_);
  while (true) {
    lock.wait(wake_, [this]() REQUIRES(mutex_) { return stopping_ || due_; });
    if (stopping_) return;
    due_ = false;
    lock.unlock();
    int rc = sqlite3_wal_checkpoint_v2(own_.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) error_ = sqlite3_errmsg(own_.handle());
  }
}

void Checkpointer::catch_up() {
  if (frames_.load(std::memory_order_relaxed) < 8 * kFrames) return;
  sqlite3_wal_checkpoint_v2(writer_.handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  frames_.store(0, std::memory_order_relaxed);  // told again at the next commit
}

std::string Checkpointer::take_error() {
  MutexLock lock(mutex_);
  std::string e;
  std::swap(e, error_);
  return e;
}

}  // namespace ota
