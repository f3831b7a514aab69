// PgStore cost: how much worker time one report costs (engine + PostgreSQL)
// when many reports share a transaction, as the worker's group commit has
// them. No broker: this isolates the storage path. Each run uses a fresh (or
// emptied) database; reports come from DEVICES devices in turn; with STATUS_EVERY
// every such report of a device is a status report with a new app_ver.
//
//   pg_store_cost [--url postgresql://...] [DEVICES] [REPORTS] [BATCH] [STATUS_EVERY]
//
// Without --url it starts a PostgreSQL of its own (tests/support/pg_server.h:
// a temporary directory, a free loopback port, fsync off), so the figures are
// round trips and server work, not the disk.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "pg_server.h"
#include "pgstorage/pg_store.h"
#include "report_mix.h"
#include "runtime/engine.h"
#include "store/recent_messages.h"

using namespace ota;

namespace {

// Microseconds per report, begin to commit included.
double run(const std::string& url, int devices, int reports, int batch, int status_every) {
  PgStore store(url);
  // A database given by --url is emptied first, as a fresh one would be.
  store.database().connection().exec("TRUNCATE devices, device_versions, progress_reports, progress_heads");
  Options options;
  Engine engine(store.repositories(), options);
  Effects out;
  std::vector<Event> events = report_mix(devices, reports, status_every);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reports; i += batch) {
    store.database().begin();
    for (int j = i; j < i + batch && j < reports; ++j) engine.handle(events[static_cast<size_t>(j)], 1, out);
    store.database().commit();
  }
  const auto us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  // What was written is what should be: each device's last thousand progress reports.
  std::map<std::string, int64_t> sent;
  for (const Event& e : events) {
    const auto& r = std::get<Report>(e);
    if (r.kind == ReportKind::Progress) ++sent[r.device.device];
  }
  int64_t expected = 0;
  for (const auto& [device, n] : sent) expected += std::min<int64_t>(n, static_cast<int64_t>(kRecentIdsPerDevice));
  const int64_t kept = store.database().connection().query("SELECT COUNT(*) FROM progress_reports").int_at(0, 0);
  if (kept != expected) {
    throw std::runtime_error(std::to_string(kept) + " progress rows kept, " + std::to_string(expected) + " expected");
  }
  return us / reports;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string url;
  if (args.size() >= 2 && args[0] == "--url") {
    url = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  const int devices = args.size() > 0 ? std::atoi(args[0].c_str()) : 20;
  const int reports = args.size() > 1 ? std::atoi(args[1].c_str()) : 10000;
  const int batch = args.size() > 2 ? std::atoi(args[2].c_str()) : reports;
  const int status_every = args.size() > 3 ? std::atoi(args[3].c_str()) : 0;
  if (devices <= 0 || reports <= 0 || batch <= 0 || status_every < 0) {
    std::fprintf(stderr, "usage: %s [--url postgresql://...] [DEVICES] [REPORTS] [BATCH] [STATUS_EVERY]\n", argv[0]);
    return 2;
  }
  std::unique_ptr<ota_test::PgServer> server;
  try {
    if (url.empty()) server = std::make_unique<ota_test::PgServer>();
    // Twice on fresh databases: the first run also warms the server's caches.
    for (int round = 0; round < 2; ++round) {
      const std::string db = server ? server->create_database() : url;
      const double per_report = run(db, devices, reports, batch, status_every);
      std::printf("%d reports from %d devices, %d per transaction, status every %d: %.1f us per report\n", reports,
                  devices, batch, status_every, per_report);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pg_store_cost: %s\n", e.what());
    return 1;
  }
}
