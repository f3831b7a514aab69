#include "storage/devices.h"

#include <unordered_map>

namespace ota {

struct SqliteDevices::Statements {
  explicit Statements(Db& db)
      : upsert_device(db,
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

  Statement upsert_device, versions, delete_version, insert_version;
  Statement find_device, list_devices, list_devices_at_version;
  Statement is_known, device_version;
};

SqliteDevices::SqliteDevices(Db& db) : st_(std::make_unique<Statements>(db)) {}
SqliteDevices::~SqliteDevices() = default;

bool SqliteDevices::save_status(const DeviceKey& device, const std::string& message_id, const StatusPayload& status,
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

std::optional<DeviceRecord> SqliteDevices::find_device(const DeviceKey& device) {
  auto& s = st_->find_device.with(device.product, device.device);
  if (!s.step()) return std::nullopt;
  DeviceRecord record{device, s.text_at(0), s.int_at(1)};
  s.finish();
  return record;
}

void SqliteDevices::visit_devices(const std::string& product, const std::string& after, int limit,
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

bool SqliteDevices::is_known(const DeviceKey& device) {
  auto& s = st_->is_known.with(device.product, device.device);
  bool known = s.step();
  s.finish();
  return known;
}

std::optional<std::string> SqliteDevices::device_version(const DeviceKey& device, const std::string& version_key) {
  auto& s = st_->device_version.with(device.product, device.device, version_key);
  if (!s.step()) return std::nullopt;
  std::string version = s.text_at(0);
  s.finish();
  return version;
}

}  // namespace ota
