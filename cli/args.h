#pragma once
// A subcommand's arguments: positionals and --options, checked against what
// the subcommand knows, and the conversions of option values.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ota_cli {

struct ArgSpec {
  std::set<std::string> values;  // options that take a value, e.g. "--state"
  std::set<std::string> flags;   // options without one, e.g. "--dynamic"
  size_t min_positional = 0;
  size_t max_positional = 0;
  std::string usage;  // the subcommand's synopsis, for the error message
};

class Args {
 public:
  // Throws a usage error for an unknown option, a missing value or a wrong
  // count of positionals. "--opt=value" and "--opt value" are the same; "--"
  // ends the options.
  Args(const std::vector<std::string>& tokens, const ArgSpec& spec);

  const std::vector<std::string>& positional() const { return positional_; }
  // The last value given, if any.
  std::optional<std::string> value(const std::string& option) const;
  // Every value given, comma-separated lists split, empty items dropped.
  std::vector<std::string> list(const std::string& option) const;
  bool flag(const std::string& option) const { return flags_.count(option) > 0; }
  bool has(const std::string& option) const { return flag(option) || values_.count(option) > 0; }

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::vector<std::string>> values_;
  std::set<std::string> flags_;
};

// A decimal integer in min..max; a usage error naming `option` otherwise.
int64_t parse_int(const std::string& option, const std::string& text, int64_t min, int64_t max);
double parse_number(const std::string& option, const std::string& text, double min, double max);
// A duration in seconds: "90", "90s", "15m", "1h", "7d" or "2w".
int64_t parse_duration(const std::string& option, const std::string& text);

}  // namespace ota_cli
