#pragma once
// Connection URLs (postgresql://user:password@host:port/db): what may be
// shown of them. A password must never reach a log line or an error message.
#include <string>

namespace ota {

// True when `url` is a postgresql:// or postgres:// URL (libpq's URI form).
bool is_pg_url(const std::string& url);
// The URL with its password, if any, replaced by "***".
std::string redacted_url(const std::string& url);
// `message` with every occurrence of the URL's password replaced by "***":
// libpq may quote the parts of a URL it could not parse.
std::string without_password(const std::string& message, const std::string& url);

}  // namespace ota
