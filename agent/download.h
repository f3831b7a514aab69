#pragma once
// Downloads an image with libcurl into a file, resuming what is already there
// with a Range request.
#include <cstdint>
#include <functional>
#include <string>

namespace ota_agent {

struct DownloadRequest {
  std::string url;
  std::string path;  // appended to when it already holds part of the image
  uint64_t size = 0;  // expected; the download stops once it has more
  int stall_timeout_seconds = 60;
  std::string ca_file;  // empty: the system's CA bundle
};

enum class DownloadResult {
  Complete,     // the file holds `size` bytes (or the server said there is no more)
  Failed,       // HTTP error, unreachable server, stalled transfer: report -1
  DiskFull,     // the file could not be written: report -1
  TooLarge,     // the server sent more than `size` bytes: report -2
  Interrupted,  // `interrupted()` said so: cancelled, or the agent is stopping
};

struct DownloadOutcome {
  DownloadResult result;
  std::string desc;       // what went wrong, for the report and the log
  uint64_t resumed_from;  // bytes already there at the start
};

// `on_data(have)` is called after each chunk written, `have` counting the
// whole file; `interrupted()` is asked several times a second.
DownloadOutcome download(const DownloadRequest& request, const std::function<void(uint64_t have)>& on_data,
                         const std::function<bool()>& interrupted);

// Once per process, before any download.
void download_global_init();

}  // namespace ota_agent
