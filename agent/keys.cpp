#include "keys.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <memory>
#include <stdexcept>

namespace ota_agent {

TrustedKeys load_trusted_keys(const std::string& path) {
  TrustedKeys trusted{ota::VerifyingKeys::from_pem_file(path), {}};
  // VerifyingKeys keeps its ids to itself; read them again here, in the same order.
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(path.c_str(), "r"), BIO_free);
  if (!bio) throw std::runtime_error("cannot read " + path);
  while (EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)) {
    ota::Pkey owned(key);
    trusted.ids.push_back(ota::key_id(key));
  }
  ERR_clear_error();  // the end of the file leaves a "no start line" behind
  if (trusted.ids.size() != trusted.keys.size()) throw std::runtime_error(path + ": unreadable public key");
  return trusted;
}

}  // namespace ota_agent
