// The signal that wakes the broker's loop (plugin/loop_wake.h): it interrupts
// the installing thread's wait, it is left alone when the process already
// uses it, and once uninstalled a late one cannot kill the process.
#include "plugin/loop_wake.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <thread>

namespace ota {
namespace {

std::atomic<int> theirs_called{0};
void theirs(int) { ++theirs_called; }

struct sigaction disposition() {
  struct sigaction now {};
  sigaction(LoopWake::signal_number(), nullptr, &now);
  return now;
}

TEST(LoopWake, InterruptsTheInstallingThreadsEpollWaitFromAnotherThread) {
  LoopWake wake;
  ASSERT_TRUE(wake.install());
  const int ep = epoll_create1(0);
  ASSERT_GE(ep, 0);
  std::thread other([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    wake.wake();
  });
  epoll_event ev{};
  const auto t0 = std::chrono::steady_clock::now();
  const int rc = epoll_wait(ep, &ev, 1, 10000);  // as Mosquitto's loop, with nothing to read
  const int err = errno;
  const auto waited = std::chrono::steady_clock::now() - t0;
  other.join();
  close(ep);
  EXPECT_EQ(rc, -1);
  EXPECT_EQ(err, EINTR);
  EXPECT_LT(waited, std::chrono::seconds(5));
}

TEST(LoopWake, ASignalThatAlreadyHasAHandlerIsLeftToIt) {
  struct sigaction mine {};
  mine.sa_handler = theirs;
  sigemptyset(&mine.sa_mask);
  ASSERT_EQ(sigaction(LoopWake::signal_number(), &mine, nullptr), 0);
  LoopWake wake;
  EXPECT_FALSE(wake.install());
  wake.wake();  // nothing sent
  wake.uninstall();
  EXPECT_EQ(theirs_called.load(), 0);
  EXPECT_EQ(disposition().sa_handler, theirs);  // still theirs after uninstall
  signal(LoopWake::signal_number(), SIG_DFL);
}

TEST(LoopWake, OnceUninstalledALateSignalIsIgnoredAndItCanBeInstalledAgain) {
  {
    LoopWake wake;
    ASSERT_TRUE(wake.install());
    wake.uninstall();
    EXPECT_EQ(disposition().sa_handler, SIG_IGN);
    pthread_kill(pthread_self(), LoopWake::signal_number());  // the default would end the process
  }
  LoopWake again;  // a configuration reload: the plugin starts again
  EXPECT_TRUE(again.install());
}

}  // namespace
}  // namespace ota
