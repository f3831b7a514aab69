#pragma once
// Small helpers the SQLite repositories share: reading rows into values,
// optional text columns, and state lists written out from store/states.h.
#include <optional>
#include <string>
#include <vector>

#include "storage/sqlite.h"
#include "store/states.h"

namespace ota {

template <typename Read>
auto read_all(Statement& s, Read read) {
  std::vector<decltype(read(s))> out;
  while (s.step()) out.push_back(read(s));
  return out;
}

inline std::optional<std::string> non_empty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

}  // namespace ota
