#pragma once
// Devices and the versions in their last status, in SQLite.
#include <memory>

#include "storage/sqlite.h"
#include "store/repositories.h"

namespace ota {

class SqliteDevices : public DeviceRepository {
 public:
  explicit SqliteDevices(Db& db);
  ~SqliteDevices() override;

  bool save_status(const DeviceKey& device, const std::string& message_id, const StatusPayload& status,
                   int64_t at) override;
  std::optional<DeviceRecord> find_device(const DeviceKey& device) override;
  void visit_devices(const std::string& product, const std::string& after, int limit,
                     const std::optional<VersionFilter>& filter,
                     const std::function<bool(DeviceRecord&&)>& visit) override;
  bool is_known(const DeviceKey& device) override;
  std::optional<std::string> device_version(const DeviceKey& device, const std::string& version_key) override;

 private:
  struct Statements;
  std::unique_ptr<Statements> st_;
};

}  // namespace ota
