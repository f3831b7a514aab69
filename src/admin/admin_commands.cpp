#include "admin/admin_commands.h"

namespace ota {

namespace {

// Every admin command, and whether it writes: declared here only.
constexpr AdminCommand kCommands[] = {
    {"createUpgrade", admin_create_upgrade, true},
    {"getJob", admin_get_job, false},
    {"listJobs", admin_list_jobs, false},
    {"listJobExecutions", admin_list_job_executions, false},
    {"getExecution", admin_get_execution, false},
    {"cancelJob", admin_cancel_job, true},
    {"getDevice", admin_get_device, false},
    {"listDevices", admin_list_devices, false},
    {"getSigningKey", admin_get_signing_key, false},
};

}  // namespace

const AdminCommand* find_admin_command(std::string_view name) {
  for (const auto& c : kCommands) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

std::string_view command_name(const rapidjson::Value& command) {
  if (!command.IsObject()) return {};
  auto name = command.FindMember("command");
  if (name == command.MemberEnd() || !name->value.IsString()) return {};
  return {name->value.GetString(), name->value.GetStringLength()};
}

}  // namespace ota
