// runtime/files_apart.h: a thread that leaves the shared descriptor table.
#include "runtime/files_apart.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "deny_unshare.h"

namespace ota {
namespace {

bool is_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

std::string file_of(int fd) {
  char path[256] = {};
  const std::string link = "/proc/thread-self/fd/" + std::to_string(fd);
  const ssize_t n = readlink(link.c_str(), path, sizeof path - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : std::string();
}

TEST(FilesApart, AThreadThatLeavesClosesItsCopiesAndOpensInATableOfItsOwn) {
  int before[2];
  ASSERT_EQ(pipe(before), 0);
  bool left = false, copy_open = true, stdio_open = false, child_sees_it = false;
  int opened = -1;
  std::string opened_file;
  std::thread t([&] {
    left = leave_shared_files();
    copy_open = is_open(before[0]) || is_open(before[1]);
    stdio_open = is_open(0) && is_open(1) && is_open(2);
    opened = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    opened_file = file_of(opened);
    // A thread it starts shares its table.
    std::thread child([&] { child_sees_it = file_of(opened) == opened_file; });
    child.join();
    close(opened);
  });
  t.join();
  ASSERT_TRUE(left) << "unshare(CLONE_FILES) refused here";
  EXPECT_FALSE(copy_open) << "the thread kept a copy of a descriptor opened before it left";
  EXPECT_TRUE(is_open(before[0]) && is_open(before[1])) << "the process's own descriptors were closed";
  EXPECT_TRUE(stdio_open);
  EXPECT_TRUE(child_sees_it);
  EXPECT_NE(opened, -1);
  EXPECT_NE(file_of(opened), opened_file) << "a file the thread opened is in this thread's table";
  close(before[0]);
  close(before[1]);
}

// As in a container whose seccomp profile refuses unshare(2): the thread goes
// on sharing the table, and closes nothing of it.
TEST(FilesApart, WhereUnshareIsRefusedTheThreadSharesTheTableAndClosesNothing) {
  const pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    // Exit codes: 0 as expected, 1 the filter failed, 2 left anyway, 3 closed something.
    if (!ota_test::deny_unshare()) _exit(1);
    int before[2];
    if (pipe(before) != 0) _exit(1);
    bool left = true, still_open = false;
    std::thread t([&] {
      left = leave_shared_files();
      still_open = is_open(before[0]) && is_open(before[1]);
    });
    t.join();
    _exit(left ? 2 : (still_open && is_open(before[0]) ? 0 : 3));
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: no seccomp filter, 2: it left the table, 3: it closed a descriptor";
}

}  // namespace
}  // namespace ota
