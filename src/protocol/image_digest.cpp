#include "protocol/image_digest.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "protocol/signatures.h"

namespace ota {

namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct FileClose {
  void operator()(FILE* f) const { std::fclose(f); }
};

std::string final_digest(EVP_MD_CTX* ctx) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx, out, &len) != 1) throw std::runtime_error("digest failed");
  return std::string(reinterpret_cast<const char*>(out), len);
}

}  // namespace

ImageDigest digest_file(const std::string& path) {
  std::unique_ptr<FILE, FileClose> file(std::fopen(path.c_str(), "rb"));
  if (!file) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> md5(EVP_MD_CTX_new()), sha(EVP_MD_CTX_new());
  if (!md5 || !sha || EVP_DigestInit_ex(md5.get(), EVP_md5(), nullptr) != 1 ||
      EVP_DigestInit_ex(sha.get(), EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("no MD5 or SHA-256 in OpenSSL");
  }
  ImageDigest d;
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
    EVP_DigestUpdate(md5.get(), buffer, n);
    EVP_DigestUpdate(sha.get(), buffer, n);
    d.size += static_cast<int64_t>(n);
  }
  if (std::ferror(file.get())) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
  d.md5_hex = to_hex(final_digest(md5.get()));
  d.sha256 = final_digest(sha.get());
  d.sha256_hex = to_hex(d.sha256);
  return d;
}

}  // namespace ota
