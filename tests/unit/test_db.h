#pragma once
// A fresh SQLite file per test, removed afterwards.
#include <unistd.h>

#include <cstdlib>
#include <string>

struct TestDbFile {
  TestDbFile() {
    char pattern[] = "/tmp/ota-unit-XXXXXX";
    dir = mkdtemp(pattern);
    path = dir + "/ota.db";
  }
  ~TestDbFile() {
    for (const char* suffix : {"", "-wal", "-shm"}) unlink((path + suffix).c_str());
    rmdir(dir.c_str());
  }
  std::string dir;
  std::string path;
};

// A message id no other report of the test used.
inline std::string next_message_id() {
  static int n = 0;
  return "msg" + std::to_string(++n);
}
