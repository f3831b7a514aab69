#include "storage/progress_chunk.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "storage/progress_json.h"

namespace ota {
namespace {

std::string text_member(const rapidjson::Value& o, const char* name) {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || !it->value.IsString()) return "";
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

int64_t int_member(const rapidjson::Value& o, const char* name) {
  auto it = o.FindMember(name);
  return it != o.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}

}  // namespace

std::string encode_chunk(const ChunkEntry* entries, size_t count) {
  rapidjson::Document chunk(rapidjson::kArrayType);
  auto& alloc = chunk.GetAllocator();
  for (size_t i = 0; i < count; ++i) {
    const ChunkEntry& e = entries[i];
    if (e.whole) {
      chunk.PushBack(progress_json(e.record, ProgressForm::Stored, alloc), alloc);
    } else {
      rapidjson::Value id(rapidjson::kObjectType);
      id.AddMember("messageId", json_string(e.record.message_id, alloc), alloc);
      chunk.PushBack(id, alloc);
    }
  }
  // A plain Writer, not to_json: what is stored is kept as it came, mended only in answers.
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  chunk.Accept(w);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::vector<ChunkEntry> decode_chunk(std::string_view json) {
  rapidjson::Document doc;
  // Not strict: a chunk holds what reports held, and an older plugin stored
  // descs unchecked (answers mend them). Iterative: nothing recurses on stored data.
  doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
  std::vector<ChunkEntry> out;
  if (doc.HasParseError() || !doc.IsArray()) return out;
  out.reserve(doc.Size());
  for (const auto& o : doc.GetArray()) {
    if (!o.IsObject()) continue;
    ChunkEntry e;
    e.record.message_id = text_member(o, "messageId");
    e.whole = o.HasMember("type");
    if (e.whole) {
      e.record.type = text_member(o, "type");
      e.record.version = text_member(o, "version");
      e.record.progress = static_cast<int>(int_member(o, "progress"));
      e.record.desc = text_member(o, "desc");
      e.record.at = int_member(o, "at");
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::optional<std::string> drop_first_entries(std::string_view json, size_t count) {
  if (json.size() < 2 || json.front() != '[' || json.back() != ']') return std::nullopt;
  if (count == 0) return std::string(json);
  // Entries are separated by the commas at depth 1, outside strings.
  int depth = 0;
  bool in_string = false, escaped = false;
  size_t separators = 0;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        ++depth;
        break;
      case ']':
      case '}':
        --depth;
        break;
      case ',':
        if (depth == 1 && ++separators == count) return "[" + std::string(json.substr(i + 1));
        break;
      default:
        break;
    }
  }
  return std::nullopt;
}

}  // namespace ota
