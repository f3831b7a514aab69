#include "store/repositories.h"

namespace ota {

std::vector<DeviceRecord> DeviceReader::list_devices(const std::string& product, const std::string& after, int limit,
                                                     const std::optional<VersionFilter>& filter) {
  std::vector<DeviceRecord> out;
  visit_devices(product, after, limit, filter, [&](DeviceRecord&& record) {
    out.push_back(std::move(record));
    return true;
  });
  return out;
}

std::vector<std::vector<std::string>> ProgressRepository::recent_progress_ids(const std::vector<DeviceKey>& devices,
                                                                            int limit) {
  std::vector<std::vector<std::string>> out;
  out.reserve(devices.size());
  for (const auto& device : devices) out.push_back(recent_progress_ids(device, limit));
  return out;
}

void JobRepository::count_change(const std::string& job_id, std::optional<ExecState> from, ExecState to) {
  if (from == to) return;
  if (from) add_to_count(job_id, *from, -1);
  add_to_count(job_id, to, 1);
}

}  // namespace ota
