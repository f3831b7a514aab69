#include "plugin/loop_wake.h"

#include <signal.h>

namespace ota {
namespace {

void do_nothing(int) {}

}  // namespace

int LoopWake::signal_number() { return SIGRTMIN + kSignalAfterRtMin; }

bool LoopWake::install() {
  struct sigaction old {};
  if (sigaction(signal_number(), nullptr, &old) != 0) return false;
  // Ignored: a plugin of ours that was unloaded left it so (a configuration reload).
  const bool unused = !(old.sa_flags & SA_SIGINFO) && (old.sa_handler == SIG_DFL || old.sa_handler == SIG_IGN);
  if (!unused) return false;
  struct sigaction act {};
  act.sa_handler = do_nothing;
  act.sa_flags = SA_RESTART;
  sigemptyset(&act.sa_mask);
  if (sigaction(signal_number(), &act, nullptr) != 0) return false;
  loop_thread_ = pthread_self();
  installed_ = true;
  return true;
}

void LoopWake::wake() const {
  if (installed_.load(std::memory_order_acquire)) pthread_kill(loop_thread_, signal_number());
}

void LoopWake::uninstall() {
  if (!installed_.exchange(false)) return;
  struct sigaction act {};
  act.sa_handler = SIG_IGN;
  sigemptyset(&act.sa_mask);
  sigaction(signal_number(), &act, nullptr);
}

}  // namespace ota
