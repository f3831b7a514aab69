#include "protocol/strict_json.h"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace ota {
namespace {

// Length of the valid UTF-8 sequence that starts `p` (n bytes left), or 0.
// The ranges of the second byte exclude overlong forms, surrogates and
// code points past U+10FFFF (Unicode, table 3-7).
size_t utf8_sequence_length(const unsigned char* p, size_t n) {
  const unsigned char c = p[0];
  if (c < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80, high = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    length = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    length = 3;
    if (c == 0xe0) low = 0xa0;
    if (c == 0xed) high = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    length = 4;
    if (c == 0xf0) low = 0x90;
    if (c == 0xf4) high = 0x8f;
  } else {
    return 0;
  }
  if (n < length || p[1] < low || p[1] > high) return 0;
  for (size_t k = 2; k < length; ++k) {
    if ((p[k] & 0xc0) != 0x80) return 0;
  }
  return length;
}

template <bool kNulAllowed>
bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    // ASCII without NUL, 8 bytes at a time: most of a long string.
    while (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      const bool has_zero = ((word - 0x0101010101010101ull) & ~word & 0x8080808080808080ull) != 0;
      if ((word & 0x8080808080808080ull) != 0 || has_zero) break;
      i += 8;
    }
    if (i == n) break;
    const unsigned char c = p[i];
    if (c < 0x80) {
      if (!kNulAllowed && c == 0) return false;
      ++i;
      continue;
    }
    size_t length = utf8_sequence_length(p + i, n - i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

bool is_valid_utf8_without_nul(std::string_view s) { return valid_utf8<false>(s); }

std::string at_offset(std::string what, size_t offset) { return what + " at offset " + std::to_string(offset); }

// A member name for an error message: at most 64 bytes, cut on a character boundary.
std::string quoted_name(std::string_view name) {
  size_t end = 0;
  while (end < name.size()) {
    size_t n = utf8_sequence_length(reinterpret_cast<const unsigned char*>(name.data()) + end, name.size() - end);
    if (n == 0 || end + n > 64) break;
    end += n;
  }
  return "\"" + std::string(name.substr(0, end)) + (end < name.size() ? "...\"" : "\"");
}

// Forwards RapidJSON's SAX events to a document, refusing what the strict
// rules forbid as soon as it is seen (so a 150,000-deep text stops at level 33).
template <typename Doc>
class CheckingHandler {
 public:
  explicit CheckingHandler(Doc& doc) : doc_(doc) {}

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(int64_t i) { return doc_.Int64(i); }
  bool Uint64(uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) { return doc_.RawNumber(s, n, copy); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return text_ok(s, n) && doc_.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    if (++members_[depth_] > kMaxJsonMembers) {
      return refuse("JSON object with more than " + std::to_string(kMaxJsonMembers) + " members");
    }
    return text_ok(s, n) && doc_.Key(s, n, copy);
  }
  bool StartObject() {
    if (!enter()) return false;
    members_[depth_] = 0;
    return doc_.StartObject();
  }
  bool EndObject(rapidjson::SizeType n) {
    --depth_;
    return doc_.EndObject(n);
  }
  bool StartArray() { return enter() && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    --depth_;
    return doc_.EndArray(n);
  }

  const std::string& error() const { return error_; }

 private:
  bool refuse(std::string why) {
    error_ = std::move(why);
    return false;
  }
  bool enter() {
    if (depth_ == kMaxJsonDepth) return refuse("JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    ++depth_;
    return true;
  }
  bool text_ok(const char* s, size_t n) {
    if (is_valid_utf8_without_nul(std::string_view(s, n))) return true;
    if (std::memchr(s, 0, n)) return refuse("JSON string with NUL (\\u0000)");
    return refuse("JSON string that is not valid UTF-8");
  }

  Doc& doc_;
  int depth_ = 0;
  size_t members_[kMaxJsonDepth + 1] = {};  // of the open object at each depth
  std::string error_;
};

bool same_name(const rapidjson::Value& a, const rapidjson::Value& b) {
  const rapidjson::SizeType length = a.GetStringLength();
  if (length != b.GetStringLength()) return false;
  const char* x = a.GetString();
  const char* y = b.GetString();
  return length == 0 || (x[0] == y[0] && x[length - 1] == y[length - 1] && std::memcmp(x, y, length) == 0);
}

// The first member name given twice in one object of `v`, or null. The depth
// is already bounded by kMaxJsonDepth, so recursion is.
const rapidjson::Value* find_duplicate_name(const rapidjson::Value& v) {
  auto nested = [](const rapidjson::Value& item) { return item.IsObject() || item.IsArray(); };
  if (v.IsArray()) {
    for (const auto& item : v.GetArray()) {
      if (!nested(item)) continue;
      if (const auto* d = find_duplicate_name(item)) return d;
    }
    return nullptr;
  }
  if (!v.IsObject()) return nullptr;
  const size_t n = v.MemberCount();
  constexpr size_t kPairwiseUpTo = 16;  // reports: a few members, compared without allocating
  if (n <= kPairwiseUpTo) {
    for (auto a = v.MemberBegin(); a != v.MemberEnd(); ++a) {
      for (auto b = a + 1; b != v.MemberEnd(); ++b) {
        if (same_name(a->name, b->name)) return &a->name;
      }
    }
  } else {
    std::vector<const rapidjson::Value*> names;
    names.reserve(n);
    for (const auto& m : v.GetObject()) names.push_back(&m.name);
    auto view = [](const rapidjson::Value* s) { return std::string_view(s->GetString(), s->GetStringLength()); };
    std::sort(names.begin(), names.end(), [&](const auto* a, const auto* b) { return view(a) < view(b); });
    for (size_t i = 1; i < n; ++i) {
      if (same_name(*names[i - 1], *names[i])) return names[i];
    }
  }
  for (const auto& m : v.GetObject()) {
    if (!nested(m.value)) continue;
    if (const auto* d = find_duplicate_name(m.value)) return d;
  }
  return nullptr;
}

}  // namespace

bool is_valid_utf8(std::string_view s) { return valid_utf8<true>(s); }

std::string to_valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_sequence_length(p + i, s.size() - i);
    if (n == 0) {
      out += "\xef\xbf\xbd";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  return out;
}

namespace {

// Parses `text` through `checker`; `nul_at` is set when a NUL byte ended the
// text early (RapidJSON takes one for the end: what follows must not be ignored).
template <typename Doc>
rapidjson::ParseResult parse_from(rapidjson::Reader& reader, std::string_view text, CheckingHandler<Doc>& checker,
                                  size_t& nul_at) {
  rapidjson::MemoryStream in(text.data(), text.size());
  // Iterative: no recursion, however deep the text. Not kParseValidateEncodingFlag:
  // CheckingHandler validates every string and name once unescaped, which also
  // catches what that flag lets through (an escaped lone low surrogate, \udc00),
  // and the flag's second pass cost ~19% more instructions per report.
  rapidjson::ParseResult result = reader.Parse<rapidjson::kParseIterativeFlag>(in, checker);
  nul_at = result.IsError() || in.Tell() == text.size() ? 0 : in.Tell();
  return result;
}

template <typename Doc>
std::string parse_into(rapidjson::Reader& reader, std::string_view text, Doc& doc) {
  doc.SetNull();
  CheckingHandler<Doc> checker(doc);
  rapidjson::ParseResult result;
  size_t nul_at = 0;
  auto generate = [&](Doc&) {
    result = parse_from(reader, text, checker, nul_at);
    return !result.IsError() && !nul_at;
  };
  doc.Populate(generate);
  if (nul_at) return at_offset("not JSON: NUL byte", nul_at);
  if (result.IsError()) {
    if (!checker.error().empty()) return at_offset(checker.error(), result.Offset());
    return at_offset(std::string("not JSON: ") + rapidjson::GetParseError_En(result.Code()), result.Offset());
  }
  if (const auto* name = find_duplicate_name(doc)) {
    return "JSON object with duplicate member name " +
           quoted_name(std::string_view(name->GetString(), name->GetStringLength()));
  }
  return {};
}

}  // namespace

std::string parse_strict_json(std::string_view text, rapidjson::Document& doc) {
  rapidjson::Reader reader;
  return parse_into(reader, text, doc);
}

StrictJsonParser::StrictJsonParser()
    : values_(values_buffer_, sizeof values_buffer_),
      stack_(stack_buffer_, sizeof stack_buffer_),
      doc_(&values_, sizeof stack_buffer_ / 2, &stack_) {}

std::string StrictJsonParser::parse(std::string_view text) {
  // The last text's values and stack go; the buffers stay.
  doc_.SetNull();
  values_.Clear();
  stack_.Clear();
  return parse_into(reader_, text, doc_);
}

}  // namespace ota
