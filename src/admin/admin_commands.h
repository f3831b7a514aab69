#pragma once
// The admin command handlers, one group per file.
#include "admin/admin_api.h"
#include "ota/ota_json.h"

namespace ota {

// admin_devices.cpp
void admin_get_device(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc);
void admin_list_devices(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc);

// admin_jobs.cpp
void admin_create_upgrade(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc);
void admin_get_job(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc);
void admin_list_jobs(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc);
void admin_list_job_executions(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc);
void admin_get_execution(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc);
void admin_cancel_job(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc);

}  // namespace ota
