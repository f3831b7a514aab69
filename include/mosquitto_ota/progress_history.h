#pragma once
// Every progress report a device sent (SPEC: kept in the device's history),
// newest first on reading. The reports a device sends within one transaction
// are buffered and written at commit as one row ("chunk") linked to the
// device's previous one (sql/008_progress_chunks.sql says why).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "mosquitto_ota/sqlite.h"
#include "mosquitto_ota/topics.h"

namespace ota {

struct ProgressRecord {
  std::string message_id;
  std::string type;
  std::string version;
  int progress = 0;
  std::string desc;
  int64_t at = 0;
};

class ProgressHistory {
 public:
  explicit ProgressHistory(Db& db);
  ~ProgressHistory();

  // Buffered until flush().
  void append(const DeviceKey& device, ProgressRecord record);
  // Writes what is buffered, inside the caller's transaction.
  void flush();
  // Forgets what is buffered (the transaction was rolled back).
  void discard() {
    pending_.clear();
    appended_.clear();
  }
  // A point in the buffer, and back to it: a savepoint rolled back forgets
  // what was buffered since.
  size_t mark() const { return appended_.size(); }
  void rewind(size_t mark);
  // The device's newest reports, newest first, the buffered ones included.
  std::vector<ProgressRecord> recent(const DeviceKey& device, int limit);

 private:
  struct Statements;
  std::optional<int64_t> newest_chunk(const DeviceKey& device);  // from progress_heads

  std::unique_ptr<Statements> st_;
  std::unordered_map<DeviceKey, std::vector<ProgressRecord>, DeviceKeyHash> pending_;
  std::vector<std::vector<ProgressRecord>*> appended_;  // where each buffered report went, in order
};

}  // namespace ota
