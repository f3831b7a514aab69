#pragma once
// Opens the store the options name: the SQLite file at plugin_opt_db_path, or
// the PostgreSQL database at plugin_opt_db_url, for the worker, on its thread.
#include <memory>
#include <string>

#include "protocol/options.h"
#include "store/repositories.h"

namespace ota {

struct OpenedStore {
  std::unique_ptr<Store> writer;
  int schema_version = 0;
  // For the log: the file, or the URL without its password.
  std::string where;
};

// Throws std::runtime_error with a line for the broker log that names the
// option and never shows a password.
OpenedStore open_store(const Options& options);

}  // namespace ota
