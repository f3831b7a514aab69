#include "command.h"

#include <rapidjson/document.h>

#include <vector>

#include "protocol/command_signing.h"
#include "protocol/names.h"
#include "protocol/signatures.h"

namespace ota_agent {
namespace {

std::vector<std::string_view> split(std::string_view topic) {
  std::vector<std::string_view> levels;
  size_t start = 0;
  while (true) {
    const auto slash = topic.find('/', start);
    levels.push_back(topic.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) return levels;
    start = slash + 1;
  }
}

bool is_hex(std::string_view s, size_t length) {
  if (s.size() != length) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Reads an optional string member; false when it is there but not a string.
bool read_string(const rapidjson::Value& doc, const char* name, std::string& out) {
  if (!doc.HasMember(name)) return true;
  if (!doc[name].IsString()) return false;
  out.assign(doc[name].GetString(), doc[name].GetStringLength());
  return true;
}

}  // namespace

ParsedCommand parse_command(std::string_view product, std::string_view device, std::string_view topic,
                            std::string_view payload) {
  // cmd/{product}/{device}/{name}/plain/{request_id}[/{expires_at}]
  const auto levels = split(topic);
  if (levels.size() < 6 || levels.size() > 7 || levels[0] != "cmd" || levels[1] != product ||
      levels[2] != device || levels[4] != "plain") {
    return {std::nullopt, "not an OTA command topic of this device"};
  }
  Command c;
  c.name = std::string(levels[3]);
  if (c.name != "$ota_upgrade" && c.name != "$ota_cancel") return {std::nullopt, "unknown command " + c.name};
  c.request_id = std::string(levels[5]);
  if (!ota::is_valid_message_id(c.request_id)) return {std::nullopt, "invalid request id"};
  if (levels.size() == 7) {
    c.expires_at = std::string(levels[6]);
    if (!all_digits(c.expires_at) || c.expires_at.size() > 18) return {std::nullopt, "invalid expiry in topic"};
  }

  rapidjson::Document doc;
  doc.Parse(payload.data(), payload.size());
  if (doc.HasParseError() || !doc.IsObject()) return {std::nullopt, "payload is not a JSON object"};
  if (!read_string(doc, "type", c.type) || !read_string(doc, "version", c.version) || c.type.empty() ||
      c.version.empty()) {
    return {std::nullopt, "\"type\" and \"version\" must be non-empty strings"};
  }
  if (!read_string(doc, "url", c.url) || !read_string(doc, "md5", c.md5) || !read_string(doc, "sha256", c.sha256) ||
      !read_string(doc, "imageSignature", c.image_signature) || !read_string(doc, "keyId", c.key_id) ||
      !read_string(doc, "sig", c.sig)) {
    return {std::nullopt, "a field that must be a string is not one"};
  }
  if (doc.HasMember("size")) {
    if (!doc["size"].IsUint64()) return {std::nullopt, "\"size\" must be a non-negative integer"};
    c.size = doc["size"].GetUint64();
  }
  c.signed_fields = ota::signed_fields_of(c.name, doc);  // cannot throw: each field is a string or an integer
  return {c, ""};
}

std::string check_upgrade_fields(const Command& c) {
  if (c.url.rfind("http://", 0) != 0 && c.url.rfind("https://", 0) != 0) return "\"url\" must be http:// or https://";
  if (!is_hex(c.md5, 32)) return "\"md5\" must be 32 lowercase hex digits";
  if (!c.size || *c.size == 0) return "\"size\" must be a positive integer";
  if (!c.sha256.empty() && !is_hex(c.sha256, 64)) return "\"sha256\" must be 64 lowercase hex digits";
  return "";
}

std::string check_signature(const Command& c, std::string_view product, std::string_view device,
                            const BrokerKey& key) {
  if (c.key_id.empty() || c.sig.empty()) return "command not signed (no keyId/sig)";
  if (c.key_id != key.key_id) return "command signed by unknown key " + c.key_id + " (expected " + key.key_id + ")";
  const auto signature = ota::base64_decode(c.sig);
  if (!signature || signature->size() != 64) return "sig is not base64 of a 64-byte Ed25519 signature";

  ota::CommandToSign to_sign{product, device, c.name, c.request_id, c.expires_at, {}};
  for (const auto& [name, value] : c.signed_fields) to_sign.fields.emplace_back(name, value);
  std::string message;
  try {
    message = ota::signing_string(to_sign);
  } catch (const std::invalid_argument&) {
    return "a field holds a line break: cannot be signed";
  }
  if (!key.keys->verify_message(message, *signature)) return "signature does not verify with the broker key";
  return "";
}

bool expired(const Command& c, int64_t now_ms) {
  if (c.expires_at.empty()) return false;
  return now_ms > std::stoll(c.expires_at) * 1000;
}

}  // namespace ota_agent
