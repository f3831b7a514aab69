// SqliteStore cost: how much worker time one report costs (engine + SQLite), by
// batch size (reports per transaction), on a fresh database file. No broker:
// this isolates the storage path that bench/ingest.py measures end to end.
// With STATUS_EVERY, every such report of a device is a status report with a
// new app_ver, as `bench/ingest.py --status-every` sends. With
// STORE_COST_SAVEPOINTS=1, each report is applied inside its own savepoint, to
// see what that costs (the worker takes one only after an event failed).
//
//   store_cost DB_DIR [DEVICES] [REPORTS] [BATCH] [STATUS_EVERY]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

#include "report_mix.h"
#include "runtime/engine.h"
#include "storage/sqlite_store.h"

using namespace ota;

namespace {

double run(const std::string& path, int devices, int reports, int batch, int status_every) {
  unlink(path.c_str());
  unlink((path + "-wal").c_str());
  unlink((path + "-shm").c_str());
  SqliteStore store(path);
  // Experiments: STORE_COST_SQL="PRAGMA mmap_size = 0; ..." runs after the store opened.
  if (const char* sql = getenv("STORE_COST_SQL")) store.db().exec(sql);
  Options options;
  Engine engine(store.repositories(), options);
  Effects out;
  std::vector<Event> events = report_mix(devices, reports, status_every);
  const char* savepoints = getenv("STORE_COST_SAVEPOINTS");
  const bool atomic = savepoints && std::string(savepoints) == "1";
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reports; i += batch) {
    store.database().begin();
    for (int j = i; j < i + batch && j < reports; ++j) {
      if (atomic) store.database().savepoint();
      engine.handle(events[j], 1, out);
      if (atomic) store.database().release();
    }
    store.database().commit();
  }
  auto us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  return us / reports;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s DB_DIR [DEVICES] [REPORTS]\n", argv[0]);
    return 2;
  }
  std::string path = std::string(argv[1]) + "/store_cost.db";
  int devices = argc > 2 ? atoi(argv[2]) : 200;
  int reports = argc > 3 ? atoi(argv[3]) : 200000;
  std::vector<int> batches = {10, 50, 200, 1000, 5000};
  if (argc > 4) batches = {atoi(argv[4])};
  int status_every = argc > 5 ? atoi(argv[5]) : 0;
  for (int batch : batches) {
    printf("batch %5d: %.2f us per report (%d devices, %d reports)\n", batch,
           run(path, devices, reports, batch, status_every), devices, reports);
    fflush(stdout);
  }
}
