#include "runtime/files_apart.h"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <climits>

namespace ota {

bool leave_shared_files() {
  if (unshare(CLONE_FILES) != 0) return false;
  // stdin, stdout and stderr stay: a library may write to stderr (libpq's notices).
  if (close_range(3, UINT_MAX, 0) != 0) {
    // A kernel before 5.9: one by one, up to the limit of open files.
    rlimit limit{};
    const rlim_t end = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
                           ? limit.rlim_cur
                           : 65536;
    for (rlim_t fd = 3; fd < end; ++fd) close(static_cast<int>(fd));
  }
  return true;
}

}  // namespace ota
