#pragma once
// One chunk of a device's progress history as stored in progress_chunks.reports:
// a JSON array, oldest first. An entry is a whole report, or only its message
// id once the report is past the device's progress_history (the id still serves
// duplicate detection after a restart).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ota {

struct ProgressRecord {
  std::string message_id;
  std::string type;
  std::string version;
  int progress = 0;
  std::string desc;
  int64_t at = 0;
};

struct ChunkEntry {
  ProgressRecord record;  // only message_id is meaningful when not whole
  bool whole = true;
};

// progress_json's stored form per whole entry, {"messageId"} per id.
std::string encode_chunk(const ChunkEntry* entries, size_t count);
inline std::string encode_chunk(const std::vector<ChunkEntry>& entries) {
  return encode_chunk(entries.data(), entries.size());
}
// Oldest first; nothing for text that is not such an array.
std::vector<ChunkEntry> decode_chunk(std::string_view json);
// The chunk without its first `count` entries, cut from the text without
// decoding it (a device's oldest chunk loses a few entries at nearly every
// commit once its history is full). Empty when the text does not hold more
// than `count` entries as encode_chunk writes them.
std::optional<std::string> drop_first_entries(std::string_view json, size_t count);

}  // namespace ota
