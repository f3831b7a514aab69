#include "pgstorage/pg_url.h"

#include <cctype>

namespace ota {
namespace {

constexpr const char* kHidden = "***";

// Where the password of the URL's userinfo starts and ends, if it has one.
// Read by hand rather than by libpq: a URL libpq rejects must be hidden too.
bool password_span(const std::string& url, size_t& begin, size_t& end) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  const size_t authority = scheme + 3;
  const size_t authority_end = url.find_first_of("/?", authority);
  // The last '@' of the authority ends the userinfo: a password may hold '@'.
  const size_t at = url.rfind('@', authority_end == std::string::npos ? std::string::npos : authority_end);
  if (at == std::string::npos || at < authority) return false;
  const size_t colon = url.find(':', authority);
  if (colon == std::string::npos || colon > at) return false;
  begin = colon + 1;
  end = at;
  return true;
}

// "%40" as "@": libpq quotes a URL's parts decoded.
std::string percent_decoded(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

void replace_all(std::string& text, const std::string& what, const std::string& with) {
  if (what.empty()) return;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
}

}  // namespace

bool is_pg_url(const std::string& url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

std::string redacted_url(const std::string& url) {
  std::string out = url;
  size_t begin = 0, end = 0;
  if (password_span(url, begin, end)) out.replace(begin, end - begin, kHidden);
  // A password may also come as a query parameter.
  const size_t query = out.find("password=");
  if (query != std::string::npos) {
    const size_t value = query + 9;
    const size_t value_end = out.find('&', value);
    out.replace(value, (value_end == std::string::npos ? out.size() : value_end) - value, kHidden);
  }
  return out;
}

std::string without_password(const std::string& message, const std::string& url) {
  std::string out = message;
  size_t begin = 0, end = 0;
  std::string password;
  if (password_span(url, begin, end)) password = url.substr(begin, end - begin);
  const size_t query = url.find("password=");
  std::string query_password;
  if (query != std::string::npos) {
    const size_t value = query + 9;
    const size_t value_end = url.find('&', value);
    query_password = url.substr(value, (value_end == std::string::npos ? url.size() : value_end) - value);
  }
  for (const std::string& p : {password, query_password}) {
    replace_all(out, p, kHidden);
    replace_all(out, percent_decoded(p), kHidden);
  }
  return out;
}

}  // namespace ota
