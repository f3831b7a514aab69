// The broker thread's path for a device report (check, then the worker's
// batch) allocates nothing per report. This executable counts the calling
// thread's heap allocations by defining malloc and friends itself (the
// program's definitions take precedence over libc's for every library in the
// process) and forwarding them to glibc's. Not built with the sanitizers,
// which replace malloc themselves.
#include <gtest/gtest.h>

#include <cstddef>
#include <string>

#include "protocol/reports.h"
#include "runtime/worker.h"
#include "storage/sqlite_store.h"
#include "test_db.h"

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);
}

namespace {
thread_local bool counting = false;
thread_local size_t allocations = 0;
void count() {
  if (counting) ++allocations;
}
}  // namespace

extern "C" {
void* malloc(size_t n) {
  count();
  return __libc_malloc(n);
}
void* calloc(size_t n, size_t size) {
  count();
  return __libc_calloc(n, size);
}
void* realloc(void* p, size_t n) {
  count();
  return __libc_realloc(p, n);
}
void* memalign(size_t alignment, size_t n) {
  count();
  return __libc_memalign(alignment, n);
}
int posix_memalign(void** out, size_t alignment, size_t n) {
  count();
  *out = __libc_memalign(alignment, n);
  return *out ? 0 : 12;  // ENOMEM
}
void* aligned_alloc(size_t alignment, size_t n) {
  count();
  return __libc_memalign(alignment, n);
}
void free(void* p) { __libc_free(p); }
}

using namespace ota;

namespace {

// Allocations on this thread while `body` runs.
template <typename Body>
size_t allocations_in(Body body) {
  allocations = 0;
  counting = true;
  body();
  counting = false;
  return allocations;
}

const std::string kProgress = R"({"type":"firmware","version":"1.1","progress":42,"desc":"downloading, 42%"})";
const std::string kStatus = R"({"firmware_ver":"1.0.3","app_ver":"2.14.0","model":"lamp-x2","uptime":86400})";
// Ids past the short-string size: a copy of one would allocate.
std::string message_id(int i) { return "0123456789abcdef-0123456789-" + std::to_string(i); }

}  // namespace

TEST(ReportPathAllocations, TheCountIsReal) {
  EXPECT_GE(allocations_in([] { std::string s(100, 'x'); }), 1u);
}

TEST(ReportPathAllocations, CheckingAReportAllocatesNothing) {
  ReportChecker checker;
  ReportView view;
  const ReportTopicView topic{ReportKind::Progress, "lamp", "device-0001", "first"};
  ASSERT_EQ(checker.check(topic, "lamp/device-0001", kProgress, 16384, view), "");  // warm
  std::vector<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.push_back(message_id(i));
  const size_t n = allocations_in([&] {
    for (int i = 0; i < 1000; ++i) {
      const bool status = i % 10 == 0;
      const ReportTopicView t{status ? ReportKind::Status : ReportKind::Progress, "lamp", "device-0001",
                              ids[static_cast<size_t>(i)]};
      if (!checker.check(t, "lamp/device-0001", status ? kStatus : kProgress, 16384, view).empty()) std::abort();
    }
  });
  EXPECT_EQ(n, 0u);
}

// Reports taken by the worker, handed over as the broker's ticks would: the
// batch buffers are reused, so allocations do not grow with the reports.
TEST(ReportPathAllocations, TakingReportsAllocatesNothingPerReport) {
  TestDbFile f;
  Options options;
  options.flush_ms = 1000;
  Worker worker(std::make_unique<SqliteStore>(f.path), options);
  ReportChecker checker;
  std::vector<std::string> ids;
  for (int i = 0; i < 12000; ++i) ids.push_back(message_id(i));
  auto take = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      ReportView view;
      const ReportTopicView t{ReportKind::Progress, "lamp", "device-0001", ids[static_cast<size_t>(i)]};
      if (!checker.check(t, "lamp/device-0001", kProgress, 16384, view).empty()) std::abort();
      // On a busy machine the worker may fall behind and a report be refused
      // (back-pressure): it is sent again, as a device would.
      while (!worker.submit_report(view, 1)) {
      }
      if (i % 100 == 99) worker.hand_over();
    }
  };
  take(0, 2000);  // the buffers grow to a batch's size
  const size_t n = allocations_in([&] { take(2000, 12000); });
  // 10,000 reports: a few buffer growths (more when a busy machine slows the
  // worker and the batches it has not taken yet grow), never one per report.
  EXPECT_LE(n, 50u) << n << " allocations for 10,000 reports";
}
