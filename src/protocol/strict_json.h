#pragma once
// The one JSON parser for everything the plugin reads: device reports, admin
// requests and data read back from the store (SPEC "Bounded parsing"). On top
// of RapidJSON's iterative (non-recursive) parser it refuses nesting deeper
// than kMaxJsonDepth, objects with more than kMaxJsonMembers members,
// duplicate member names, NUL in strings or names, and invalid UTF-8 (raw or
// made by \u escapes, e.g. a lone surrogate).
#include <rapidjson/document.h>
#include <rapidjson/reader.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace ota {

inline constexpr int kMaxJsonDepth = 32;  // open objects and arrays; a scalar alone is depth 0
inline constexpr size_t kMaxJsonMembers = 1000;

// Parses `text` into `doc` (whose allocator receives the values). Returns
// empty on success, else why the text is refused; `doc` is then unspecified.
std::string parse_strict_json(std::string_view text, rapidjson::Document& doc);

// The same parser for a hot path (a device report on the broker thread): it
// keeps its reader, value and stack buffers from one text to the next, so a
// small text (a few KiB of values) is parsed without allocating.
class StrictJsonParser {
 public:
  StrictJsonParser();
  StrictJsonParser(const StrictJsonParser&) = delete;
  StrictJsonParser& operator=(const StrictJsonParser&) = delete;

  // As parse_strict_json(); root() is valid until the next parse.
  std::string parse(std::string_view text);
  const rapidjson::Value& root() const { return doc_; }

 private:
  using Pool = rapidjson::MemoryPoolAllocator<>;
  // The document's stack lives in a pool too: RapidJSON frees a document's
  // stack after every parse when it comes from the heap.
  using Doc = rapidjson::GenericDocument<rapidjson::UTF8<>, Pool, Pool>;

  char values_buffer_[8192];
  char stack_buffer_[4096];
  Pool values_;
  Pool stack_;
  Doc doc_;
  rapidjson::Reader reader_;
};

// UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing past U+10FFFF.
bool is_valid_utf8(std::string_view s);

// `s` with every invalid UTF-8 sequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view s);

}  // namespace ota
