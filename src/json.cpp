#include "mosquitto_ota/json.h"

#include <rapidjson/writer.h>

#include "mosquitto_ota/strict_json.h"

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

struct ByteCounter {
  using Ch = char;
  size_t bytes = 0;
  void Put(char) { ++bytes; }
  void Flush() {}
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
  ByteCounter counter;
  write(value, counter);
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
