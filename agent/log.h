#pragma once
// The agent's log: one line per thing it does, to stderr, with a UTC timestamp.
#include <string>

namespace ota_agent {

void log_line(const std::string& text);

}  // namespace ota_agent
