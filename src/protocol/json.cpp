#include "protocol/json.h"

#include <rapidjson/internal/dtoa.h>
#include <rapidjson/internal/itoa.h>
#include <rapidjson/writer.h>

#include <array>
#include <cmath>
#include <cstring>

#include "protocol/strict_json.h"

namespace ota {
namespace {

// Output streams for rapidjson::Writer.
struct CappedString {
  using Ch = char;
  std::string& out;
  size_t max_size;
  bool over = false;
  void Put(char c) {
    if (out.size() < max_size) {
      out.push_back(c);
    } else {
      over = true;
    }
  }
  void Flush() {}
};

// Counts the bytes write() below would produce, without producing them: each
// string once, with a table of what rapidjson::Writer escapes, instead of a
// byte-by-byte write (the meter of large answers runs this on every item).
class SizeCounter {
 public:
  bool Null() { return add(4); }
  bool Bool(bool b) { return add(b ? 4 : 5); }
  bool Int(int i) { return add(static_cast<size_t>(rapidjson::internal::i32toa(i, digits_) - digits_)); }
  bool Uint(unsigned u) { return add(static_cast<size_t>(rapidjson::internal::u32toa(u, digits_) - digits_)); }
  bool Int64(int64_t i) { return add(static_cast<size_t>(rapidjson::internal::i64toa(i, digits_) - digits_)); }
  bool Uint64(uint64_t u) { return add(static_cast<size_t>(rapidjson::internal::u64toa(u, digits_) - digits_)); }
  bool Double(double d) {
    if (!std::isfinite(d)) return false;  // the Writer refuses these too
    return add(static_cast<size_t>(rapidjson::internal::dtoa(d, digits_) - digits_));
  }
  bool RawNumber(const char*, rapidjson::SizeType n, bool) { return add(n); }
  bool String(const char* s, rapidjson::SizeType n, bool) { return add(string_size(std::string_view(s, n))); }
  bool Key(const char* s, rapidjson::SizeType n, bool) { return add(string_size(std::string_view(s, n))); }
  // Brackets, a colon per member and the commas between.
  bool StartObject() { return add(1); }
  bool EndObject(rapidjson::SizeType members) { return add(1 + members + (members ? members - 1 : 0)); }
  bool StartArray() { return add(1); }
  bool EndArray(rapidjson::SizeType elements) { return add(1 + (elements ? elements - 1 : 0)); }

  size_t bytes = 0;

 private:
  bool add(size_t n) {
    bytes += n;
    return true;
  }
  static size_t string_size(std::string_view s) {
    if (!is_valid_utf8(s)) return escaped_size(to_valid_utf8(s));
    return escaped_size(s);
  }
  static size_t escaped_size(std::string_view s) {
    size_t n = 2 + s.size();  // and the quotes
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    size_t i = 0;
    // 8 bytes at a time while none of them needs escaping: most of a long string.
    constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
    auto has_zero = [&](uint64_t x) { return ((x - kOnes) & ~x & kHighs) != 0; };
    for (; i + 8 <= s.size(); i += 8) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      bool control = ((word - 0x20 * kOnes) & ~word & kHighs) != 0;
      if (control || has_zero(word ^ ('"' * kOnes)) || has_zero(word ^ ('\\' * kOnes))) break;
    }
    for (; i < s.size(); ++i) n += kEscapeExtra[p[i]];
    return n;
  }
  // What Writer adds to a byte: a quote, a backslash, \b \t \n \f \r take one more byte, other controls (\u00XX) five.
  static constexpr auto kEscapeExtra = [] {
    std::array<unsigned char, 256> extra{};
    for (int c = 0; c < 0x20; ++c) extra[c] = 5;
    for (int c : {'\b', '\t', '\n', '\f', '\r', '"', '\\'}) extra[c] = 1;
    return extra;
  }();
  char digits_[32];
};

// Forwards a value's SAX events to a writer, mending strings that are not valid UTF-8.
template <typename Writer>
class ValidUtf8 {
 public:
  explicit ValidUtf8(Writer& w) : w_(w) {}
  bool Null() { return w_.Null(); }
  bool Bool(bool b) { return w_.Bool(b); }
  bool Int(int i) { return w_.Int(i); }
  bool Uint(unsigned u) { return w_.Uint(u); }
  bool Int64(int64_t i) { return w_.Int64(i); }
  bool Uint64(uint64_t u) { return w_.Uint64(u); }
  bool Double(double d) { return w_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) { return w_.RawNumber(s, n, copy); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    if (is_valid_utf8(std::string_view(s, n))) return w_.String(s, n, copy);
    std::string mended = to_valid_utf8(std::string_view(s, n));
    return w_.String(mended.data(), static_cast<rapidjson::SizeType>(mended.size()), true);
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return String(s, n, copy); }
  bool StartObject() { return w_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) { return w_.EndObject(n); }
  bool StartArray() { return w_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return w_.EndArray(n); }

 private:
  Writer& w_;
};

template <typename Stream>
void write(const rapidjson::Value& value, Stream& stream) {
  rapidjson::Writer<Stream> writer(stream);
  ValidUtf8<rapidjson::Writer<Stream>> mend(writer);
  value.Accept(mend);
}

}  // namespace

std::string to_json(const rapidjson::Value& value) {
  std::string out;
  append_json(value, out, SIZE_MAX);
  return out;
}

bool append_json(const rapidjson::Value& value, std::string& out, size_t max_size) {
  const size_t before = out.size();
  CappedString stream{out, max_size};
  write(value, stream);
  if (!stream.over) return true;
  out.resize(before);
  return false;
}

size_t json_size(const rapidjson::Value& value) {
  SizeCounter counter;
  value.Accept(counter);
  return counter.bytes;
}

rapidjson::Value parse_json(std::string_view text, JsonAlloc& alloc) {
  rapidjson::Document doc(&alloc);
  if (!parse_strict_json(text, doc).empty()) return rapidjson::Value();
  rapidjson::Value out;
  out.Swap(doc);  // the values already live in `alloc`
  return out;
}

}  // namespace ota
