// mosquitto_ota: the admin API of the mosquitto_ota plugin on the command
// line, with mosquitto_ctrl's connection options (usage.cpp has them all).
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>

#include "commands.h"
#include "errors.h"

using namespace ota_cli;

int main(int argc, char** argv) {
  std::vector<std::string> tokens(argv + 1, argv + argc);
  bool json = false;
  try {
    GlobalOptions options = parse_global_options(tokens, std::getenv("HOME"), std::getenv("XDG_CONFIG_HOME"));
    if (options.help) {
      std::cout << usage_text();
      return kOk;
    }
    if (options.command.empty()) throw usage_error("no command given");
    // --json may also follow the command, where it reads naturally.
    Tokens args;
    for (size_t i = 1; i < options.command.size(); ++i) {
      if (options.command[i] == "--json") {
        options.json = true;
      } else {
        args.push_back(options.command[i]);
      }
    }
    json = options.json;
    static const std::map<std::string, std::function<void(Context&, const Tokens&)>> commands = {
        {"devices", devices_command},
        {"device", device_command},
        {"upgrade", upgrade_command},
        {"jobs", jobs_command},
        {"job", job_command},
        {"executions", executions_command},
        {"execution", execution_command},
        {"signing-key", signing_key_command}};
    auto it = commands.find(options.command[0]);
    if (it == commands.end()) throw usage_error("unknown command \"" + options.command[0] + "\"");
    Context ctx(std::move(options));
    it->second(ctx, args);
    std::cout.flush();
    return kOk;
  } catch (const CliError& e) {
    std::cout.flush();
    if (json && !e.response().empty()) std::cout << e.response() << std::endl;
    std::cerr << "mosquitto_ota: " << e.what() << "\n";
    if (e.code() == kUsage) std::cerr << "Run 'mosquitto_ota --help' for usage.\n";
    return e.code();
  } catch (const std::exception& e) {
    std::cerr << "mosquitto_ota: " << e.what() << "\n";
    return kBrokerError;
  }
}
