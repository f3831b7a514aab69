// runtime/files_apart.h: a thread that leaves the shared descriptor table.
#include "runtime/files_apart.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <thread>

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

}  // namespace
}  // namespace ota
