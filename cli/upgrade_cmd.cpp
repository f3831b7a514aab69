// upgrade create PRODUCT ..., signing-key
#include <chrono>
#include <cstdint>
#include <fstream>
#include <sstream>

#include "args.h"
#include "commands.h"
#include "errors.h"
#include "output.h"
#include "protocol/image_digest.h"
#include "protocol/signatures.h"

namespace ota_cli {
namespace {

constexpr const char* kCreateUsage =
    "upgrade create PRODUCT --type TYPE --version VERSION --url URL (--file IMAGE | --size N --md5 HEX "
    "[--sha256 HEX]) [--image-signature SIG | --sign-with VENDOR_KEY.pem] [--version-key KEY] [--devices D1,D2,...] "
    "[--from V1,V2,...] [--max-per-minute N] [--abort-percent P --abort-min N] [--dynamic] [--expires DURATION] "
    "[--timeout DURATION]";

std::string read_key_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error("cannot read key file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string required(const Args& args, const std::string& option) {
  auto value = args.value(option);
  if (!value) throw usage_error(option + " is required (usage: " + std::string(kCreateUsage) + ")");
  return *value;
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// size, md5, sha256 and imageSignature: from --file, or as given.
void add_image(Command& command, const Args& args) {
  std::string sha256_raw;
  if (auto file = args.value("--file")) {
    if (args.has("--size") || args.has("--md5") || args.has("--sha256")) {
      throw usage_error("--file computes --size, --md5 and --sha256: give one or the other");
    }
    ota::ImageDigest digest;
    try {
      digest = ota::digest_file(*file);
    } catch (const std::exception& e) {
      throw usage_error(e.what());
    }
    command.integer("size", digest.size).str("md5", digest.md5_hex).str("sha256", digest.sha256_hex);
    sha256_raw = digest.sha256;
  } else {
    command.integer("size", parse_int("--size", required(args, "--size"), 1, INT64_MAX));
    command.str("md5", required(args, "--md5"));
    if (auto sha = args.value("--sha256")) {
      command.str("sha256", *sha);
      if (auto raw = ota::from_hex(*sha); raw && raw->size() == 32) sha256_raw = *raw;
    }
  }
  if (args.has("--image-signature") && args.has("--sign-with")) {
    throw usage_error("--image-signature and --sign-with: give one or the other");
  }
  if (auto signature = args.value("--image-signature")) command.str("imageSignature", *signature);
  if (auto key = args.value("--sign-with")) {
    if (sha256_raw.empty()) throw usage_error("--sign-with signs the image's SHA-256: give --file (or --sha256)");
    try {
      command.str("imageSignature", ota::base64_encode(ota::sign_image_digest(read_key_file(*key), sha256_raw)));
    } catch (const CliError&) {
      throw;
    } catch (const std::exception& e) {
      throw usage_error("cannot sign with " + *key + ": " + e.what());
    }
  }
}

void create(Context& ctx, const Tokens& tokens) {
  Args args(tokens, {{"--type", "--version", "--url", "--file", "--size", "--md5", "--sha256", "--image-signature",
                      "--sign-with", "--version-key", "--devices", "--from", "--max-per-minute", "--abort-percent",
                      "--abort-min", "--expires", "--timeout"},
                     {"--dynamic"},
                     1,
                     1,
                     kCreateUsage});
  Command command("createUpgrade");
  command.str("product", args.positional()[0])
      .str("type", required(args, "--type"))
      .str("version", required(args, "--version"))
      .str("url", required(args, "--url"));
  add_image(command, args);
  if (auto key = args.value("--version-key")) command.str("versionKey", *key);
  if (args.has("--devices")) command.strings("devices", args.list("--devices"));
  if (args.has("--from")) command.strings("fromVersions", args.list("--from"));
  if (auto n = args.value("--max-per-minute"))
    command.integer("maxPerMinute", parse_int("--max-per-minute", *n, 1, 6000000));
  if (args.has("--abort-percent") != args.has("--abort-min"))
    throw usage_error("--abort-percent and --abort-min go together");
  if (auto p = args.value("--abort-percent")) {
    command.number("abortFailurePercent", parse_number("--abort-percent", *p, 0, 100));
    command.integer("abortMinFinished", parse_int("--abort-min", *args.value("--abort-min"), 1, 2147483647));
  }
  if (args.flag("--dynamic")) command.boolean("dynamic", true);
  if (auto d = args.value("--expires")) command.integer("expiresAt", now_ms() + parse_duration("--expires", *d) * 1000);
  if (auto d = args.value("--timeout")) command.integer("timeoutSeconds", parse_duration("--timeout", *d));

  rapidjson::Document data = ctx.api().call(command);
  if (ctx.json()) {
    ctx.out() << pretty_json(data) << "\n";
    return;
  }
  ctx.out() << "Created job " << text(data, "jobId") << ": " << integer(data, "targeted") << " devices targeted\n";
  if (data.HasMember("skipped") && data["skipped"].IsObject()) {
    const auto& s = data["skipped"];
    ctx.out() << "Skipped: " << integer(s, "alreadyAtVersion") << " already at the version, " << integer(s, "busy")
              << " busy, " << integer(s, "unknown") << " unknown, " << integer(s, "notInFromVersions")
              << " not at a --from version\n";
  }
}

}  // namespace

void upgrade_command(Context& ctx, const Tokens& tokens) {
  if (tokens.empty() || tokens[0] != "create") throw usage_error("usage: " + std::string(kCreateUsage));
  create(ctx, Tokens(tokens.begin() + 1, tokens.end()));
}

void signing_key_command(Context& ctx, const Tokens& tokens) {
  Args args(tokens, {{}, {}, 0, 0, "signing-key"});
  Command command("getSigningKey");
  rapidjson::Document data = ctx.api().call(command);
  if (ctx.json()) {
    ctx.out() << pretty_json(data) << "\n";
    return;
  }
  ctx.out() << "Key id: " << text(data, "keyId") << "\n" << text(data, "publicKeyPem");
}

}  // namespace ota_cli
