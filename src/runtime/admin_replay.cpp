#include "runtime/admin_replay.h"

#include <openssl/evp.h>

#include <new>
#include <stdexcept>

namespace ota {

std::string admin_request_key(std::string_view client_id, std::string_view payload,
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

}  // namespace ota
