#pragma once
// Checks a downloaded image against its command: size, MD5, SHA-256 and,
// when the agent trusts vendor keys, the image signature (docs/protocol.md 3.10).
#include <cstdint>
#include <string>

namespace ota {
class VerifyingKeys;
}

namespace ota_agent {

struct ImageExpectation {
  uint64_t size = 0;
  std::string md5;              // lowercase hex
  std::string sha256;           // lowercase hex; empty: not checked
  std::string image_signature;  // base64; checked against vendor_keys
};

// Empty when the image is good, otherwise the first mismatch ("md5 mismatch: ...").
// Without vendor keys (nullptr) the signature is not checked; with them, an
// image without a signature is refused.
std::string check_image(const std::string& path, const ImageExpectation& expected,
                        const ota::VerifyingKeys* vendor_keys);

}  // namespace ota_agent
