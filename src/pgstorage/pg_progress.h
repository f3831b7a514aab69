#pragma once
// The progress reports a device sent, in PostgreSQL: each device keeps its
// last `keep_reports` whole, and the message ids of its newest
// kRecentIdsPerDevice (duplicate detection after a restart). One row per
// report. Within a transaction the reports are held back (a PgBuffer) and
// written many per statement, trimmed once per device: two statements
// whatever their number, instead of two to four each.
#include <cstdint>
#include <limits>
#include <unordered_set>
#include <vector>

#include "pgstorage/pg_connection.h"
#include "store/repositories.h"

namespace ota {

class PgProgress : public ProgressRepository, public PgBuffer {
 public:
  // A reader that never writes may leave keep_reports at its maximum.
  explicit PgProgress(PgConnection& db, int keep_reports = std::numeric_limits<int>::max());
  PgProgress(const PgProgress&) = delete;
  PgProgress& operator=(const PgProgress&) = delete;

  // Held back until a flush; reads see it at once. Throws PgError when a text
  // is not UTF-8 (nothing is held back then).
  void append_progress(const DeviceKey& device, const std::string& message_id, const ProgressPayload& progress,
                       int64_t at) override;
  std::vector<ProgressRecord> recent_progress(const DeviceKey& device, int limit) override;
  std::vector<std::string> recent_progress_ids(const DeviceKey& device, int limit) override;

  std::vector<std::vector<std::string>> recent_progress_ids(const std::vector<DeviceKey>& devices,
                                                            int limit) override;

  bool empty() const override { return held_.empty(); }
  void flush() override;
  void discard() override;

 private:
  struct Held {
    DeviceKey device;
    std::string message_id;
    ProgressPayload progress;
    int64_t at;
  };
  // A device's reads see its reports held back: they are written first.
  void flush_for(const DeviceKey& device);

  PgConnection& db_;
  const int64_t keep_reports_;
  const int64_t keep_entries_;  // whole reports and ids only
  std::vector<Held> held_;  // in the order they came
  std::unordered_set<DeviceKey, DeviceKeyHash> held_devices_;
};

}  // namespace ota
