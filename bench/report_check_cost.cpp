// Report check cost: how long the broker thread's check (ReportChecker) and
// hand-over to the worker's batch take for one typical status and one typical
// progress payload. They run for every device publish, so their cost bounds the
// broker's ingest rate.
//
//   report_check_cost [ITERATIONS]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "runtime/report_batch.h"
#include "protocol/reports.h"

using namespace ota;

namespace {

double ns_per_check(const ReportTopicView& topic, const std::string& payload, int iterations) {
  ReportChecker checker;
  ReportBatch batch;
  size_t accepted = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) {
    ReportView report;
    if (!checker.check(topic, "bench/d1", payload, 16384, report).empty()) continue;
    ++accepted;
    batch.append(report, 1);
    if (batch.size() == 256) batch.clear();  // handed over: the buffer is kept
  }
  auto ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  if (accepted != static_cast<size_t>(iterations)) {
    std::fprintf(stderr, "payload refused: %s\n", payload.c_str());
    std::exit(1);
  }
  return ns / iterations;
}

}  // namespace

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 1000000;
  ReportTopicView status{ReportKind::Status, "bench", "d1", "0123456789abcdef01234567"};
  ReportTopicView progress{ReportKind::Progress, "bench", "d1", "0123456789abcdef01234567"};
  const std::string status_json =
      R"({"firmware_ver":"1.0.3","app_ver":"2.14.0","model":"lamp-x2","uptime":86400,"rssi":-61,"ok":true})";
  const std::string progress_json = R"({"type":"firmware","version":"1.1","progress":42,"desc":"downloading"})";
  std::printf("status   (%zu bytes): %.0f ns per check\n", status_json.size(),
              ns_per_check(status, status_json, iterations));
  std::printf("progress (%zu bytes): %.0f ns per check\n", progress_json.size(),
              ns_per_check(progress, progress_json, iterations));
  return 0;
}
