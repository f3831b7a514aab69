#pragma once
// The progress reports a device sent, in PostgreSQL: each device keeps its
// last `keep_reports` whole, and the message ids of its newest
// kRecentIdsPerDevice (duplicate detection after a restart). Written at once,
// one row per report: a rolled-back savepoint takes them back with it.
#include <cstdint>
#include <limits>

#include "pgstorage/pg_connection.h"
#include "store/repositories.h"

namespace ota {

class PgProgress : public ProgressRepository {
 public:
  // A reader that never writes may leave keep_reports at its maximum.
  explicit PgProgress(PgConnection& db, int keep_reports = std::numeric_limits<int>::max());

  void append_progress(const DeviceKey& device, const std::string& message_id, const ProgressPayload& progress,
                       int64_t at) override;
  std::vector<ProgressRecord> recent_progress(const DeviceKey& device, int limit) override;
  std::vector<std::string> recent_progress_ids(const DeviceKey& device, int limit) override;

 private:
  PgConnection& db_;
  const int64_t keep_reports_;
  const int64_t keep_entries_;  // whole reports and ids only
};

}  // namespace ota
