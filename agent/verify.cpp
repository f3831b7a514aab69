#include "verify.h"

#include <stdexcept>

#include "protocol/image_digest.h"
#include "protocol/signatures.h"

namespace ota_agent {

std::string check_image(const std::string& path, const ImageExpectation& expected,
                        const ota::VerifyingKeys* vendor_keys) {
  ota::ImageDigest d;
  try {
    d = ota::digest_file(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  if (static_cast<uint64_t>(d.size) != expected.size) {
    return "size mismatch: got " + std::to_string(d.size) + " bytes, expected " + std::to_string(expected.size);
  }
  if (d.md5_hex != expected.md5) return "md5 mismatch: got " + d.md5_hex + ", expected " + expected.md5;
  if (!expected.sha256.empty() && d.sha256_hex != expected.sha256) {
    return "sha256 mismatch: got " + d.sha256_hex + ", expected " + expected.sha256;
  }
  if (vendor_keys == nullptr) return "";
  if (expected.image_signature.empty()) return "image not signed: the command has no imageSignature";
  const auto signature = ota::base64_decode(expected.image_signature);
  if (!signature) return "imageSignature is not base64";
  if (!vendor_keys->verify_digest(d.sha256, *signature)) return "image signature verifies with no trusted vendor key";
  return "";
}

}  // namespace ota_agent
