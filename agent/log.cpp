#include "log.h"

#include <cstdio>
#include <ctime>
#include <mutex>

namespace ota_agent {

void log_line(const std::string& text) {
  static std::mutex mutex;
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  tm utc{};
  gmtime_r(&now.tv_sec, &utc);
  char stamp[32];
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::lock_guard<std::mutex> lock(mutex);
  // One write per line, so lines from the MQTT thread and the worker never interleave.
  std::fprintf(stderr, "%s.%03ldZ ota-agent: %s\n", stamp, now.tv_nsec / 1000000, text.c_str());
  std::fflush(stderr);
}

}  // namespace ota_agent
