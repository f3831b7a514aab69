#pragma once
// A broker with the plugin, simulated devices, and the built mosquitto_ota
// pointed at it as the admin.
#include "../integration/upgrade_fixture.h"
#include "cli_process.h"

namespace ota_test {

class CliTest : public UpgradeTest {
 protected:
  // The connection options of the admin, then `args`.
  std::vector<std::string> with_login(std::vector<std::string> args, const std::string& password = kPassword) {
    std::vector<std::string> all = {"-h", "127.0.0.1", "-p", std::to_string(broker->port()),
                                    "-u", "admin",     "-P", password};
    all.insert(all.end(), args.begin(), args.end());
    return all;
  }
  CliResult cli(std::vector<std::string> args) { return run_cli(dir.path(), with_login(std::move(args))); }

  // Boots p1/d1..dN at firmware 1.0 and waits until the broker lists them all.
  void boot_devices(int n) {
    for (int i = 1; i <= n; ++i) booted("d" + std::to_string(i));
    ASSERT_TRUE(eventually([&] {
      auto r = admin_command(R"({"command":"listDevices","product":"p1","limit":1000})");
      return r.HasMember("data") && r["data"]["devices"].Size() == static_cast<unsigned>(n);
    }));
  }
};

// The number of times `needle` occurs in `text`.
inline size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

}  // namespace ota_test
