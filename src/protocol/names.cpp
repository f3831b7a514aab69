#include "protocol/names.h"

namespace ota {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

template <typename CharOk>
bool all_of_length(std::string_view s, size_t max_len, CharOk ok) {
  if (s.empty() || s.size() > max_len) return false;
  for (char c : s) {
    if (!ok(c)) return false;
  }
  return true;
}

}  // namespace

bool is_valid_name(std::string_view s) {
  return all_of_length(s, 64, [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; });
}

bool is_valid_message_id(std::string_view s) {
  return all_of_length(s, 64, [](char c) { return is_alnum(c) || c == '_' || c == '-'; });
}

bool is_valid_upgrade_type(std::string_view s) {
  return all_of_length(s, 32, [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

}  // namespace ota
