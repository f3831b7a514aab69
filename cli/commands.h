#pragma once
// The subcommands. Each parses its own arguments first (a usage error exits 2
// before any connection), then asks the broker through ctx.api().
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "api.h"
#include "options.h"

namespace ota_cli {

class Context {
 public:
  explicit Context(GlobalOptions options) : options_(std::move(options)) {}
  const GlobalOptions& options() const { return options_; }
  bool json() const { return options_.json; }
  int page_size() const { return options_.page_size; }
  // Connects on first use.
  Api& api() {
    if (!api_) api_ = std::make_unique<Api>(options_.connection);
    return *api_;
  }
  std::ostream& out() { return std::cout; }

 private:
  GlobalOptions options_;
  std::unique_ptr<Api> api_;
};

using Tokens = std::vector<std::string>;  // a subcommand's arguments, after its name

void devices_command(Context& ctx, const Tokens& args);
void device_command(Context& ctx, const Tokens& args);
void upgrade_command(Context& ctx, const Tokens& args);
void signing_key_command(Context& ctx, const Tokens& args);
void jobs_command(Context& ctx, const Tokens& args);
void job_command(Context& ctx, const Tokens& args);  // job ID, job watch ID, job cancel ID
void watch_command(Context& ctx, const Tokens& args);
void executions_command(Context& ctx, const Tokens& args);
void execution_command(Context& ctx, const Tokens& args);

// The --help text.
const char* usage_text();

}  // namespace ota_cli
