#pragma once
// Wakes the broker's loop from another thread. Mosquitto 2.0.11 sleeps in
// epoll_wait up to 100 ms while no client has anything to say, and runs the
// plugins' TICK only after it: what the worker committed (an admin answer, a
// command to send) would wait up to that long to be published. A signal
// directed at the broker thread interrupts epoll_wait (Mosquitto blocks only
// SIGINT, SIGTERM, SIGUSR1, SIGUSR2 and SIGHUP there, and takes EINTR in its
// stride); the handler does nothing, with SA_RESTART for any other call.
#include <pthread.h>

#include <atomic>

namespace ota {

class LoopWake {
 public:
  // The real-time signal used: SIGRTMIN + this.
  static constexpr int kSignalAfterRtMin = 8;

  LoopWake() = default;
  LoopWake(const LoopWake&) = delete;
  LoopWake& operator=(const LoopWake&) = delete;
  ~LoopWake() { uninstall(); }

  // On the broker thread, which it will wake. False when the signal has
  // another user (a handler other than the default): then wake() does nothing.
  bool install();
  // Any thread.
  void wake() const;
  // On the broker thread, once nothing calls wake() any more: the signal is
  // ignored from then on, so that none pending reaches a handler unloaded
  // with the plugin.
  void uninstall();
  static int signal_number();

 private:
  pthread_t loop_thread_{};
  std::atomic<bool> installed_{false};
};

}  // namespace ota
