#pragma once
// The reports the store cost benchmarks apply (store_cost, pg_store_cost):
// `devices` devices in turn; with `status_every`, every such report of a
// device is a status report with a new app_ver, the others progress reports.
#include <cstdio>
#include <string>
#include <vector>

#include "runtime/engine.h"

inline std::vector<ota::Event> report_mix(int devices, int reports, int status_every) {
  using namespace ota;
  std::vector<Event> events;
  events.reserve(static_cast<size_t>(reports));
  for (int i = 0; i < reports; ++i) {
    Report r;
    r.device = {"bench", "d" + std::to_string(i % devices)};
    char id[32];
    std::snprintf(id, sizeof id, "%024x", i);
    r.message_id = id;
    r.at = 1;
    const int seq = i / devices;
    if (status_every > 0 && (seq + 1) % status_every == 0) {
      r.kind = ReportKind::Status;
      r.status = *check_status(R"({"firmware_ver":"1.0","app_ver":"2.)" + std::to_string(seq) + "\"}").value;
    } else {
      r.kind = ReportKind::Progress;
      r.progress = {"firmware", "1.1", seq % 100, "downloading"};
    }
    events.emplace_back(std::move(r));
  }
  return events;
}
