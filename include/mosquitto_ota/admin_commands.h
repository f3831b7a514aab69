#pragma once
// The admin command handlers, one group per file.
#include "mosquitto_ota/admin_api.h"

namespace ota {

// admin_devices.cpp
void admin_get_device(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc);
void admin_list_devices(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc);

}  // namespace ota
