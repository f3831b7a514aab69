#include "storage/admin_requests.h"

#include <openssl/evp.h>

namespace ota {

AdminRequestLog::AdminRequestLog(Db& db)
    : find_(db, "SELECT response FROM admin_requests WHERE key = ?1 AND at >= ?2"),
      insert_(db, "INSERT OR REPLACE INTO admin_requests(key, response, at) VALUES (?1, ?2, ?3)"),
      expire_(db, "DELETE FROM admin_requests WHERE at < ?1") {}

AdminRequestLog::~AdminRequestLog() = default;

std::string AdminRequestLog::key(std::string_view client_id, std::string_view payload,
                                 const std::optional<std::string>& correlation_data) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx) throw std::bad_alloc();
  // Lengths first, so that no two different triples hash the same bytes.
  const uint64_t sizes[3] = {client_id.size(), payload.size(), correlation_data ? correlation_data->size() + 1 : 0};
  unsigned char digest[32];
  unsigned int digest_len = 0;
  bool ok = EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) && EVP_DigestUpdate(ctx, sizes, sizeof sizes) &&
            EVP_DigestUpdate(ctx, client_id.data(), client_id.size()) &&
            EVP_DigestUpdate(ctx, payload.data(), payload.size()) &&
            (!correlation_data || EVP_DigestUpdate(ctx, correlation_data->data(), correlation_data->size())) &&
            EVP_DigestFinal_ex(ctx, digest, &digest_len);
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error("SHA-256 failed");
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < digest_len; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

std::optional<std::string> AdminRequestLog::answer_of(const std::string& key, int64_t now_ms) {
  auto& q = find_.with(key, now_ms - kAdminReplayWindowMs);
  if (!q.step()) return std::nullopt;
  std::string response = q.text_at(0);
  q.finish();
  return response;
}

void AdminRequestLog::remember(const std::string& key, const std::string& response, int64_t now_ms) {
  expire_.with(now_ms - kAdminReplayWindowMs).run();
  insert_.with(key, response, now_ms).run();
}

}  // namespace ota
