#include "verify.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include "protocol/signatures.h"

namespace ota_agent {
namespace {

struct Digests {
  uint64_t size = 0;
  std::string md5;     // raw
  std::string sha256;  // raw
};

// Both digests in one pass over the file; empty md5 when it cannot be read.
Digests digest_file(const std::string& path, std::string& error) {
  Digests d;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    return d;
  }
  using Ctx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
  Ctx md5(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  Ctx sha(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(md5.get(), EVP_md5(), nullptr);
  EVP_DigestInit_ex(sha.get(), EVP_sha256(), nullptr);
  char buffer[64 * 1024];
  while (in) {
    in.read(buffer, sizeof buffer);
    const auto n = static_cast<size_t>(in.gcount());
    EVP_DigestUpdate(md5.get(), buffer, n);
    EVP_DigestUpdate(sha.get(), buffer, n);
    d.size += n;
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(md5.get(), out, &length);
  d.md5.assign(reinterpret_cast<char*>(out), length);
  EVP_DigestFinal_ex(sha.get(), out, &length);
  d.sha256.assign(reinterpret_cast<char*>(out), length);
  return d;
}

}  // namespace

std::string check_image(const std::string& path, const ImageExpectation& expected,
                        const ota::VerifyingKeys* vendor_keys) {
  std::string error;
  const Digests d = digest_file(path, error);
  if (!error.empty()) return error;
  if (d.size != expected.size) {
    return "size mismatch: got " + std::to_string(d.size) + " bytes, expected " + std::to_string(expected.size);
  }
  if (ota::to_hex(d.md5) != expected.md5) return "md5 mismatch: got " + ota::to_hex(d.md5) + ", expected " + expected.md5;
  if (!expected.sha256.empty() && ota::to_hex(d.sha256) != expected.sha256) {
    return "sha256 mismatch: got " + ota::to_hex(d.sha256) + ", expected " + expected.sha256;
  }
  if (vendor_keys == nullptr) return "";
  if (expected.image_signature.empty()) return "image not signed: the command has no imageSignature";
  const auto signature = ota::base64_decode(expected.image_signature);
  if (!signature) return "imageSignature is not base64";
  if (!vendor_keys->verify_digest(d.sha256, *signature)) return "image signature verifies with no trusted vendor key";
  return "";
}

}  // namespace ota_agent
