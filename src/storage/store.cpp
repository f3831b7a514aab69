#include "storage/store.h"

#include <unordered_map>

#include "storage/db_path.h"

namespace ota {

struct Store::Statements {
  explicit Statements(Db& db)
      : begin(db, "BEGIN"),
        commit(db, "COMMIT"),
        rollback(db, "ROLLBACK"),
        savepoint(db, "SAVEPOINT event"),
        release(db, "RELEASE event"),
        rollback_to(db, "ROLLBACK TO event"),
        upsert_device(db,
                      "INSERT INTO devices (product, device, status, status_at, status_message_id) "
                      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (product, device) DO UPDATE SET "
                      "status = excluded.status, status_at = excluded.status_at, "
                      "status_message_id = excluded.status_message_id "
                      "WHERE devices.status_message_id IS NOT excluded.status_message_id"),
        versions(db, "SELECT version_key, version FROM device_versions WHERE product = ?1 AND device = ?2"),
        delete_version(db, "DELETE FROM device_versions WHERE product = ?1 AND device = ?2 AND version_key = ?3"),
        insert_version(db,
                       "INSERT OR REPLACE INTO device_versions (product, device, version_key, version) "
                       "VALUES (?1, ?2, ?3, ?4)"),
        find_device(db, "SELECT status, status_at FROM devices WHERE product = ?1 AND device = ?2"),
        list_devices(db,
                     "SELECT device, status, status_at FROM devices WHERE product = ?1 AND device > ?2 "
                     "ORDER BY device LIMIT ?3"),
        list_devices_at_version(db,
                                "SELECT d.device, d.status, d.status_at FROM device_versions v "
                                "JOIN devices d ON d.product = v.product AND d.device = v.device "
                                "WHERE v.product = ?1 AND v.version_key = ?2 AND v.version = ?3 AND v.device > ?4 "
                                "ORDER BY v.device LIMIT ?5"),
        is_known(db, "SELECT 1 FROM devices WHERE product = ?1 AND device = ?2"),
        device_version(db,
                       "SELECT version FROM device_versions WHERE product = ?1 AND device = ?2 AND version_key = ?3") {}

  Statement begin, commit, rollback, savepoint, release, rollback_to;
  Statement upsert_device, versions, delete_version, insert_version;
  Statement find_device, list_devices, list_devices_at_version;
  Statement is_known, device_version;
};

namespace {

// The broker log's reason: what stands in the way of the path, if anything visibly does, and SQLite's words.
SqliteError unusable(const std::string& path, const std::string& what) {
  const std::string problem = db_path_problem(path);
  return SqliteError(problem.empty() ? what : problem + " (" + what + ")");
}

Db open_for_writing(const std::string& path) {
  try {
    return Db(path);
  } catch (const SqliteError& e) {
    throw unusable(path, e.what());
  }
}

// SQLite quietly opens a file it may not write read-only, and a database at the
// latest schema is not written at start: one real write, committed, proves it.
void prove_writable(Db& db, int schema_version) {
  if (sqlite3_db_readonly(db.handle(), "main") == 1) throw SqliteError("SQLite opened it read-only");
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec("PRAGMA user_version = " + std::to_string(schema_version));  // the value it holds
    db.exec("COMMIT");
  } catch (const SqliteError& e) {
    if (!sqlite3_get_autocommit(db.handle())) sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw SqliteError(std::string("a test write failed: ") + e.what());
  }
}

}  // namespace

Store::Store(const std::string& path, int progress_history) : db_(open_for_writing(path)) {
  try {
    set_up();
  } catch (const SqliteError& e) {
    throw unusable(path, e.what());
  }
  st_ = std::make_unique<Statements>(db_);
  progress_ = std::make_unique<ProgressHistory>(db_, progress_history);
}

void Store::set_up() {
  // Takes effect on a new database only. Larger pages mean fewer WAL frames (two
  // writes each) per commit: ~15% less worker time per report (bench/store_cost).
  db_.exec("PRAGMA page_size = 16384");
  db_.exec("PRAGMA journal_mode = WAL");
  // WAL + NORMAL: a commit survives a crash of the broker process (kill -9);
  // only an OS crash may lose the last commits. No fsync per commit.
  db_.exec("PRAGMA synchronous = NORMAL");
  db_.exec("PRAGMA foreign_keys = ON");
  // The working set (recent pages of every index) stays in memory: without this
  // the worker spends most of its time re-reading pages with pread.
  db_.exec("PRAGMA cache_size = -262144");  // 256 MiB
  db_.exec("PRAGMA mmap_size = 1073741824");
  db_.exec("PRAGMA temp_store = MEMORY");
  schema_version_ = migrate(db_);
  prove_writable(db_, schema_version_);
}

