// jobs [--product P] [--state S], job ID, job cancel ID (job watch ID is in watch_cmd.cpp)
#include "args.h"
#include "commands.h"
#include "errors.h"
#include "output.h"
#include "states.h"

namespace ota_cli {
namespace {

void show_job(Context& ctx, const std::string& id) {
  Command command("getJob");
  command.str("jobId", id);
  rapidjson::Document j = ctx.api().call(command);
  if (ctx.json()) {
    ctx.out() << pretty_json(j) << "\n";
    return;
  }
  std::vector<std::pair<std::string, std::string>> fields = {
      {"Job", text(j, "jobId")},
      {"Product", text(j, "product")},
      {"Type", text(j, "type")},
      {"Version", text(j, "version")},
      {"Version key", text(j, "versionKey")},
      {"URL", text(j, "url")},
      {"Size", text(j, "size")},
      {"MD5", text(j, "md5")},
      {"SHA-256", text(j, "sha256")},
      {"Signature", text(j, "imageSignature")},
      {"From versions", text(j, "fromVersions")},
      {"Timeout (s)", text(j, "timeoutSeconds")},
      {"Expires", text(j, "expiresAt")},
      {"Max per minute", text(j, "maxPerMinute")},
      {"Abort over %", text(j, "abortFailurePercent")},
      {"Abort after", text(j, "abortMinFinished")},
      {"Dynamic", text(j, "dynamic")},
      {"State", text(j, "state") +
                    (j.HasMember("filling") && j["filling"].IsBool() && j["filling"].GetBool() ? " (filling)" : "")},
      {"Created", text(j, "createdAt")},
      {"Finished", text(j, "finishedAt")},
      {"Total", text(j, "total")}};
  print_fields(ctx.out(), fields);
  ctx.out() << "\n";
  Table table({"STATE", "EXECUTIONS"});
  for (const char* state : kExecutionStates) table.add({state, std::to_string(integer(member(j, "counts"), state))});
  table.print(ctx.out());
}

void cancel_job(Context& ctx, const std::string& id) {
  Command command("cancelJob");
  command.str("jobId", id);
  rapidjson::Document data = ctx.api().call(command);
  if (ctx.json()) {
    ctx.out() << pretty_json(data) << "\n";
    return;
  }
  ctx.out() << "Canceled job " << text(data, "jobId") << ": " << integer(data, "canceled") << " executions canceled\n";
}

}  // namespace

void jobs_command(Context& ctx, const Tokens& tokens) {
  Args args(tokens, {{"--product", "--state"}, {}, 0, 0, "jobs [--product PRODUCT] [--state STATE]"});
  Command command("listJobs");
  if (auto p = args.value("--product")) command.str("product", *p);
  if (auto s = args.value("--state")) command.str("state", *s);
  rapidjson::Document data = ctx.api().call_all(command, "jobs", ctx.page_size());
  if (ctx.json()) {
    ctx.out() << pretty_json(data) << "\n";
    return;
  }
  Table table({"JOB", "PRODUCT", "TYPE", "VERSION", "STATE", "DONE", "SUCCEEDED", "FAILED", "CREATED"});
  for (const auto& j : data["jobs"].GetArray()) {
    const auto& counts = member(j, "counts");
    int64_t done = finished_count(counts);
    table.add({text(j, "jobId"), text(j, "product"), text(j, "type"), text(j, "version"), text(j, "state"),
               std::to_string(done) + "/" + std::to_string(integer(j, "total")),
               std::to_string(integer(counts, "succeeded")),
               std::to_string(integer(counts, "failed") + integer(counts, "timed_out")), text(j, "createdAt")});
  }
  table.print(ctx.out());
  ctx.out() << table.size() << (table.size() == 1 ? " job" : " jobs") << "\n";
}

void job_command(Context& ctx, const Tokens& tokens) {
  if (!tokens.empty() && tokens[0] == "watch") return watch_command(ctx, Tokens(tokens.begin() + 1, tokens.end()));
  if (!tokens.empty() && tokens[0] == "cancel") {
    Args args(Tokens(tokens.begin() + 1, tokens.end()), {{}, {}, 1, 1, "job cancel ID"});
    return cancel_job(ctx, args.positional()[0]);
  }
  Args args(tokens, {{}, {}, 1, 1, "job ID | job watch ID | job cancel ID"});
  show_job(ctx, args.positional()[0]);
}

void executions_command(Context& ctx, const Tokens& tokens) {
  Args args(tokens, {{"--state"}, {}, 1, 1, "executions JOB_ID [--state STATE]"});
  Command command("listJobExecutions");
  command.str("jobId", args.positional()[0]);
  if (auto s = args.value("--state")) command.str("state", *s);
  rapidjson::Document data = ctx.api().call_all(command, "executions", ctx.page_size());
  if (ctx.json()) {
    ctx.out() << pretty_json(data) << "\n";
    return;
  }
  Table table({"DEVICE", "STATE", "REASON", "PROGRESS", "DESC", "UPDATED"});
  for (const auto& e : data["executions"].GetArray()) {
    table.add({text(e, "device"), text(e, "state"), text(e, "reason"), text(e, "progress"), text(e, "desc"),
               text(e, "updatedAt")});
  }
  table.print(ctx.out());
  ctx.out() << table.size() << (table.size() == 1 ? " execution" : " executions") << "\n";
}

void execution_command(Context& ctx, const Tokens& tokens) {
  Args args(tokens, {{}, {}, 3, 3, "execution JOB_ID PRODUCT DEVICE"});
  Command command("getExecution");
  command.str("jobId", args.positional()[0]).str("product", args.positional()[1]).str("device", args.positional()[2]);
  rapidjson::Document e = ctx.api().call_all(command, "history", ctx.page_size());
  if (ctx.json()) {
    ctx.out() << pretty_json(e) << "\n";
    return;
  }
  print_fields(ctx.out(), {{"Job", text(e, "jobId")},
                           {"Device", text(e, "product") + "/" + text(e, "device")},
                           {"Upgrade", text(e, "type") + " " + text(e, "version")},
                           {"State", text(e, "state")},
                           {"Reason", text(e, "reason")},
                           {"Progress", text(e, "progress")},
                           {"Desc", text(e, "desc")},
                           {"Request id", text(e, "requestId")},
                           {"Created", text(e, "createdAt")},
                           {"Updated", text(e, "updatedAt")},
                           {"First sent", text(e, "firstSentAt")},
                           {"Last sent", text(e, "lastSentAt")},
                           {"Re-sends", text(e, "resends")}});
  ctx.out() << "\nHistory (newest first):\n";
  Table table({"AT", "EVENT", "STATE", "PROGRESS", "REASON", "DESC"});
  for (const auto& h : e["history"].GetArray()) {
    table.add(
        {text(h, "at"), text(h, "event"), text(h, "state"), text(h, "progress"), text(h, "reason"), text(h, "desc")});
  }
  table.print(ctx.out());
}

}  // namespace ota_cli
