#include "ota/ids.h"

#include <openssl/rand.h>

#include <stdexcept>

namespace ota {

std::string random_id() {
  unsigned char bytes[12];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random bytes from OpenSSL");
  static const char* hex = "0123456789abcdef";
  std::string id;
  id.reserve(sizeof bytes * 2);
  for (unsigned char b : bytes) {
    id += hex[b >> 4];
    id += hex[b & 0xf];
  }
  return id;
}

}  // namespace ota
