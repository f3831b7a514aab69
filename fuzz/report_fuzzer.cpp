// Status and progress validation on any payload.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/json.h"
#include "protocol/reports.h"
#include "protocol/strict_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view payload(reinterpret_cast<const char*>(data), size);
  auto status = ota::check_status(payload);
  if (status.value) {
    // What is accepted is stored and echoed: it must be valid UTF-8 without NUL.
    if (!ota::is_valid_utf8(status.value->json) || status.value->json.find('\0') != std::string::npos) {
      __builtin_trap();
    }
    for (const auto& v : status.value->versions) {
      if (!ota::is_valid_version(v.value)) __builtin_trap();
    }
    // Read back as an answer shows it: the size the meter counts is the size written.
    rapidjson::MemoryPoolAllocator<> alloc;
    rapidjson::Value stored = ota::parse_json(status.value->json, alloc);
    if (stored.IsNull() || ota::json_size(stored) != ota::to_json(stored).size()) __builtin_trap();
  }
  auto progress = ota::check_progress(payload);
  if (progress.value && (progress.value->progress < -4 || progress.value->progress > 100 ||
                         !ota::is_valid_utf8(progress.value->desc))) {
    __builtin_trap();
  }
  ota::ReportTopic topic{ota::ReportKind::Progress, {"lamp", "d1"}, "m1"};
  ota::check_report(topic, "lamp/d1", payload, 16384, 1);
  return 0;
}
