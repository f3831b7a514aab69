#pragma once
// Why a database path cannot hold a database this process may write, in words
// for the broker log. SQLite itself says little: "unable to open database
// file", or nothing at all when it quietly opens a file it may not write
// read-only.
#include <string>

namespace ota {

// Empty when nothing visibly stands in the way (the file may be missing: it is created).
std::string db_path_problem(const std::string& path);

}  // namespace ota
