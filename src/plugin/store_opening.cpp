#include "plugin/store_opening.h"

#include <stdexcept>

#include "pgstorage/pg_store.h"
#include "pgstorage/pg_url.h"
#include "storage/sqlite_store.h"

namespace ota {
namespace {

OpenedStore open_postgresql(const Options& options) {
  OpenedStore s;
  s.where = redacted_url(options.db_url);
  try {
    auto writer = std::make_unique<PgStore>(options.db_url, options.progress_history);
    s.schema_version = writer->schema_version();
    s.writer = std::move(writer);
  } catch (const std::exception& e) {
    // PgError's messages show URLs without their password already.
    throw std::runtime_error("cannot use database " + s.where + " (plugin_opt_db_url): " +
                             without_password(e.what(), options.db_url));
  }
  return s;
}

OpenedStore open_sqlite(const Options& options) {
  OpenedStore s;
  s.where = options.db_path;
  try {
    auto writer = std::make_unique<SqliteStore>(options.db_path, options.progress_history);
    s.schema_version = writer->schema_version();
    s.writer = std::move(writer);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot use database " + options.db_path + " (plugin_opt_db_path): " + e.what());
  }
  return s;
}

}  // namespace

OpenedStore open_store(const Options& options) {
  return options.db_url.empty() ? open_sqlite(options) : open_postgresql(options);
}

}  // namespace ota
