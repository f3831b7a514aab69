#include "download.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

namespace ota_agent {
namespace {

struct Transfer {
  CURL* curl;
  int fd;
  uint64_t have;
  uint64_t size;
  bool checked_status = false;
  int write_errno = 0;
  bool too_large = false;
  std::chrono::seconds stall_timeout;
  std::chrono::steady_clock::time_point last_data;
  curl_off_t last_now = -1;
  bool stalled = false;
  const std::function<void(uint64_t)>* on_data;
  const std::function<bool()>* interrupted;
};

size_t on_write(char* data, size_t, size_t length, void* user) {
  auto* t = static_cast<Transfer*>(user);
  if (!t->checked_status) {
    t->checked_status = true;
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    // A server that ignores Range sends the whole file: start it over.
    if (status == 200 && t->have > 0) {
      if (::ftruncate(t->fd, 0) != 0 || ::lseek(t->fd, 0, SEEK_SET) != 0) {
        t->write_errno = errno;
        return 0;
      }
      t->have = 0;
    }
    (*t->on_data)(t->have);  // the download has started: its first progress report
  }
  if (t->have + length > t->size) {
    t->too_large = true;
    return 0;
  }
  size_t done = 0;
  while (done < length) {
    const ssize_t n = ::write(t->fd, data + done, length - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      t->write_errno = errno;
      return 0;
    }
    done += static_cast<size_t>(n);
  }
  t->have += length;
  (*t->on_data)(t->have);
  return length;
}

// Asked several times a second, data or not: stops a cancelled or stalled transfer.
int on_progress(void* user, curl_off_t, curl_off_t now_bytes, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if ((*t->interrupted)()) return 1;
  const auto now = std::chrono::steady_clock::now();
  if (now_bytes != t->last_now) {
    t->last_now = now_bytes;
    t->last_data = now;
  } else if (now - t->last_data >= t->stall_timeout) {
    t->stalled = true;
    return 1;
  }
  return 0;
}

}  // namespace

void download_global_init() { curl_global_init(CURL_GLOBAL_DEFAULT); }

DownloadOutcome download(const DownloadRequest& request, const std::function<void(uint64_t)>& on_data,
                         const std::function<bool()>& interrupted) {
  const int fd = ::open(request.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return {DownloadResult::DiskFull, "cannot open " + request.path + ": " + std::strerror(errno), 0};
  struct stat st {};
  ::fstat(fd, &st);
  const uint64_t already = static_cast<uint64_t>(st.st_size);
  if (already >= request.size) {
    ::close(fd);
    return {DownloadResult::Complete, "", already};
  }

  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  Transfer t{curl.get(), fd, already, request.size, false, 0, false, std::chrono::seconds(request.stall_timeout_seconds),
             std::chrono::steady_clock::now(), -1, false, &on_data, &interrupted};
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl.get(), CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl.get(), CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFODATA, &t);
  // Stalled: no connection within the timeout, or no byte for that long (on_progress).
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, static_cast<long>(request.stall_timeout_seconds));
  if (!request.ca_file.empty()) curl_easy_setopt(curl.get(), CURLOPT_CAINFO, request.ca_file.c_str());
  if (already > 0) curl_easy_setopt(curl.get(), CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(already));

  const CURLcode rc = curl_easy_perform(curl.get());
  ::close(fd);
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (rc == CURLE_OK) return {DownloadResult::Complete, "", already};
  if (t.too_large) {
    return {DownloadResult::TooLarge, "size mismatch: the server sent more than " + std::to_string(request.size) +
                                          " bytes", already};
  }
  if (t.write_errno != 0) {
    return {DownloadResult::DiskFull, "cannot write " + request.path + ": " + std::strerror(t.write_errno), already};
  }
  if (t.stalled || rc == CURLE_OPERATION_TIMEDOUT) {
    return {DownloadResult::Failed,
            "download stalled: nothing received for " + std::to_string(request.stall_timeout_seconds) + " s",
            already};
  }
  if (rc == CURLE_ABORTED_BY_CALLBACK) return {DownloadResult::Interrupted, "interrupted", already};
  if (rc == CURLE_HTTP_RETURNED_ERROR) {
    return {DownloadResult::Failed, "download failed: HTTP " + std::to_string(status), already};
  }
  return {DownloadResult::Failed,
          std::string("download failed: ") + (error[0] ? error : curl_easy_strerror(rc)), already};
}

}  // namespace ota_agent
