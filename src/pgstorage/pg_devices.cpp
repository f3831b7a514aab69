#include "pgstorage/pg_devices.h"

#include <algorithm>
#include <unordered_map>

#include "pgstorage/pg_rows.h"

namespace ota {
namespace {

// Rows read per round trip while visiting: a visitor that stops early never
// made the server send, nor this process hold, the rest.
constexpr int kVisitPage = 256;

// Statuses held back at most: a flush is one statement of bounded size.
constexpr size_t kMaxHeld = 2000;

// Writes each device's status ($1..$5) and replaces its versions with those of
// $6..$9: keys it no longer has go, only changed rows are written (the rows
// deleted and those upserted are never the same).
constexpr const char* kSave =
    "WITH s AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[]) "
    "AS s (product, device, status, status_at, message_id)), "
    "kv AS (SELECT * FROM unnest($6::text[], $7::text[], $8::text[], $9::text[]) "
    "AS kv (product, device, version_key, version)), "
    "saved AS (INSERT INTO devices (product, device, status, status_at, status_message_id) "
    "SELECT product, device, status, status_at, message_id FROM s "
    "ON CONFLICT (product, device) DO UPDATE SET status = excluded.status, status_at = excluded.status_at, "
    "status_message_id = excluded.status_message_id), "
    "gone AS (DELETE FROM device_versions v USING s WHERE v.product = s.product AND v.device = s.device "
    "AND NOT EXISTS (SELECT 1 FROM kv WHERE kv.product = v.product AND kv.device = v.device "
    "AND kv.version_key = v.version_key)) "
    "INSERT INTO device_versions (product, device, version_key, version) "
    "SELECT product, device, version_key, version FROM kv "
    "ON CONFLICT (product, device, version_key) DO UPDATE SET version = excluded.version "
    "WHERE device_versions.version <> excluded.version";

}  // namespace

PgDevices::PgDevices(PgConnection& db) : db_(db) { db_.add_buffer(*this, {"devices", "device_versions"}); }

bool PgDevices::save_status(const DeviceKey& device, const std::string& message_id, const StatusPayload& status,
                            int64_t at) {
  for (const std::string* text : {&device.product, &device.device, &message_id, &status.json}) pg_check_utf8(*text);
  for (const auto& field : status.versions) {
    pg_check_utf8(field.key);
    pg_check_utf8(field.value);
  }
  // Outside a transaction each statement commits by itself: nothing waits,
  // and nothing is known past it.
  if (!db_.in_transaction()) message_ids_.clear();
  auto known = message_ids_.find(device);
  if (known == message_ids_.end()) {
    // Not held back (what is held is known): the table answers.
    PgResult r = db_.query_direct("SELECT status_message_id FROM devices WHERE product = $1 AND device = $2",
                                  device.product, device.device);
    std::optional<std::string> held_id;
    if (r.rows() > 0 && !r.null_at(0, 0)) held_id = r.text_at(0, 0);
    known = message_ids_.emplace(device, std::move(held_id)).first;
  }
  if (known->second == message_id) return false;  // the status it holds came with this id
  known->second = message_id;
  // The last value of a key wins, as the status object says; one row per key.
  std::unordered_map<std::string, size_t> last;
  for (size_t i = 0; i < status.versions.size(); ++i) last[status.versions[i].key] = i;
  Held& held = held_[device];
  held = {status.json, at, message_id, {}, {}};
  for (size_t i = 0; i < status.versions.size(); ++i) {
    if (last[status.versions[i].key] != i) continue;
    held.keys.push_back(status.versions[i].key);
    held.values.push_back(status.versions[i].value);
  }
  if (!db_.in_transaction() || held_.size() >= kMaxHeld) flush();
  return true;
}

void PgDevices::prefetch(const std::vector<DeviceKey>& devices) {
  if (!db_.in_transaction()) return;
  PgDeviceArrays wanted;  // a name that is not UTF-8: save_status refuses it
  for (const auto& d : devices) {
    // None: the device has no status (yet). Listed first, then set from the rows.
    if (!message_ids_.count(d) && wanted.add(d)) message_ids_.emplace(d, std::nullopt);
  }
  if (wanted.size == 0) return;
  PgResult r = db_.query_direct(
      "SELECT product, device, status_message_id FROM devices "
      "WHERE (product, device) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND status_message_id IS NOT NULL",
      wanted.products.value(), wanted.names.value());
  for (int i = 0; i < r.rows(); ++i) message_ids_[{r.text_at(i, 0), r.text_at(i, 1)}] = r.text_at(i, 2);
}

void PgDevices::flush() {
  if (held_.empty()) return;
  std::map<DeviceKey, Held> held;
  held.swap(held_);  // whatever happens: a failed statement fails the transaction
  PgArray products, devices, statuses, ats, ids, kv_products, kv_devices, keys, values;
  for (const auto& [device, h] : held) {
    products.add(device.product);
    devices.add(device.device);
    statuses.add(h.status);
    ats.add(h.at);
    ids.add(h.message_id);
    for (size_t i = 0; i < h.keys.size(); ++i) {
      kv_products.add(device.product);
      kv_devices.add(device.device);
      keys.add(h.keys[i]);
      values.add(h.values[i]);
    }
  }
  db_.query_direct(kSave, products.value(), devices.value(), statuses.value(), ats.value(), ids.value(),
                   kv_products.value(), kv_devices.value(), keys.value(), values.value());
}

void PgDevices::discard() {
  held_.clear();
  message_ids_.clear();
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
