#pragma once
// Keys and signatures, on OpenSSL: the broker's Ed25519 key that signs OTA
// commands, and the public keys that verify them or a vendor's image signature
// (docs/protocol.md 3.9, 3.10).
#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ota {

// Standard base64 with padding.
std::string base64_encode(std::string_view bytes);
// Strict: the standard alphabet, padded to a multiple of 4, nothing else
// (no whitespace); nullopt otherwise.
std::optional<std::string> base64_decode(std::string_view text);

// The raw 32-byte SHA-256 of `bytes`.
std::string sha256(std::string_view bytes);
// Lowercase hex of `bytes`.
std::string to_hex(std::string_view bytes);
// The bytes of hex digits (either case); nullopt when `hex` is not an even count of them.
std::optional<std::string> from_hex(std::string_view hex);

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// 16 hex digits: the first 8 bytes of the SHA-256 of the public key in DER.
std::string key_id(EVP_PKEY* key);

// An Ed25519 private key that signs.
class SigningKey {
 public:
  // Throws std::runtime_error saying what is wrong with the file.
  static SigningKey from_pem_file(const std::string& path);
  static SigningKey from_pem(std::string_view pem);

  std::string sign(std::string_view message) const;  // the 64 raw bytes
  const std::string& id() const { return id_; }
  std::string public_key_pem() const;

 private:
  explicit SigningKey(Pkey key);
  std::shared_ptr<EVP_PKEY> key_;
  std::string id_;
};

// A vendor's signature of an image whose SHA-256 is `digest` (docs/protocol.md
// 3.10) with the private key in `pem`: Ed25519 over the digest, or ECDSA P-256
// with the digest as its hash (DER). Throws std::runtime_error for another key.
std::string sign_image_digest(std::string_view pem, std::string_view digest);

// One or more public keys (Ed25519 or ECDSA P-256) that verify.
class VerifyingKeys {
 public:
  // Every PUBLIC KEY block of the PEM text; throws std::runtime_error when
  // there is none, or one is not Ed25519 or ECDSA P-256.
  static VerifyingKeys from_pem_file(const std::string& path);
  static VerifyingKeys from_pem(std::string_view pem);

  // The id of the key that verifies `signature` over `message` (Ed25519
  // keys only: commands are signed with Ed25519), or nullopt.
  std::optional<std::string> verify_message(std::string_view message, std::string_view signature) const;
  // The id of the key that verifies `signature` over an image whose SHA-256
  // is `digest` (32 raw bytes): Ed25519 signs the digest as its message,
  // ECDSA P-256 signs it as the hash (DER signature), or nullopt.
  std::optional<std::string> verify_digest(std::string_view digest, std::string_view signature) const;
  size_t size() const { return keys_.size(); }

 private:
  struct Key {
    std::shared_ptr<EVP_PKEY> key;
    std::string id;
    bool ed25519;
  };
  std::vector<Key> keys_;
};

}  // namespace ota
