#pragma once
// The admin API over a Connection: one command per request, its answer's data
// or the broker's error (exit 1), and list commands followed page by page.
#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <vector>

#include "connection.h"

namespace ota_cli {

// One command object of the admin API, built field by field.
class Command {
 public:
  explicit Command(const char* name);
  Command& str(const char* field, const std::string& value);
  Command& integer(const char* field, int64_t value);
  Command& number(const char* field, double value);
  Command& boolean(const char* field, bool value);
  Command& strings(const char* field, const std::vector<std::string>& values);
  const std::string& name() const { return name_; }
  rapidjson::Document& doc() { return doc_; }

 private:
  std::string name_;
  rapidjson::Document doc_;
};

class Api {
 public:
  explicit Api(const ConnectionOptions& options) : connection_(options) {}

  // The answer's `data`; throws a CliError (exit 1) with the broker's message
  // when the answer is an error.
  rapidjson::Document call(Command& command);
  // Every page of a paged command: the first page's data with the `items`
  // arrays of all pages joined and no `cursor`.
  rapidjson::Document call_all(Command& command, const char* items, int page_size);

  Connection& connection() { return connection_; }

 private:
  Connection connection_;
  int next_ = 0;
};

}  // namespace ota_cli
