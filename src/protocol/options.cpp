#include "protocol/options.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace ota {
namespace {

bool parse_int(const std::string& text, long min, long max, long& out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || v < min || v > max) return false;
  out = v;
  return true;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::string range_error(const std::string& key, const std::string& value, long min, long max) {
  return "plugin_opt_" + key + " \"" + value + "\" must be an integer in " + std::to_string(min) + ".." +
         std::to_string(max);
}

}  // namespace

OptionsResult parse_options(const std::vector<std::pair<std::string, std::string>>& raw) {
  OptionsResult r;
  Options& o = r.options;
  bool db_path_given = false;
  bool cluster_option_given = false;
  for (const auto& option : raw) {
    const std::string& key = option.first;
    const std::string& value = option.second;
    long n = 0;
    auto integer = [&](long min, long max) {
      if (!parse_int(value, min, max, n)) r.error = range_error(key, value, min, max);
      return r.error.empty();
    };
    if (key == "db_path") {
      if (value.empty()) r.error = "plugin_opt_db_path must not be empty";
      o.db_path = value;
      db_path_given = true;
    } else if (key == "db_url") {
      // Not quoted back: it may hold a password.
      if (value.rfind("postgresql://", 0) != 0 && value.rfind("postgres://", 0) != 0) {
        r.error = "plugin_opt_db_url must be a postgresql:// URL";
      }
      o.db_url = value;
    } else if (key == "broker_id") {
      if (value.empty() || value.size() > 128 ||
          !std::all_of(value.begin(), value.end(), [](unsigned char c) { return c > 0x20 && c < 0x7f; })) {
        r.error = "plugin_opt_broker_id \"" + value + "\" must be 1-128 printable ASCII characters, no spaces";
      }
      o.broker_id = value;
      cluster_option_given = true;
    } else if (key == "broker_timeout_seconds") {
      if (integer(2, 3600)) o.broker_timeout_seconds = static_cast<int>(n);
      cluster_option_given = true;
    } else if (key == "admin_usernames") {
      o.admin_usernames.clear();
      size_t start = 0;
      while (start <= value.size()) {
        size_t comma = value.find(',', start);
        if (comma == std::string::npos) comma = value.size();
        std::string name = trim(value.substr(start, comma - start));
        if (name.empty()) {
          r.error = "plugin_opt_admin_usernames \"" + value + "\" has an empty name";
          break;
        }
        o.admin_usernames.push_back(name);
        start = comma + 1;
      }
    } else if (key == "flush_ms") {
      if (integer(1, 60000)) o.flush_ms = static_cast<int>(n);
    } else if (key == "resend_seconds") {
      if (integer(1, 86400 * 7)) o.resend_seconds = static_cast<int>(n);
    } else if (key == "max_resends") {
      if (integer(0, 1000)) o.max_resends = static_cast<int>(n);
    } else if (key == "max_payload_bytes") {
      if (integer(64, 1 << 20)) o.max_payload_bytes = static_cast<size_t>(n);
    } else if (key == "progress_history") {
      if (integer(10, 100000)) o.progress_history = static_cast<int>(n);
    } else if (key == "acl_default") {
      if (value == "defer") {
        o.acl_default_allow = false;
      } else if (value == "allow") {
        o.acl_default_allow = true;
      } else {
        r.error = "plugin_opt_acl_default \"" + value + "\" must be defer or allow";
      }
    } else if (key == "signing_key") {
      try {
        o.signing_key = std::make_shared<const SigningKey>(SigningKey::from_pem_file(value));
      } catch (const std::exception& e) {
        r.error = "plugin_opt_signing_key " + value + ": " + e.what();
      }
    } else if (key == "image_keys") {
      try {
        o.image_keys = std::make_shared<const VerifyingKeys>(VerifyingKeys::from_pem_file(value));
      } catch (const std::exception& e) {
        r.error = "plugin_opt_image_keys " + value + ": " + e.what();
      }
    } else {
      r.error = "unknown option plugin_opt_" + key;
    }
    if (!r.error.empty()) return r;
  }
  if (cluster_option_given && o.db_url.empty()) {
    r.error = "plugin_opt_broker_id and plugin_opt_broker_timeout_seconds need plugin_opt_db_url: only brokers "
              "sharing a PostgreSQL database have a name and a heartbeat";
    return r;
  }
  if (db_path_given && !o.db_url.empty()) {
    r.error = "plugin_opt_db_path and plugin_opt_db_url exclude each other: the store is a SQLite file or a PostgreSQL database";
  }
  return r;
}

}  // namespace ota
