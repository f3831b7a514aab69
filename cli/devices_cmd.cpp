// devices PRODUCT [--version-key K --version V], device PRODUCT DEVICE
#include "args.h"
#include "commands.h"
#include "errors.h"
#include "output.h"

namespace ota_cli {

void devices_command(Context& ctx, const Tokens& tokens) {
  Args args(tokens,
            {{"--version-key", "--version"}, {}, 1, 1, "devices PRODUCT [--version-key KEY --version VERSION]"});
  if (args.has("--version-key") != args.has("--version")) throw usage_error("--version-key and --version go together");
  Command command("listDevices");
  command.str("product", args.positional()[0]);
  if (auto key = args.value("--version-key")) command.str("versionKey", *key).str("version", *args.value("--version"));
  rapidjson::Document data = ctx.api().call_all(command, "devices", ctx.page_size());
  if (ctx.json()) {
    ctx.out() << pretty_json(data) << "\n";
    return;
  }
  Table table({"DEVICE", "ONLINE", "STATUS AT", "STATUS"});
  for (const auto& d : data["devices"].GetArray()) {
    table.add({text(d, "device"), text(d, "online"), text(d, "statusAt"), text(d, "status")});
  }
  table.print(ctx.out());
  ctx.out() << table.size() << (table.size() == 1 ? " device" : " devices") << "\n";
}

void device_command(Context& ctx, const Tokens& tokens) {
  Args args(tokens, {{}, {}, 2, 2, "device PRODUCT DEVICE"});
  Command command("getDevice");
  command.str("product", args.positional()[0]).str("device", args.positional()[1]);
  rapidjson::Document d = ctx.api().call(command);
  if (ctx.json()) {
    ctx.out() << pretty_json(d) << "\n";
    return;
  }
  std::vector<std::pair<std::string, std::string>> fields = {{"Product", text(d, "product")},
                                                             {"Device", text(d, "device")},
                                                             {"Online", text(d, "online")},
                                                             {"Status at", text(d, "statusAt")}};
  if (d.HasMember("status") && d["status"].IsObject()) {
    for (const auto& m : d["status"].GetObject())
      fields.push_back({"  " + std::string(m.name.GetString()), text(d["status"], m.name.GetString())});
  }
  print_fields(ctx.out(), fields);
  if (d.HasMember("recentProgress") && d["recentProgress"].IsArray() && !d["recentProgress"].Empty()) {
    ctx.out() << "\nRecent progress:\n";
    Table table({"AT", "TYPE", "VERSION", "PROGRESS", "DESC"});
    for (const auto& p : d["recentProgress"].GetArray()) {
      table.add({text(p, "at"), text(p, "type"), text(p, "version"), text(p, "progress"), text(p, "desc")});
    }
    table.print(ctx.out());
  }
  if (d.HasMember("executions") && d["executions"].IsArray() && !d["executions"].Empty()) {
    ctx.out() << "\nExecutions:\n";
    Table table({"JOB", "TYPE", "VERSION", "STATE", "PROGRESS", "UPDATED"});
    for (const auto& e : d["executions"].GetArray()) {
      table.add({text(e, "jobId"), text(e, "type"), text(e, "version"), text(e, "state"), text(e, "progress"),
                 text(e, "updatedAt")});
    }
    table.print(ctx.out());
  }
}

}  // namespace ota_cli
