#include "storage/db_path.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ota {
namespace {

// "uid 65534 (nobody)": who the broker runs as, after it dropped privileges.
std::string this_user() {
  const uid_t uid = getuid();
  std::string out = "uid " + std::to_string(uid);
  passwd entry{};
  passwd* found = nullptr;
  char buffer[1024];
  if (getpwuid_r(uid, &entry, buffer, sizeof buffer, &found) == 0 && found) {
    out += std::string(" (") + found->pw_name + ")";
  }
  return out;
}

std::string owner_and_mode(const struct stat& st) {
  char mode[8];
  snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return "owner uid " + std::to_string(st.st_uid) + ", mode " + mode;
}

std::string parent_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::string db_path_problem(const std::string& path) {
  const std::string dir = parent_of(path);
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) {
    return "directory " + dir + (errno == ENOENT ? " does not exist" : std::string(": ") + std::strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) return dir + " is not a directory";
  // SQLite creates the -wal and -shm files next to the database.
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    return "directory " + dir + " is not writable by " + this_user() + " (" + owner_and_mode(st) +
           "): it must hold the database's -wal and -shm files";
  }
  if (stat(path.c_str(), &st) != 0) {
    return errno == ENOENT ? "" : path + ": " + std::strerror(errno);
  }
  if (S_ISDIR(st.st_mode)) return path + " is a directory";
  // The -wal and -shm files a broker run as another user (root, say) left behind count too.
  for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
    if (stat(file.c_str(), &st) == 0 && access(file.c_str(), R_OK | W_OK) != 0) {
      return file + " is not readable and writable by " + this_user() + " (" + owner_and_mode(st) + ")";
    }
  }
  return "";
}

}  // namespace ota
