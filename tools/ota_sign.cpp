// ota-sign: what createUpgrade needs to know of an image file, as JSON members
// to paste into the command: size, md5, sha256 and, given a vendor's private
// key (Ed25519 or ECDSA P-256), imageSignature (docs/protocol.md 3.10).
//
//   ota-sign fw-1.1.bin vendor.pem
//   {"size":1048576,"md5":"…","sha256":"…","imageSignature":"…"}
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "protocol/image_digest.h"
#include "protocol/signatures.h"

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read key file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: ota-sign IMAGE [VENDOR_PRIVATE_KEY.pem]\n");
    return 2;
  }
  try {
    const ota::ImageDigest d = ota::digest_file(argv[1]);
    std::string out = "{\"size\":" + std::to_string(d.size) + ",\"md5\":\"" + d.md5_hex + "\",\"sha256\":\"" +
                      d.sha256_hex + "\"";
    if (argc == 3) {
      std::string signature = ota::sign_image_digest(read_text(argv[2]), d.sha256);
      out += ",\"imageSignature\":\"" + ota::base64_encode(signature) + "\"";
    }
    std::printf("%s}\n", out.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ota-sign: %s\n", e.what());
    return 1;
  }
}
