#pragma once
// The ways a run ends badly, each with its exit code: the broker answered an
// error (1), the command line is wrong (2), no usable connection (3).
#include <stdexcept>
#include <string>

namespace ota_cli {

enum ExitCode { kOk = 0, kBrokerError = 1, kUsage = 2, kConnection = 3 };

class CliError : public std::runtime_error {
 public:
  CliError(ExitCode code, const std::string& message, std::string response = "")
      : std::runtime_error(message), code_(code), response_(std::move(response)) {}
  ExitCode code() const { return code_; }
  // The broker's response object as JSON, printed with --json.
  const std::string& response() const { return response_; }

 private:
  ExitCode code_;
  std::string response_;
};

inline CliError usage_error(const std::string& message) { return CliError(kUsage, message); }
inline CliError connection_error(const std::string& message) { return CliError(kConnection, message); }

}  // namespace ota_cli
