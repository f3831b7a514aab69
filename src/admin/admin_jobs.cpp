// Admin commands about upgrade jobs: createUpgrade, getJob, listJobs,
// listJobExecutions, getExecution, cancelJob.
#include <cctype>
#include <cstdlib>

#include "admin/admin_commands.h"
#include "protocol/names.h"
#include "protocol/signatures.h"

namespace ota {
namespace {

constexpr int64_t kMaxTimeoutSeconds = 365LL * 24 * 3600;
constexpr size_t kMaxUrlBytes = 2048;
constexpr size_t kMaxListedDevices = 1000000;
constexpr size_t kMaxFromVersions = 100;
constexpr int64_t kMaxPerMinute = 6000000;
constexpr size_t kMaxImageSignatureBytes = 512;  // Ed25519: 64, ECDSA P-256: at most 72

bool is_hex(const std::string& s, size_t length) {
  if (s.size() != length) return false;
  for (unsigned char c : s) {
    if (!std::isxdigit(c)) return false;
  }
  return true;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_valid_url(const std::string& url) {
  size_t scheme = url.rfind("https://", 0) == 0 ? 8 : url.rfind("http://", 0) == 0 ? 7 : 0;
  if (scheme == 0 || url.size() <= scheme || url.size() > kMaxUrlBytes || url[scheme] == '/') return false;
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

std::string job_id_arg(const CommandArgs& args) {
  std::string id = args.required_string("jobId");
  if (!is_valid_message_id(id)) invalid_request("\"jobId\" is not a job id");
  return id;
}

// The cursor of a list paged by a row number, newest first: 0 for the first page.
int64_t number_cursor(const CommandArgs& args, const char* command) {
  std::string cursor = args.cursor();
  if (cursor.empty()) return 0;
  char* end = nullptr;
  int64_t before = std::strtoll(cursor.c_str(), &end, 10);
  if (*end != '\0' || before <= 0) invalid_request(std::string("\"cursor\" is not a cursor of ") + command);
  return before;
}

Job existing_job(AdminContext& ctx, const std::string& id) {
  auto job = ctx.store.jobs.find_job(id);
  if (!job) throw AdminError("not_found", "job not found: " + id);
  return *job;
}

JobSpec parse_job_spec(const CommandArgs& args, int64_t now) {
  args.only({"product", "type", "version", "url", "md5", "size", "sha256", "imageSignature", "versionKey", "devices",
             "fromVersions", "timeoutSeconds", "expiresAt", "maxPerMinute", "abortFailurePercent", "abortMinFinished",
             "dynamic"});
  JobSpec spec;
  spec.product = args.name("product");
  spec.type = args.required_string("type");
  if (!is_valid_upgrade_type(spec.type)) invalid_request("\"type\" must be 1-32 characters of [a-z0-9_]");
  spec.version = args.required_string("version");
  if (!is_valid_version(spec.version)) invalid_request("\"version\" must be 1-64 characters, no control bytes");
  spec.url = args.required_string("url");
  if (!is_valid_url(spec.url)) invalid_request("\"url\" must be an http:// or https:// URL of at most 2048 bytes");
  spec.md5 = lower(args.required_string("md5"));
  if (!is_hex(spec.md5, 32)) invalid_request("\"md5\" must be 32 hex digits");
  auto size = args.optional_int("size", 1, INT64_MAX);
  if (!size) invalid_request("\"size\" is required");
  spec.size = *size;
  spec.sha256 = lower(args.optional_string("sha256").value_or(""));
  if (args.has("sha256") && !is_hex(spec.sha256, 64)) invalid_request("\"sha256\" must be 64 hex digits");
  spec.image_signature = args.optional_string("imageSignature").value_or("");
  if (args.has("imageSignature")) {
    auto raw = base64_decode(spec.image_signature);
    if (!raw || raw->empty() || raw->size() > kMaxImageSignatureBytes) {
      invalid_request("\"imageSignature\" must be base64 of a signature of at most " +
                      std::to_string(kMaxImageSignatureBytes) + " bytes");
    }
  }
  spec.version_key = args.optional_string("versionKey").value_or(spec.type + "_ver");
  if (!is_valid_name(spec.version_key)) invalid_request("\"versionKey\" must be 1-64 characters of [A-Za-z0-9_.-]");
  spec.devices = args.optional_strings("devices", is_valid_name, "device names", kMaxListedDevices);
  spec.from_versions = args.optional_strings("fromVersions", is_valid_version, "versions", kMaxFromVersions);
  spec.timeout_seconds = args.optional_int("timeoutSeconds", 1, kMaxTimeoutSeconds).value_or(86400);
  spec.expires_at = args.optional_int("expiresAt", now + 1, INT64_MAX / 2);
  spec.max_per_minute = args.optional_int("maxPerMinute", 1, kMaxPerMinute);
  spec.abort_failure_percent = args.optional_number("abortFailurePercent", 0, 100);
  spec.abort_min_finished = args.optional_int("abortMinFinished", 1, INT32_MAX);
  if (spec.abort_failure_percent.has_value() != spec.abort_min_finished.has_value()) {
    invalid_request("\"abortFailurePercent\" and \"abortMinFinished\" go together");
  }
  spec.dynamic = args.optional_bool("dynamic").value_or(false);
  if (spec.dynamic && spec.devices) {
    invalid_request("\"dynamic\" jobs target the whole product: narrow them with \"fromVersions\", not \"devices\"");
  }
  return spec;
}

// With plugin_opt_image_keys, an image is sent only with a vendor's signature
// of its SHA-256 that one of the keys verifies (docs/protocol.md 3.10).
void check_image_signature(const JobSpec& spec, const VerifyingKeys& keys) {
  if (spec.sha256.empty()) invalid_request("\"sha256\" is required: plugin_opt_image_keys is set");
  if (spec.image_signature.empty()) invalid_request("\"imageSignature\" is required: plugin_opt_image_keys is set");
  if (!keys.verify_digest(*from_hex(spec.sha256), *base64_decode(spec.image_signature))) {
    invalid_request("\"imageSignature\" does not verify this sha256 with any key of plugin_opt_image_keys");
  }
}

}  // namespace

void admin_create_upgrade(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc) {
  JobSpec spec = parse_job_spec(args, ctx.now_ms);
  if (ctx.options && ctx.options->image_keys) check_image_signature(spec, *ctx.options->image_keys);
  if (!ctx.upgrades) throw AdminError("internal", "createUpgrade reached the read-only path");
  CreateResult r = ctx.upgrades->create(spec, ctx.now_ms, ctx.out);
  data.AddMember("jobId", json_string(r.job_id, alloc), alloc);
  data.AddMember("targeted", rapidjson::Value(static_cast<int64_t>(r.targeted)), alloc);
  rapidjson::Value skipped(rapidjson::kObjectType);
  skipped.AddMember("alreadyAtVersion", rapidjson::Value(static_cast<int64_t>(r.already_at_version)), alloc);
  skipped.AddMember("busy", rapidjson::Value(static_cast<int64_t>(r.busy)), alloc);
  skipped.AddMember("unknown", rapidjson::Value(static_cast<int64_t>(r.unknown)), alloc);
  skipped.AddMember("notInFromVersions", rapidjson::Value(static_cast<int64_t>(r.not_in_from_versions)), alloc);
  data.AddMember("skipped", skipped, alloc);
}

void admin_get_job(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc) {
  args.only({"jobId"});
  data = job_json(existing_job(ctx, job_id_arg(args)), alloc);
}

void admin_list_jobs(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc) {
  args.only({"product", "state", "limit", "cursor"});
  std::optional<std::string> product;
  if (args.has("product")) product = args.name("product");
  std::optional<JobState> state;
  if (auto s = args.optional_string("state")) {
    state = job_state_from(*s);
    if (!state) invalid_request("\"state\" must be in_progress, completed, canceled or aborted");
  }
  int limit = args.limit();
  int64_t before = number_cursor(args, "listJobs");
  auto jobs = ctx.store.jobs.list_jobs(product, state, before, limit + 1);
  bool more = static_cast<int>(jobs.size()) > limit;
  if (more) jobs.pop_back();
  ResponseMeter meter(ctx);
  rapidjson::Value list(rapidjson::kArrayType);
  for (const auto& j : jobs) {
    rapidjson::Value item = job_json(j, alloc);
    meter.add(item);
    list.PushBack(item, alloc);
  }
  data.AddMember("jobs", list, alloc);
  if (more) data.AddMember("cursor", json_string(std::to_string(jobs.back().seq), alloc), alloc);
}

void admin_list_job_executions(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data,
                               JsonAlloc& alloc) {
  args.only({"jobId", "state", "limit", "cursor"});
  Job job = existing_job(ctx, job_id_arg(args));
  std::optional<ExecState> state;
  if (auto s = args.optional_string("state")) {
    state = exec_state_from(*s);
    if (!state) invalid_request("\"state\" is not an execution state");
  }
  int limit = args.limit();
  auto executions = ctx.store.executions.job_executions(job.id, state, args.cursor(), limit + 1);
  bool more = static_cast<int>(executions.size()) > limit;
  if (more) executions.pop_back();
  ResponseMeter meter(ctx);
  rapidjson::Value list(rapidjson::kArrayType);
  for (const auto& e : executions) {
    rapidjson::Value item = execution_json(e, alloc);
    meter.add(item);
    list.PushBack(item, alloc);
  }
  data.AddMember("executions", list, alloc);
  if (more) data.AddMember("cursor", json_string(executions.back().device.device, alloc), alloc);
}

void admin_get_execution(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc) {
  args.only({"jobId", "product", "device", "limit", "cursor"});
  std::string job_id = job_id_arg(args);
  DeviceKey device{args.name("product"), args.name("device")};
  int limit = args.limit();
  int64_t before = number_cursor(args, "getExecution");
  auto e = ctx.store.executions.find_execution(job_id, device.device);
  if (!e || !(e->device == device)) {
    throw AdminError("not_found", "no execution of job " + job_id + " for " + device.username());
  }
  data = execution_json(*e, alloc);
  // The history, newest first, one page of it.
  auto entries = ctx.store.history.history_page(e->id, before, limit + 1);
  bool more = static_cast<int>(entries.size()) > limit;
  if (more) entries.pop_back();
  ResponseMeter meter(ctx);
  rapidjson::Value history(rapidjson::kArrayType);
  for (const auto& h : entries) {
    rapidjson::Value item = history_entry_json(h, alloc);
    meter.add(item);
    history.PushBack(item, alloc);
  }
  data.AddMember("history", history, alloc);
  if (more) data.AddMember("cursor", json_string(std::to_string(entries.back().id), alloc), alloc);
}

void admin_cancel_job(AdminContext& ctx, const CommandArgs& args, rapidjson::Value& data, JsonAlloc& alloc) {
  args.only({"jobId"});
  Job job = existing_job(ctx, job_id_arg(args));
  if (job.state != JobState::InProgress) {
    throw AdminError("conflict", "job " + job.id + " is already " + to_string(job.state));
  }
  if (!ctx.upgrades) throw AdminError("internal", "cancelJob reached the read-only path");
  int64_t canceled = ctx.upgrades->cancel(job.id, ctx.now_ms, ctx.out);
  data.AddMember("jobId", json_string(job.id, alloc), alloc);
  data.AddMember("canceled", rapidjson::Value(static_cast<int64_t>(canceled)), alloc);
}

}  // namespace ota
