#pragma once
// Small helpers the PostgreSQL repositories share.
#include <optional>
#include <string>
#include <vector>

#include "pgstorage/pg_connection.h"
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

inline std::optional<std::string> pg_non_empty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

inline std::optional<int64_t> pg_optional(const std::optional<int>& n) {
  if (!n) return std::nullopt;
  return *n;
}

}  // namespace ota
