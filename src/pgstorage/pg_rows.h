#pragma once
// Small helpers the PostgreSQL repositories share.
#include <optional>
#include <string>
#include <vector>

#include "pgstorage/pg_connection.h"
#include "protocol/device_key.h"
#include "store/states.h"

namespace ota {

template <typename Read>
auto pg_read_all(const PgResult& r, Read read) {
  std::vector<decltype(read(r, 0))> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read(r, i));
  return out;
}

inline std::vector<std::string> pg_texts(const PgResult& r) {
  return pg_read_all(r, [](const PgResult& res, int row) { return res.text_at(row, 0); });
}

// Devices as two parallel text arrays, for unnest($1::text[], $2::text[]).
// A name that is not UTF-8 is left out (add() says so): PostgreSQL would
// refuse the whole array, and no row can hold such a name.
struct PgDeviceArrays {
  PgArray products, names;
  size_t size = 0;
  bool add(const DeviceKey& d) {
    if (!pg_is_utf8(d.product) || !pg_is_utf8(d.device)) return false;
    products.add(d.product);
    names.add(d.device);
    ++size;
    return true;
  }
};

inline std::optional<std::string> pg_non_empty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

inline std::optional<int64_t> pg_optional(const std::optional<int>& n) {
  if (!n) return std::nullopt;
  return *n;
}

}  // namespace ota
