#pragma once
// The progress reports a device sent, its last `keep_reports` of them (SPEC
// "Bounded history"), newest first on reading. The reports a device sends
// within one transaction are buffered and written at commit as rows ("chunks")
// linked to the device's previous one (sql/008_progress_chunks.sql says why).
// Older entries are trimmed off the tail of the chain as new ones arrive
// (sql/009_bounded_history.sql): a report past `keep_reports` keeps only its
// message id until it is past the newest kRecentIdsPerDevice too, so that
// duplicate detection after a restart still sees that many ids.
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocol/topics.h"
#include "storage/database.h"
#include "storage/progress_chunk.h"
#include "storage/sqlite.h"
#include "store/repositories.h"

namespace ota {

class ProgressHistory : public ProgressRepository, public TransactionBuffer {
 public:
  // A reader that never writes may leave keep_reports at its maximum.
  explicit ProgressHistory(Db& db, int keep_reports = std::numeric_limits<int>::max());
  ~ProgressHistory() override;

  // Buffered until flush(); reads see it at once.
  void append_progress(const DeviceKey& device, const std::string& message_id, const ProgressPayload& progress,
                       int64_t at) override {
    append(device, {message_id, progress.type, progress.version, progress.progress, progress.desc, at});
  }
  void append(const DeviceKey& device, ProgressRecord record);
  // Writes what is buffered, and trims, inside the caller's transaction.
  void flush() override;
  // Forgets what is buffered (the transaction was rolled back).
  void discard() override {
    pending_.clear();
    appended_.clear();
  }
  // A point in the buffer, and back to it: a savepoint rolled back forgets
  // what was buffered since.
  size_t mark() const override { return appended_.size(); }
  void rewind(size_t mark) override;
  // The device's newest reports, newest first, the buffered ones included.
  std::vector<ProgressRecord> recent_progress(const DeviceKey& device, int limit) override;
  // The message ids of the device's newest reports, trimmed ones included, newest first.
  std::vector<std::string> recent_progress_ids(const DeviceKey& device, int limit) override;

 private:
  struct Statements;
  struct Head;
  struct Chunk;

  Head read_head(const DeviceKey& device);
  void write_head(const DeviceKey& device, const Head& head);
  std::optional<Chunk> read_chunk(int64_t id);
  std::optional<int64_t> next_chunk(int64_t id);
  void drop_oldest_entries(Head& head);
  void strip_oldest_reports(Head& head);
  // Calls visit(entry) for the device's entries, newest first, until it returns false.
  template <typename Visit>
  void newest_first(const DeviceKey& device, Visit visit);

  std::unique_ptr<Statements> st_;
  const int64_t keep_reports_;
  const int64_t keep_entries_;  // whole reports and ids only
  std::unordered_map<DeviceKey, std::vector<ChunkEntry>, DeviceKeyHash> pending_;
  std::vector<std::vector<ChunkEntry>*> appended_;  // where each buffered report went, in order
};

}  // namespace ota
