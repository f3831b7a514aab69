#pragma once
// Runs the configured install command on a verified image.
#include <string>

namespace ota_agent {

// Runs `/bin/sh -c '{command} "$@"'` with the image path, type and version as
// its arguments and waits for it. Empty when it exited 0, otherwise why not.
std::string run_install(const std::string& command, const std::string& path, const std::string& type,
                        const std::string& version);

}  // namespace ota_agent
