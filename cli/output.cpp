#include "output.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <ctime>

#include "protocol/json.h"

namespace ota_cli {
namespace {

// Characters, not bytes: UTF-8 continuation bytes do not count.
size_t width(const std::string& s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

bool is_time_member(const std::string& name) {
  return name == "at" || (name.size() > 2 && name.compare(name.size() - 2, 2, "At") == 0);
}

}  // namespace

void Table::print(std::ostream& out) const {
  std::vector<size_t> widths(headers_.size());
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], width(row[i]));
  };
  measure(headers_);
  for (const auto& row : rows_) measure(row);
  auto line = [&](const std::vector<std::string>& row) {
    std::string s;
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      s += row[i];
      if (i + 1 < row.size()) s += std::string(widths[i] - width(row[i]) + 2, ' ');
    }
    out << s << "\n";
  };
  line(headers_);
  for (const auto& row : rows_) line(row);
}

void print_fields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields) {
  size_t w = 0;
  for (const auto& f : fields) w = std::max(w, width(f.first));
  for (const auto& [label, value] : fields)
    out << label << ":" << std::string(w - width(label) + 2, ' ') << value << "\n";
}

std::string format_time(int64_t ms) {
  time_t seconds = static_cast<time_t>(ms / 1000);
  struct tm local {};
  localtime_r(&seconds, &local);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &local);
  return buf;
}

std::string text(const rapidjson::Value& object, const char* member) {
  if (!object.IsObject() || !object.HasMember(member)) return "-";
  const rapidjson::Value& v = object[member];
  if (v.IsNull()) return "-";
  if (v.IsString()) return v.GetString();
  if (v.IsBool()) return v.GetBool() ? "yes" : "no";
  if (v.IsInt64() && is_time_member(member)) return format_time(v.GetInt64());
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  return ota::to_json(v);
}

int64_t integer(const rapidjson::Value& object, const char* member) {
  if (!object.IsObject() || !object.HasMember(member) || !object[member].IsInt64()) return 0;
  return object[member].GetInt64();
}

const rapidjson::Value& member(const rapidjson::Value& object, const char* name) {
  static const rapidjson::Value null_value;
  if (!object.IsObject()) return null_value;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? null_value : it->value;
}

std::string pretty_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  value.Accept(writer);
  return buffer.GetString();
}

}  // namespace ota_cli
