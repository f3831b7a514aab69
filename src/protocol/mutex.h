#pragma once
// std::mutex and its locks as clang's thread-safety analysis understands them
// (libstdc++'s are not annotated): members GUARDED_BY(a Mutex) are checked to
// be touched only under a MutexLock on it.
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "protocol/thread_annotations.h"

namespace ota {

class CAPABILITY("mutex") Mutex {
 public:
  void lock() ACQUIRE() { mutex_.lock(); }
  void unlock() RELEASE() { mutex_.unlock(); }
  bool try_lock() TRY_ACQUIRE(true) { return mutex_.try_lock(); }

 private:
  friend class MutexLock;
  std::mutex mutex_;
};

// Holds a Mutex for its scope (or until unlock()), and waits on a
// std::condition_variable with it. A wait releases the mutex meanwhile and
// holds it again when it returns: to the analysis it stays held throughout,
// which is what the code around the wait sees. A predicate reads what the
// mutex guards, so it says so: [this]() REQUIRES(mutex_) { return stopping_; }
// (std::condition_variable calls it with the mutex held).
class SCOPED_CAPABILITY MutexLock {
 public:
  using Clock = std::chrono::steady_clock;

  explicit MutexLock(Mutex& mutex) ACQUIRE(mutex) : lock_(mutex.mutex_) {}
  ~MutexLock() RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void lock() ACQUIRE() { lock_.lock(); }
  void unlock() RELEASE() { lock_.unlock(); }

  template <class Predicate>
  void wait(std::condition_variable& cv, Predicate ready) {
    cv.wait(lock_, std::move(ready));
  }
  template <class Predicate>
  bool wait_until(std::condition_variable& cv, Clock::time_point until, Predicate ready) {
    return cv.wait_until(lock_, until, std::move(ready));
  }
  template <class Rep, class Period, class Predicate>
  bool wait_for(std::condition_variable& cv, std::chrono::duration<Rep, Period> timeout, Predicate ready) {
    return cv.wait_for(lock_, timeout, std::move(ready));
  }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace ota
