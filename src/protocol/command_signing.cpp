#include "protocol/command_signing.h"

#include <stdexcept>

namespace ota {

std::string signing_string(const CommandToSign& command) {
  std::string out = "ota-command-v1\n";
  auto line = [&out](std::string_view name, std::string_view value) {
    if (value.find_first_of("\r\n") != std::string_view::npos) {
      throw std::invalid_argument("a signed value holds a line break: " + std::string(name));
    }
    out.append(name).append("=").append(value).append("\n");
  };
  line("product", command.product);
  line("device", command.device);
  line("command", command.command);
  line("requestId", command.request_id);
  line("expiresAt", command.expires_at);
  for (const auto& [name, value] : command.fields) line(name, value);
  return out;
}

}  // namespace ota
