// Store cost: how much worker time one progress report costs in SQLite, by
// batch size (reports per transaction), on a fresh database file. No broker:
// this isolates the storage path that bench/ingest.py measures end to end.
//
//   store_cost DB_DIR [DEVICES] [REPORTS] [BATCH]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

#include "mosquitto_ota/engine.h"

using namespace ota;

namespace {

double run(const std::string& path, int devices, int reports, int batch) {
  unlink(path.c_str());
  unlink((path + "-wal").c_str());
  unlink((path + "-shm").c_str());
  Store store(path);
  Options options;
  Engine engine(store, options);
  Effects out;
  std::vector<Event> events;
  events.reserve(reports);
  for (int i = 0; i < reports; ++i) {
    Report r;
    r.kind = ReportKind::Progress;
    r.device = {"bench", "d" + std::to_string(i % devices)};
    char id[32];
    snprintf(id, sizeof id, "%024x", i);
    r.message_id = id;
    r.at = 1;
    r.progress = {"firmware", "1.1", i % 100, "downloading"};
    events.emplace_back(std::move(r));
  }
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reports; i += batch) {
    store.begin();
    for (int j = i; j < i + batch && j < reports; ++j) engine.handle(events[j], 1, out);
    store.commit();
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
  for (int batch : batches) {
    printf("batch %5d: %.2f us per progress report (%d devices, %d reports)\n", batch,
           run(path, devices, reports, batch), devices, reports);
    fflush(stdout);
  }
}
