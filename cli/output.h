#pragma once
// What the subcommands print: aligned tables, key/value blocks, times, and
// the members of answers rendered as text.
#include <rapidjson/document.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace ota_cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  size_t size() const { return rows_.size(); }
  // Columns two spaces apart; the last one is not padded.
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "Label:   value" lines with the values aligned.
void print_fields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields);

// Local time of a unix-ms timestamp, "2026-12-01 23:35:10".
std::string format_time(int64_t ms);

// A member as text: strings as they are, numbers, booleans as yes/no, times
// (members ending "At", or "at") formatted, objects and arrays as JSON, "-"
// when absent or null.
std::string text(const rapidjson::Value& object, const char* member);
int64_t integer(const rapidjson::Value& object, const char* member);
// The member, or a null value when absent (RapidJSON's operator[] must not miss).
const rapidjson::Value& member(const rapidjson::Value& object, const char* name);

// The answer as indented JSON, for --json.
std::string pretty_json(const rapidjson::Value& value);

}  // namespace ota_cli
