#include "args.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "errors.h"

namespace ota_cli {

Args::Args(const std::vector<std::string>& tokens, const ArgSpec& spec) {
  bool options_done = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& token = tokens[i];
    if (options_done || token.size() < 2 || token[0] != '-') {
      positional_.push_back(token);
      continue;
    }
    if (token == "--") {
      options_done = true;
      continue;
    }
    std::string name = token;
    std::optional<std::string> inline_value;
    if (auto eq = token.find('='); token.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = token.substr(0, eq);
      inline_value = token.substr(eq + 1);
    }
    if (spec.flags.count(name) && !inline_value) {
      flags_.insert(name);
    } else if (spec.values.count(name)) {
      if (!inline_value && i + 1 >= tokens.size()) throw usage_error(name + " needs a value");
      values_[name].push_back(inline_value ? *inline_value : tokens[++i]);
    } else {
      throw usage_error("unknown option " + token + " (usage: " + spec.usage + ")");
    }
  }
  if (positional_.size() < spec.min_positional || positional_.size() > spec.max_positional) {
    throw usage_error("usage: " + spec.usage);
  }
}

std::optional<std::string> Args::value(const std::string& option) const {
  auto it = values_.find(option);
  if (it == values_.end()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::list(const std::string& option) const {
  std::vector<std::string> items;
  auto it = values_.find(option);
  if (it == values_.end()) return items;
  for (const auto& value : it->second) {
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = value.find(',', start);
      if (comma == std::string::npos) comma = value.size();
      if (comma > start) items.push_back(value.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return items;
}

int64_t parse_int(const std::string& option, const std::string& text, int64_t min, int64_t max) {
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(text.c_str(), &end, 10);
  bool starts_well = !text.empty() && (text[0] == '-' || std::isdigit(static_cast<unsigned char>(text[0])));
  if (!starts_well || *end != '\0' || errno == ERANGE || n < min || n > max) {
    throw usage_error(option + " must be an integer in " + std::to_string(min) + ".." + std::to_string(max) +
                      ", not \"" + text + "\"");
  }
  return n;
}

double parse_number(const std::string& option, const std::string& text, double min, double max) {
  char* end = nullptr;
  double n = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(n) || n < min || n > max) {
    throw usage_error(option + " must be a number in " + std::to_string(static_cast<int64_t>(min)) + ".." +
                      std::to_string(static_cast<int64_t>(max)) + ", not \"" + text + "\"");
  }
  return n;
}

int64_t parse_duration(const std::string& option, const std::string& text) {
  static const std::pair<char, int64_t> units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800}};
  std::string digits = text;
  int64_t unit = 1;
  for (const auto& [suffix, seconds] : units) {
    if (!text.empty() && text.back() == suffix) {
      digits = text.substr(0, text.size() - 1);
      unit = seconds;
    }
  }
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(digits.c_str(), &end, 10);
  // At most 100 years, so the product cannot overflow.
  if (digits.empty() || !std::isdigit(static_cast<unsigned char>(digits[0])) || *end != '\0' || errno == ERANGE ||
      n < 1 || n > 3153600000LL / unit) {
    throw usage_error(option + " must be a duration such as 90s, 15m, 1h or 7d, not \"" + text + "\"");
  }
  return n * unit;
}

}  // namespace ota_cli
