#pragma once
// The PostgreSQL backend as a whole: one connection to the database named by
// a URL, migrated at open, and the repositories over it. The worker thread
// owns the writer; the broker thread gets a read-only one, and only its readers.
#include <string>

#include "pgstorage/pg_admin_requests.h"
#include "pgstorage/pg_cluster.h"
#include "pgstorage/pg_database.h"
#include "pgstorage/pg_devices.h"
#include "pgstorage/pg_executions.h"
#include "pgstorage/pg_history.h"
#include "pgstorage/pg_jobs.h"
#include "pgstorage/pg_progress.h"
#include "protocol/options.h"

namespace ota {

class PgStore : public Store {
 public:
  // Connects to `url` (postgresql://user@host:port/db) and migrates the
  // database; throws PgError. Each device keeps its last `progress_history` progress reports.
  explicit PgStore(const std::string& url, int progress_history = kDefaultProgressHistory);

  Repositories repositories() override {
    return {database_, devices_, progress_, jobs_, executions_, history_, admin_requests_};
  }
  StoreReaders readers() { return {devices_, progress_, jobs_, executions_, history_}; }
  // PostgreSQL keeps itself (autovacuum); a lost connection is taken up by begin().
  std::string upkeep() override { return {}; }
  std::string name() const override { return name_; }
  // The writer's: several brokers may share the database.
  ClusterRepository* cluster() override { return &cluster_; }

  PgDatabase& database() { return database_; }
  int schema_version() const { return database_.schema_version(); }

 private:
  std::string name_;  // the URL without its password
  PgDatabase database_;
  PgDevices devices_;
  PgProgress progress_;
  PgJobs jobs_;
  PgExecutions executions_;
  PgHistory history_;
  PgAdminRequests admin_requests_;
  PgCluster cluster_;
};

}  // namespace ota
