#pragma once
// Devices, their latest status and the versions in it, in PostgreSQL.
#include "pgstorage/pg_connection.h"
#include "store/repositories.h"

namespace ota {

class PgDevices : public DeviceRepository {
 public:
  explicit PgDevices(PgConnection& db) : db_(db) {}

  bool save_status(const DeviceKey& device, const std::string& message_id, const StatusPayload& status,
                   int64_t at) override;
  std::optional<DeviceRecord> find_device(const DeviceKey& device) override;
  void visit_devices(const std::string& product, const std::string& after, int limit,
                     const std::optional<VersionFilter>& filter,
                     const std::function<bool(DeviceRecord&&)>& visit) override;
  bool is_known(const DeviceKey& device) override;
  std::optional<std::string> device_version(const DeviceKey& device, const std::string& version_key) override;

 private:
  PgConnection& db_;
};

}  // namespace ota
