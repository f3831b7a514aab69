#pragma once
// What identifies an image file: its size, MD5 and SHA-256 (the fields of
// createUpgrade and $ota_upgrade), read in one pass however large it is.
#include <cstdint>
#include <string>

namespace ota {

struct ImageDigest {
  int64_t size = 0;
  std::string md5_hex;
  std::string sha256;  // the 32 raw bytes: what an image signature signs
  std::string sha256_hex;
};

// Throws std::runtime_error when the file cannot be read.
ImageDigest digest_file(const std::string& path);

}  // namespace ota
