#include "pgstorage/pg_devices.h"

#include <algorithm>
#include <unordered_map>

namespace ota {
namespace {

// Rows read per round trip while visiting: a visitor that stops early never
// made the server send, nor this process hold, the rest.
constexpr int kVisitPage = 256;

}  // namespace

bool PgDevices::save_status(const DeviceKey& device, const std::string& message_id, const StatusPayload& status,
                            int64_t at) {
  PgResult upsert = db_.query(
      "INSERT INTO devices (product, device, status, status_at, status_message_id) VALUES ($1, $2, $3, $4, $5) "
      "ON CONFLICT (product, device) DO UPDATE SET status = excluded.status, status_at = excluded.status_at, "
      "status_message_id = excluded.status_message_id "
      "WHERE devices.status_message_id IS DISTINCT FROM excluded.status_message_id",
      device.product, device.device, status.json, at, message_id);
  if (upsert.affected() == 0) return false;  // the status it holds came with this id
  // The last value of a key wins, as the status object says; one row per key.
  std::unordered_map<std::string, size_t> last;
  for (size_t i = 0; i < status.versions.size(); ++i) last[status.versions[i].key] = i;
  std::vector<std::string> keys, values;
  for (size_t i = 0; i < status.versions.size(); ++i) {
    if (last[status.versions[i].key] != i) continue;
    keys.push_back(status.versions[i].key);
    values.push_back(status.versions[i].value);
  }
  // Two statements whatever the number of keys; only changed rows are written.
  db_.query("DELETE FROM device_versions WHERE product = $1 AND device = $2 AND version_key <> ALL ($3::text[])",
            device.product, device.device, pg_text_array(keys));
  db_.query(
      "INSERT INTO device_versions (product, device, version_key, version) "
      "SELECT $1, $2, k, v FROM unnest($3::text[], $4::text[]) AS kv (k, v) "
      "ON CONFLICT (product, device, version_key) DO UPDATE SET version = excluded.version "
      "WHERE device_versions.version <> excluded.version",
      device.product, device.device, pg_text_array(keys), pg_text_array(values));
  return true;
}

std::optional<DeviceRecord> PgDevices::find_device(const DeviceKey& device) {
  PgResult r = db_.query("SELECT status, status_at FROM devices WHERE product = $1 AND device = $2", device.product,
                         device.device);
  if (r.rows() == 0) return std::nullopt;
  return DeviceRecord{device, r.text_at(0, 0), r.int_at(0, 1)};
}

void PgDevices::visit_devices(const std::string& product, const std::string& after, int limit,
                              const std::optional<VersionFilter>& filter,
                              const std::function<bool(DeviceRecord&&)>& visit) {
  std::string cursor = after;
  int left = limit;
  while (left > 0) {
    const int page = std::min(left, kVisitPage);
    PgResult r = filter ? db_.query(
                              "SELECT d.device, d.status, d.status_at FROM device_versions v "
                              "JOIN devices d ON d.product = v.product AND d.device = v.device "
                              "WHERE v.product = $1 AND v.version_key = $2 AND v.version = $3 AND v.device > $4 "
                              "ORDER BY v.device LIMIT $5",
                              product, filter->key, filter->version, cursor, page)
                        : db_.query(
                              "SELECT device, status, status_at FROM devices WHERE product = $1 AND device > $2 "
                              "ORDER BY device LIMIT $3",
                              product, cursor, page);
    for (int i = 0; i < r.rows(); ++i) {
      if (!visit({{product, r.text_at(i, 0)}, r.text_at(i, 1), r.int_at(i, 2)})) return;
    }
    if (r.rows() < page) return;
    cursor = r.text_at(r.rows() - 1, 0);
    left -= page;
  }
}

bool PgDevices::is_known(const DeviceKey& device) {
  return db_.query("SELECT 1 FROM devices WHERE product = $1 AND device = $2", device.product, device.device)
             .rows() > 0;
}

std::optional<std::string> PgDevices::device_version(const DeviceKey& device, const std::string& version_key) {
  PgResult r = db_.query("SELECT version FROM device_versions WHERE product = $1 AND device = $2 AND version_key = $3",
                         device.product, device.device, version_key);
  if (r.rows() == 0) return std::nullopt;
  return r.text_at(0, 0);
}

}  // namespace ota
