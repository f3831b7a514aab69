#pragma once
// What the PostgreSQL backend throws: libpq's words (with any password taken
// out) and whether the server, not the data, failed.
#include <string>
#include <utility>

#include "store/store_error.h"

namespace ota {

struct PgError : StoreError {
  PgError(const std::string& what, std::string sqlstate, bool connection_lost)
      : StoreError(what), sqlstate(std::move(sqlstate)), connection_lost(connection_lost) {}
  explicit PgError(const std::string& what) : PgError(what, "", false) {}
  // The connection is gone, or the server refused for a reason of its own
  // (out of disk or memory, shutting down, a deadlock or serialization
  // failure): the same writes may succeed later, on a new connection.
  bool storage_fault() const override;

  std::string sqlstate;  // five characters, empty when the server gave none
  bool connection_lost;
};

}  // namespace ota
