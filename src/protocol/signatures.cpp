#include "protocol/signatures.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ota {

namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};

std::string read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("cannot read ") + what + " " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::unique_ptr<BIO, BioFree> memory_bio(std::string_view text) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// The next "PUBLIC KEY" block of `bio` (other blocks are skipped), null at the
// end. A damaged block is refused rather than dropped: the vendor it names would
// silently not be trusted. (PEM_read_bio_PUBKEY tells neither apart from the end.)
Pkey next_public_key(BIO* bio, size_t number) {
  const auto damaged = [number] {
    return std::runtime_error("key " + std::to_string(number) + " is not a PEM public key");
  };
  while (true) {
    ERR_clear_error();
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio, &name, &header, &data, &len) != 1) {
      const unsigned long error = ERR_peek_last_error();
      ERR_clear_error();
      if (ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE) return nullptr;
      throw damaged();
    }
    const bool is_public_key = std::string_view(name) == PEM_STRING_PUBLIC;
    const unsigned char* p = data;
    Pkey key(is_public_key ? d2i_PUBKEY(nullptr, &p, len) : nullptr);
    const bool whole = p == data + len;
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    ERR_clear_error();
    if (!is_public_key) continue;
    if (!key || !whole) throw damaged();
    return key;
  }
}

bool is_p256(EVP_PKEY* key) {
  char group[64] = {};
  size_t len = 0;
  return EVP_PKEY_get_base_id(key) == EVP_PKEY_EC &&
         EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &len) == 1 &&
         std::string_view(group, len) == "prime256v1";
}

// Ed25519 verification of `signature` over `message`.
bool ed25519_verifies(EVP_PKEY* key, std::string_view message, std::string_view signature) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

std::string ed25519_sign(EVP_PKEY* key, std::string_view message) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  unsigned char signature[64];
  size_t len = sizeof signature;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), signature, &len, reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    throw std::runtime_error("Ed25519 signing failed");
  }
  return std::string(reinterpret_cast<const char*>(signature), len);
}

Pkey read_private_key(std::string_view pem) {
  auto bio = memory_bio(pem);
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) throw std::runtime_error("not a PEM private key");
  return key;
}

// ECDSA verification of a DER `signature` over a SHA-256 `digest`.
bool ecdsa_verifies(EVP_PKEY* key, std::string_view digest, std::string_view signature) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new(key, nullptr));
  return ctx && EVP_PKEY_verify_init(ctx.get()) == 1 && EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) == 1 &&
         EVP_PKEY_verify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                         reinterpret_cast<const unsigned char*>(digest.data()), digest.size()) == 1;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t group = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) group |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    if (i + 2 < bytes.size()) group |= static_cast<unsigned char>(bytes[i + 2]);
    out += kBase64[(group >> 18) & 63];
    out += kBase64[(group >> 12) & 63];
    out += i + 1 < bytes.size() ? kBase64[(group >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kBase64[group & 63] : '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int v[4];
    int padding = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = text[i + static_cast<size_t>(j)];
      if (c == '=' && last && j >= 2) {
        v[j] = 0;
        ++padding;
        continue;
      }
      if (padding > 0) return std::nullopt;  // a digit after '='
      v[j] = base64_value(c);
      if (v[j] < 0) return std::nullopt;
    }
    const uint32_t group = static_cast<uint32_t>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
    // The bits that padding leaves over must be zero: one text per byte string.
    if ((padding == 1 && (group & 0xff) != 0) || (padding == 2 && (group & 0xffff) != 0)) return std::nullopt;
    out += static_cast<char>(group >> 16);
    if (padding < 2) out += static_cast<char>((group >> 8) & 0xff);
    if (padding < 1) out += static_cast<char>(group & 0xff);
  }
  return out;
}

std::string sha256(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

std::string to_hex(std::string_view bytes) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += hex[b >> 4];
    out += hex[b & 0xf];
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
  auto digit = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int high = digit(hex[i]), low = digit(hex[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high << 4 | low);
  }
  return out;
}

std::string key_id(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  if (len <= 0) throw std::runtime_error("cannot encode the public key");
  std::string digest = sha256(std::string_view(reinterpret_cast<const char*>(der), static_cast<size_t>(len)));
  OPENSSL_free(der);
  return to_hex(std::string_view(digest).substr(0, 8));
}

SigningKey::SigningKey(Pkey key) : key_(key.release(), EVP_PKEY_free), id_(key_id(key_.get())) {}

SigningKey SigningKey::from_pem(std::string_view pem) {
  Pkey key = read_private_key(pem);
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519) throw std::runtime_error("not an Ed25519 private key");
  return SigningKey(std::move(key));
}

SigningKey SigningKey::from_pem_file(const std::string& path) {
  return from_pem(read_file(path, "key file"));
}

std::string SigningKey::sign(std::string_view message) const { return ed25519_sign(key_.get(), message); }

std::string sign_image_digest(std::string_view pem, std::string_view digest) {
  Pkey key = read_private_key(pem);
  if (EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_ED25519) return ed25519_sign(key.get(), digest);
  if (!is_p256(key.get())) throw std::runtime_error("neither an Ed25519 nor an ECDSA P-256 private key");
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
  unsigned char der[128];
  size_t len = sizeof der;
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_sign(ctx.get(), der, &len, reinterpret_cast<const unsigned char*>(digest.data()), digest.size()) != 1) {
    throw std::runtime_error("ECDSA signing failed");
  }
  return std::string(reinterpret_cast<const char*>(der), len);
}

std::string SigningKey::public_key_pem() const {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) throw std::runtime_error("cannot write the public key");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

VerifyingKeys VerifyingKeys::from_pem(std::string_view pem) {
  VerifyingKeys keys;
  auto bio = memory_bio(pem);
  while (true) {
    Pkey key = next_public_key(bio.get(), keys.keys_.size() + 1);
    if (!key) break;
    const bool ed25519 = EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_ED25519;
    if (!ed25519 && !is_p256(key.get())) {
      throw std::runtime_error("key " + std::to_string(keys.keys_.size() + 1) + " is neither Ed25519 nor ECDSA P-256");
    }
    std::string id = key_id(key.get());
    keys.keys_.push_back(Key{std::shared_ptr<EVP_PKEY>(key.release(), EVP_PKEY_free), std::move(id), ed25519});
  }
  if (keys.keys_.empty()) throw std::runtime_error("no PEM public key in it");
  return keys;
}

VerifyingKeys VerifyingKeys::from_pem_file(const std::string& path) { return from_pem(read_file(path, "key file")); }

std::optional<std::string> VerifyingKeys::verify_message(std::string_view message, std::string_view signature) const {
  for (const auto& k : keys_) {
    if (k.ed25519 && ed25519_verifies(k.key.get(), message, signature)) return k.id;
  }
  return std::nullopt;
}

std::optional<std::string> VerifyingKeys::verify_digest(std::string_view digest, std::string_view signature) const {
  for (const auto& k : keys_) {
    const bool ok = k.ed25519 ? ed25519_verifies(k.key.get(), digest, signature)
                              : ecdsa_verifies(k.key.get(), digest, signature);
    if (ok) return k.id;
  }
  return std::nullopt;
}

}  // namespace ota
