// Status cost by number of keys: how long SqliteStore::save_status takes for one
// status whose every key changed (new values, then new names), on a fresh
// database file. The work must grow linearly with the keys.
//
//   status_keys DB_DIR [KEYS...]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

#include "storage/sqlite_store.h"

using namespace ota;

namespace {

StatusPayload status_of(int keys, const std::string& prefix, const std::string& value) {
  StatusPayload s;
  s.json = "{}";  // what is stored as the status text does not matter here
  for (int i = 0; i < keys; ++i) s.versions.push_back({prefix + std::to_string(i) + "_ver", value});
  return s;
}

double ms_to_save(SqliteStore& store, const std::string& id, const StatusPayload& status) {
  auto t0 = std::chrono::steady_clock::now();
  store.database().begin();
  store.devices().save_status({"bench", "d1"}, id, status, 1);
  store.database().commit();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s DB_DIR [KEYS...]\n", argv[0]);
    return 2;
  }
  const std::string path = std::string(argv[1]) + "/status_keys.db";
  std::vector<int> counts = {1000, 10000, 20000, 40000, 80000};
  if (argc > 2) counts.clear();
  for (int i = 2; i < argc; ++i) counts.push_back(atoi(argv[i]));
  for (int keys : counts) {
    for (const char* suffix : {"", "-wal", "-shm"}) unlink((path + suffix).c_str());
    SqliteStore store(path);
    ms_to_save(store, "s1", status_of(keys, "a", "1"));
    const double values = ms_to_save(store, "s2", status_of(keys, "a", "2"));
    const double names = ms_to_save(store, "s3", status_of(keys, "b", "2"));
    printf("%6d keys: %9.1f ms all values changed, %9.1f ms all names changed\n", keys, values, names);
    fflush(stdout);
  }
}
