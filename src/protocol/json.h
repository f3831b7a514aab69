#pragma once
// Small RapidJSON helpers shared by the admin API and the engine.
#include <rapidjson/document.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace ota {

using JsonAlloc = rapidjson::Document::AllocatorType;

// Always valid UTF-8 JSON: a string that is not valid UTF-8 (data an older
// plugin stored unchecked) is written with U+FFFD in place of its bad bytes.
std::string to_json(const rapidjson::Value& value);

// Appends to_json(value) to `out` unless that would take `out` past `max_size`:
// then `out` is left as it was and the answer is false.
bool append_json(const rapidjson::Value& value, std::string& out, size_t max_size);

// The size of to_json(value), without building it.
size_t json_size(const rapidjson::Value& value);

inline rapidjson::Value json_string(std::string_view s, JsonAlloc& alloc) {
  return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), alloc);
}

// Parses stored JSON text (e.g. a status) strictly (strict_json.h) into a value
// of `alloc`; null when it does not parse so.
rapidjson::Value parse_json(std::string_view text, JsonAlloc& alloc);

}  // namespace ota
