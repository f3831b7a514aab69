#pragma once
// Small RapidJSON helpers shared by the admin API and the engine.
#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace ota {

using JsonAlloc = rapidjson::Document::AllocatorType;

std::string to_json(const rapidjson::Value& value);

inline rapidjson::Value json_string(std::string_view s, JsonAlloc& alloc) {
  return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), alloc);
}

// Parses text known to be a JSON document (e.g. a stored status) into a value of `alloc`;
// null when it does not parse.
rapidjson::Value parse_json(std::string_view text, JsonAlloc& alloc);

}  // namespace ota
