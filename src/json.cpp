#include "mosquitto_ota/json.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace ota {

std::string to_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

rapidjson::Value parse_json(std::string_view text, JsonAlloc& alloc) {
  rapidjson::Document doc(&alloc);
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) return rapidjson::Value();
  rapidjson::Value out;
  out.CopyFrom(doc, alloc);
  return out;
}

}  // namespace ota
