// Admin commands about devices: getDevice, listDevices.
#include "admin/admin_commands.h"

namespace ota {
namespace {

constexpr int kRecentProgressShown = 20;
constexpr int kRecentExecutionsShown = 20;

}  // namespace

void admin_get_device(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc) {
  args.only({"product", "device"});
  DeviceKey key{args.name("product"), args.name("device")};
  auto record = ctx.store.devices.find_device(key);
  if (!record) throw AdminError("not_found", "device not found: " + key.username());
  data = device_json(*record, ctx.presence.online(key), alloc);

  rapidjson::Value progress(rapidjson::kArrayType);
  for (const auto& p : ctx.store.progress.recent_progress(key, kRecentProgressShown)) {
    progress.PushBack(progress_json(p, alloc), alloc);
  }
  data.AddMember("recentProgress", progress, alloc);

  rapidjson::Value executions(rapidjson::kArrayType);
  for (const auto& e : ctx.store.executions.recent_executions(key, kRecentExecutionsShown)) {
    executions.PushBack(execution_json(e, alloc), alloc);
  }
  data.AddMember("executions", executions, alloc);
}

void admin_list_devices(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc) {
  args.only({"product", "versionKey", "version", "limit", "cursor"});
  std::string product = args.name("product");
  auto version_key = args.optional_string("versionKey");
  auto version = args.optional_string("version");
  if (version_key.has_value() != version.has_value()) {
    invalid_request("\"versionKey\" and \"version\" go together");
  }
  std::optional<VersionFilter> filter;
  if (version_key) filter = VersionFilter{*version_key, *version};
  int limit = args.limit();
  std::string cursor = args.cursor();

  // Rows are read one at a time and stop as soon as the page is too large to
  // send; one more row than asked tells whether there is a next page.
  ResponseMeter meter(ctx);
  rapidjson::Value devices(rapidjson::kArrayType);
  std::string last;
  bool more = false, too_large = false;
  ctx.store.devices.visit_devices(product, cursor, limit + 1, filter, [&](DeviceRecord&& record) {
    if (static_cast<int>(devices.Size()) == limit) {
      more = true;
      return false;
    }
    rapidjson::Value item = device_json(record, ctx.presence.online(record.key), alloc);
    if (!meter.fits(item)) {
      too_large = true;
      return false;
    }
    devices.PushBack(item, alloc);
    last = std::move(record.key.device);
    return true;
  });
  if (too_large) response_too_large();
  data.AddMember("devices", devices, alloc);
  if (more) data.AddMember("cursor", json_string(last, alloc), alloc);
}

}  // namespace ota
