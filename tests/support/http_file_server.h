#pragma once
// A local HTTP file server for the agent tests (http_file_server.py, run as
// its own process): serves real files over HTTP or HTTPS, honours Range, can
// be throttled, held or stalled, and records every request it gets.
#include <string>
#include <vector>

namespace ota_test {

class HttpFileServer {
 public:
  // Files, control and log live under dir. With a certificate and its key
  // (PEM files), it serves HTTPS.
  explicit HttpFileServer(std::string dir, std::string cert_file = "", std::string key_file = "");
  ~HttpFileServer();
  HttpFileServer(const HttpFileServer&) = delete;
  HttpFileServer& operator=(const HttpFileServer&) = delete;

  // Starts the server and waits until it listens; false if it did not.
  bool start();
  void stop();

  // Writes a file that the server serves as /{name}.
  void put(const std::string& name, const std::string& bytes);
  std::string url(const std::string& name) const;

  void set_rate(long bytes_per_second);  // 0: unthrottled
  void hold(bool on);                    // requests wait before sending anything
  void stall(bool on);                   // responses stop after their first chunk

  // One line per request received: "GET /name range=bytes=N-".
  std::vector<std::string> requests() const;

 private:
  void set_control(const std::string& name, bool on, const std::string& content = "");

  std::string dir_;
  std::string cert_file_, key_file_;
  int pid_ = -1;
  int port_ = 0;
};

}  // namespace ota_test
