#include "storage/sqlite_store.h"

namespace ota {

SqliteStore::SqliteStore(const std::string& path, int progress_history)
    : path_(path),
      database_(path),
      devices_(database_.db()),
      progress_(database_.db(), progress_history),
      jobs_(database_.db()),
      executions_(database_.db()),
      history_(database_.db()),
      admin_requests_(database_.db()) {
  database_.add_buffer(progress_);
}

SqliteStore::SqliteStore(const std::string& path, ReadOnly)
    : path_(path),
      database_(path, Database::ReadOnly{}),
      devices_(database_.db()),
      progress_(database_.db()),
      jobs_(database_.db()),
      executions_(database_.db()),
      history_(database_.db()),
      admin_requests_(database_.db()) {}

std::string SqliteStore::upkeep() {
  try {
    if (!checkpointer_) checkpointer_ = std::make_unique<Checkpointer>(database_.db());
  } catch (const std::exception& e) {
    return std::string("starting the WAL checkpoints failed (tried again after the next commit): ") + e.what();
  }
  checkpointer_->catch_up();
  const std::string error = checkpointer_->take_error();
  return error.empty() ? error : "checkpointing the WAL failed: " + error;
}

}  // namespace ota
