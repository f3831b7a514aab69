#pragma once
// The SQLite backend as a whole: one database file, one connection, and the
// repositories over it. The worker thread owns the writer; the broker thread
// gets a read-only one, and only its readers. The writer's first upkeep()
// hands its WAL checkpoints to a thread of their own (Checkpointer).
#include <limits>
#include <memory>
#include <string>

#include "protocol/options.h"
#include "storage/admin_requests.h"
#include "storage/checkpointer.h"
#include "storage/database.h"
#include "storage/devices.h"
#include "storage/executions.h"
#include "storage/history.h"
#include "storage/jobs.h"
#include "storage/progress_history.h"

namespace ota {

class SqliteStore : public Store {
 public:
  // Opens (creating and migrating if needed) the database at `path`: see
  // Database. Each device keeps its last `progress_history` progress reports.
  explicit SqliteStore(const std::string& path, int progress_history = kDefaultProgressHistory);
  // A read-only connection to a database a writer already opened.
  struct ReadOnly {};
  SqliteStore(const std::string& path, ReadOnly);

  Repositories repositories() override {
    return {database_, devices_, progress_, jobs_, executions_, history_, admin_requests_};
  }
  std::string upkeep() override;
  std::string name() const override { return path_; }
  StoreReaders readers() { return {devices_, progress_, jobs_, executions_, history_}; }

  Database& database() { return database_; }
  Db& db() { return database_.db(); }
  int schema_version() const { return database_.schema_version(); }
  SqliteDevices& devices() { return devices_; }
  ProgressHistory& progress() { return progress_; }
  SqliteJobs& jobs() { return jobs_; }
  SqliteExecutions& executions() { return executions_; }
  SqliteHistory& history() { return history_; }

 private:
  std::string path_;
  Database database_;
  SqliteDevices devices_;
  ProgressHistory progress_;
  SqliteJobs jobs_;
  SqliteExecutions executions_;
  SqliteHistory history_;
  SqliteAdminRequests admin_requests_;
  std::unique_ptr<Checkpointer> checkpointer_;  // the writer's, from its first upkeep(); stops first
};

}  // namespace ota
