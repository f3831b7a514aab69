#pragma once
// What a store backend throws when an operation fails.
#include <stdexcept>
#include <string>

namespace ota {

struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
  // The disk, the file or the connection failed, not the data: the same
  // writes may succeed when retried later.
  virtual bool storage_fault() const = 0;
};

}  // namespace ota
