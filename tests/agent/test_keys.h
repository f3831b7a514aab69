#pragma once
// Keys made with OpenSSL for the tests: Ed25519 and ECDSA P-256 pairs, their
// PEM forms, and image signatures as a vendor makes them (docs/protocol.md 3.10).
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <string>

#include "protocol/signatures.h"

namespace ota_test {

// EVP_PKEY_ED25519 or EVP_PKEY_EC (P-256).
inline ota::Pkey generate_key(int type) {
  if (type == EVP_PKEY_EC) return ota::Pkey(EVP_EC_gen("P-256"));
  EVP_PKEY* key = nullptr;
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_id(type, nullptr),
                                                                  EVP_PKEY_CTX_free);
  EVP_PKEY_keygen_init(ctx.get());
  EVP_PKEY_keygen(ctx.get(), &key);
  return ota::Pkey(key);
}

inline std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

inline std::string public_pem(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), key);
  return bio_text(bio.get());
}

inline std::string private_pem(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return bio_text(bio.get());
}

// Base64 of a vendor's signature of an image whose SHA-256 is `digest` (raw).
inline std::string sign_digest(EVP_PKEY* key, const std::string& digest) {
  return ota::base64_encode(ota::sign_image_digest(private_pem(key), digest));
}

}  // namespace ota_test
