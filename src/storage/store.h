#pragma once
// The SQLite store: one connection, used by the worker thread only.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/options.h"
#include "storage/progress_history.h"
#include "protocol/reports.h"
#include "storage/sqlite.h"
#include "protocol/topics.h"

namespace ota {

struct DeviceRecord {
  DeviceKey key;
  std::string status;  // JSON object text
  int64_t status_at = 0;
};

struct VersionFilter {
  std::string key;
  std::string version;
};

class Store {
 public:
  // Opens (creating if needed) and migrates the database, and proves it can be
  // written; throws SqliteError with a message fit for the broker log, e.g. when
  // the file is read-only to this process or the database is from a newer plugin.
  // Each device keeps its last `progress_history` progress reports.
  explicit Store(const std::string& path, int progress_history = kDefaultProgressHistory);
  // A second, read-only connection to a database the writer already opened: it
  // answers admin queries on the broker thread (reads through mmap, never writes).
  struct ReadOnly {};
  Store(const std::string& path, ReadOnly);
  ~Store();

  int schema_version() const { return schema_version_; }

  void begin();
  // Writes the buffered progress reports, then commits.
  void commit();
  void rollback();
  // Savepoints inside the transaction, so that one event (or one admin command
  // inside its request) that fails part-way leaves nothing behind. They nest.
  void savepoint();
  void release();      // keeps what was done since the innermost savepoint
  void rollback_to();  // undoes it, buffered progress reports included, and ends that savepoint

  // False, changing nothing, when the status the device holds came with this id.
  bool save_status(const DeviceKey& device, const std::string& message_id, const StatusPayload& status, int64_t at);
  // Buffered until commit(); reads see it at once.
  void append_progress(const DeviceKey& device, const std::string& message_id, const ProgressPayload& progress,
                       int64_t at);
  // The ids of the device's newest progress reports, newest first: at least the
  // last kRecentIdsPerDevice, even past progress_history.
  std::vector<std::string> recent_progress_ids(const DeviceKey& device, int limit);

  std::optional<DeviceRecord> find_device(const DeviceKey& device);
  // Devices of a product ordered by name, after `after` (exclusive), at most `limit`.
  std::vector<DeviceRecord> list_devices(const std::string& product, const std::string& after, int limit,
                                         const std::optional<VersionFilter>& filter);
  // The same rows, one at a time, until `visit` returns false: a caller that
  // stops early never holds the rest in memory.
  void visit_devices(const std::string& product, const std::string& after, int limit,
                     const std::optional<VersionFilter>& filter, const std::function<bool(DeviceRecord&&)>& visit);
  bool is_known(const DeviceKey& device);
  // The device's current value of a status key, if it reported one.
  std::optional<std::string> device_version(const DeviceKey& device, const std::string& version_key);
  // Newest first.
  std::vector<ProgressRecord> recent_progress(const DeviceKey& device, int limit);

  Db& db() { return db_; }

 private:
  struct Statements;
  void set_up();  // pragmas, migrations, and proof that it can be written

  Db db_;
  int schema_version_ = 0;
  std::unique_ptr<Statements> st_;
  std::unique_ptr<ProgressHistory> progress_;
  std::vector<size_t> savepoints_;  // the progress buffer's mark at each open savepoint
};

// Applies the migrations a database lacks; returns its schema version.
int migrate(Db& db);

}  // namespace ota
