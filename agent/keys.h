#pragma once
// The public keys the agent trusts, read from PEM files: the broker's key that
// signs commands, the vendors' keys that sign images.
#include <string>
#include <vector>

#include "protocol/signatures.h"

namespace ota_agent {

struct TrustedKeys {
  ota::VerifyingKeys keys;
  std::vector<std::string> ids;  // the key id of each key, in file order
};

// Throws std::runtime_error saying what is wrong with the file.
TrustedKeys load_trusted_keys(const std::string& path);

}  // namespace ota_agent
