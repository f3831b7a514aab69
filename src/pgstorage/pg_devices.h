#pragma once
// Devices, their latest status and the versions in it, in PostgreSQL. Within a
// transaction the statuses are held back (a PgBuffer), the last of each
// device, and written in one statement whatever their number. Whether a
// status is new (its message id differs from the one the device holds) is
// answered from what the transaction learnt: one read per device and
// transaction, none per status after it.
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "pgstorage/pg_connection.h"
#include "store/repositories.h"

namespace ota {

class PgDevices : public DeviceRepository, public PgBuffer {
 public:
  explicit PgDevices(PgConnection& db);
  PgDevices(const PgDevices&) = delete;
  PgDevices& operator=(const PgDevices&) = delete;

  // Held back until a flush; reads see it at once. Throws PgError when a text
  // is not UTF-8 (nothing is held back then).
  bool save_status(const DeviceKey& device, const std::string& message_id, const StatusPayload& status,
                   int64_t at) override;
  std::optional<DeviceRecord> find_device(const DeviceKey& device) override;
  void visit_devices(const std::string& product, const std::string& after, int limit,
                     const std::optional<VersionFilter>& filter,
                     const std::function<bool(DeviceRecord&&)>& visit) override;
  bool is_known(const DeviceKey& device) override;
  std::optional<std::string> device_version(const DeviceKey& device, const std::string& version_key) override;

  void prefetch(const std::vector<DeviceKey>& devices) override;

  bool empty() const override { return held_.empty(); }
  void flush() override;
  void discard() override;

 private:
  struct Held {
    std::string status;
    int64_t at;
    std::string message_id;
    std::vector<std::string> keys, values;  // one per key, its last value
  };

  PgConnection& db_;
  // By device, in name order (the order rows are written, the same in every transaction).
  std::map<DeviceKey, Held> held_;
  // The status message id each device read or written in this transaction holds (none: no status).
  std::unordered_map<DeviceKey, std::optional<std::string>, DeviceKeyHash> message_ids_;
};

}  // namespace ota