Store::Store(const std::string& path, ReadOnly) : db_(path, true) {
  db_.exec("PRAGMA query_only = ON");
  db_.exec("PRAGMA mmap_size = 1073741824");
  Statement version(db_, "PRAGMA user_version");
  version.step();
  schema_version_ = static_cast<int>(version.int_at(0));
  st_ = std::make_unique<Statements>(db_);
  progress_ = std::make_unique<ProgressHistory>(db_);
}

Store::~Store() = default;

void Store::begin() { st_->begin.with().run(); }
void Store::commit() {
  // SQLite keeps writing to a database file that was deleted or renamed while
  // open, without an error: what it commits then is lost at close.
  int moved = 0;
  if (sqlite3_file_control(db_.handle(), "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK && moved) {
    throw SqliteError("the database file was removed or renamed", SQLITE_READONLY_DBMOVED);
  }
  progress_->flush();
  st_->commit.with().run();
}

void Store::rollback() {
  progress_->discard();
  savepoints_.clear();
  st_->rollback.with().run();
}

void Store::savepoint() {
  st_->savepoint.with().run();
  savepoints_.push_back(progress_->mark());
}

void Store::release() {
  // Same name at every level: RELEASE and ROLLBACK TO act on the innermost.
  st_->release.with().run();
  savepoints_.pop_back();
}

void Store::rollback_to() {
  progress_->rewind(savepoints_.back());
  st_->rollback_to.with().run();
  st_->release.with().run();
  savepoints_.pop_back();
}

bool Store::save_status(const DeviceKey& device, const std::string& message_id, const StatusPayload& status,
                        int64_t at) {
  auto& upsert = st_->upsert_device.with(device.product, device.device, status.json, at, message_id);
  upsert.run();
  if (upsert.changes() == 0) return false;  // the status it holds came with this id
  // Only the versions that changed are written: a device mostly reports the
  // versions it already had (at every boot), and each row costs two B-trees.
  // Linear in the keys: the stored versions are looked up in a hash map, and
  // what is left in it at the end is what the new status no longer has.
  std::unordered_map<std::string, std::string> stored;
  auto& old = st_->versions.with(device.product, device.device);
  while (old.step()) stored.emplace(old.text_at(0), old.text_at(1));
  for (const auto& v : status.versions) {
    auto before = stored.find(v.key);
    const bool same = before != stored.end() && before->second == v.value;
    if (before != stored.end()) stored.erase(before);
    if (!same) st_->insert_version.with(device.product, device.device, v.key, v.value).run();
  }
  for (const auto& [key, value] : stored) st_->delete_version.with(device.product, device.device, key).run();
  return true;
}

void Store::append_progress(const DeviceKey& device, const std::string& message_id,
                            const ProgressPayload& progress, int64_t at) {
  progress_->append(device, {message_id, progress.type, progress.version, progress.progress, progress.desc, at});
}

std::vector<std::string> Store::recent_progress_ids(const DeviceKey& device, int limit) {
  return progress_->recent_ids(device, limit);
}

std::optional<DeviceRecord> Store::find_device(const DeviceKey& device) {
  auto& s = st_->find_device.with(device.product, device.device);
  if (!s.step()) return std::nullopt;
  DeviceRecord record{device, s.text_at(0), s.int_at(1)};
  s.finish();
  return record;
}

std::vector<DeviceRecord> Store::list_devices(const std::string& product, const std::string& after, int limit,
                                              const std::optional<VersionFilter>& filter) {
  std::vector<DeviceRecord> out;
  visit_devices(product, after, limit, filter, [&](DeviceRecord&& record) {
    out.push_back(std::move(record));
    return true;
  });
  return out;
}

void Store::visit_devices(const std::string& product, const std::string& after, int limit,
                          const std::optional<VersionFilter>& filter,
                          const std::function<bool(DeviceRecord&&)>& visit) {
  Statement& s = filter ? st_->list_devices_at_version.with(product, filter->key, filter->version, after, limit)
                        : st_->list_devices.with(product, after, limit);
  // No read snapshot outlives the visit, however it ends.
  struct Finish {
    Statement& s;
    ~Finish() { s.finish(); }
  } finish{s};
  while (s.step()) {
    if (!visit({{product, s.text_at(0)}, s.text_at(1), s.int_at(2)})) break;
  }
}

std::vector<ProgressRecord> Store::recent_progress(const DeviceKey& device, int limit) {
  return progress_->recent(device, limit);
}

}  // namespace ota

namespace ota {

bool Store::is_known(const DeviceKey& device) {
  auto& s = st_->is_known.with(device.product, device.device);
  bool known = s.step();
  s.finish();
  return known;
}

std::optional<std::string> Store::device_version(const DeviceKey& device, const std::string& version_key) {
  auto& s = st_->device_version.with(device.product, device.device, version_key);
  if (!s.step()) return std::nullopt;
  std::string version = s.text_at(0);
  s.finish();
  return version;
}

}  // namespace ota
