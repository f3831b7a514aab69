#include "install.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ota_agent {

std::string run_install(const std::string& command, const std::string& path, const std::string& type,
                        const std::string& version) {
  // The arguments go as positional parameters, never through the shell's parser.
  const std::string script = command + " \"$@\"";
  const pid_t pid = fork();
  if (pid < 0) return std::string("cannot start the install command: ") + std::strerror(errno);
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", script.c_str(), "ota-install", path.c_str(), type.c_str(), version.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return std::string("cannot wait for the install command: ") + std::strerror(errno);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  if (WIFEXITED(status)) return "install command exited with " + std::to_string(WEXITSTATUS(status));
  return "install command killed by signal " + std::to_string(WTERMSIG(status));
}

}  // namespace ota_agent
