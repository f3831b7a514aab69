#pragma once
// The admin commands: the table of them, and their handlers, one group per file.
#include <string_view>

#include "admin/admin_api.h"
#include "ota/ota_json.h"

namespace ota {

struct AdminCommand {
  const char* name;
  AdminHandler handler;
  bool writes;  // changes state: a barrier, reports wait for it
};

// The command of that name, or null.
const AdminCommand* find_admin_command(std::string_view name);

// A command object's "command" string; empty when it has none.
std::string_view command_name(const rapidjson::Value& command);

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

// admin_signing.cpp
void admin_get_signing_key(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc);

}  // namespace ota
