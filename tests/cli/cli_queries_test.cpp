// Queries through mosquitto_ota: tables, --json, pages followed, and the exit
// codes of usage, broker and connection errors, on a real broker.
#include <fstream>

#include "cli_fixture.h"

namespace ota_test {
namespace {

TEST_F(CliTest, DevicesListsEveryPageAsATableAndAsJson) {
  boot_devices(5);
  // Two devices a page: three requests for five devices.
  auto r = cli({"--page-size", "2", "devices", "p1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("DEVICE  ONLINE  STATUS AT", 0), 0u) << r.out;
  for (int i = 1; i <= 5; ++i) EXPECT_NE(r.out.find("\nd" + std::to_string(i) + "  "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(R"({"firmware_ver":"1.0"})"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n5 devices\n"), std::string::npos) << r.out;

  r = cli({"--page-size", "2", "devices", "p1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = parse(r.out);
  ASSERT_TRUE(doc.IsObject()) << r.out;
  ASSERT_EQ(doc["devices"].Size(), 5u);
  EXPECT_STREQ(doc["devices"][4]["device"].GetString(), "d5");
  EXPECT_TRUE(doc["devices"][0]["online"].GetBool());
  EXPECT_FALSE(doc.HasMember("cursor"));
  // The broker's page size does not change what is listed.
  EXPECT_EQ(parse(cli({"devices", "p1", "--json"}).out)["devices"].Size(), 5u);
}

TEST_F(CliTest, DevicesAtAVersionAndOneDevice) {
  boot_devices(2);
  ASSERT_EQ(sims[1]->report_version("1.1"), 0);
  ASSERT_TRUE(eventually(
      [&] { return to_string(get_device("p1", "d2")).find(R"("firmware_ver":"1.1")") != std::string::npos; }));
  auto r = cli({"devices", "p1", "--version-key", "firmware_ver", "--version", "1.1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("\nd1 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nd2 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n1 device\n"), std::string::npos) << r.out;

  r = cli({"device", "p1", "d1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Device:          d1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Online:          yes\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  firmware_ver:  1.0\n"), std::string::npos) << r.out;

  r = cli({"device", "p1", "d1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(to_string(parse(r.out)["status"]), R"({"firmware_ver":"1.0"})");
}

TEST_F(CliTest, BrokerErrorsExit1WithTheBrokersMessage) {
  auto r = cli({"job", "nope"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "mosquitto_ota: getJob: job not found: nope (not_found)\n");
  EXPECT_EQ(r.out, "");

  r = cli({"job", "nope", "--json"});
  EXPECT_EQ(r.exit_code, 1);
  auto doc = parse(r.out);
  ASSERT_TRUE(doc.IsObject()) << r.out;
  EXPECT_STREQ(doc["errorCode"].GetString(), "not_found");
  EXPECT_STREQ(doc["error"].GetString(), "job not found: nope");

  r = cli({"jobs", "--state", "sleeping"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("listJobs: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(invalid_request)"), std::string::npos) << r.err;

  r = cli({"device", "p1", "ghost"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "mosquitto_ota: getDevice: device not found: p1/ghost (not_found)\n");
}

TEST_F(CliTest, UsageErrorsExit2BeforeConnecting) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, "no command given"},
      {{"fly"}, "unknown command \"fly\""},
      {{"jobs", "--bogus"}, "unknown option --bogus"},
      {{"job"}, "usage: job ID"},
      {{"device", "p1"}, "usage: device PRODUCT DEVICE"},
      {{"devices", "p1", "--version", "1.0"}, "--version-key and --version go together"},
      {{"upgrade", "create", "p1", "--version", "1.1", "--url", "https://x/y", "--size", "1", "--md5", "x"},
       "--type is required"},
      {{"upgrade", "create", "p1", "--type", "firmware", "--version", "1.1", "--url", "https://x/y", "--size", "1",
        "--md5", "x", "--abort-percent", "5"},
       "--abort-percent and --abort-min go together"},
      {{"upgrade", "create", "p1", "--type", "firmware", "--version", "1.1", "--url", "https://x/y", "--size", "1",
        "--md5", "x", "--expires", "soon"},
       "--expires must be a duration"},
      {{"upgrade", "create", "p1", "--type", "f", "--version", "1", "--url", "https://x/y", "--file", "/nonexistent"},
       "/nonexistent"},
      {{"-p", "http", "jobs"}, "-p must be an integer in 1..65535"},
      {{"-V", "4", "jobs"}, "-V must be mqttv5 (5) or mqttv311 (311)"},
  };
  for (const auto& c : cases) {
    // No broker at this port: a usage error is found before connecting.
    std::vector<std::string> args = {"-p", "1"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = run_cli(dir.path(), args);
    EXPECT_EQ(r.exit_code, 2) << c.message << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("Run 'mosquitto_ota --help' for usage."), std::string::npos) << r.err;
  }
  auto help = run_cli(dir.path(), {"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("job watch ID"), std::string::npos);
}

TEST_F(CliTest, ConnectionAndAuthorisationFailuresExit3) {
  auto r = run_cli(dir.path(), with_login({"jobs"}, "wrong"));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("refused the connection"), std::string::npos) << r.err;

  // A user the broker knows but the plugin does not take as an admin.
  r = run_cli(dir.path(), {"-p", std::to_string(broker->port()), "-u", "business", "-P", kPassword, "jobs"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("not authorised to subscribe"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("plugin_opt_admin_usernames"), std::string::npos) << r.err;

  r = run_cli(dir.path(), {"-p", "1", "jobs"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("cannot connect to localhost:1"), std::string::npos) << r.err;
}

TEST_F(CliTest, ReadsTheOptionsFileAndTheCommandLineOverridesIt) {
  const std::string home = dir.path() + "/home";
  ASSERT_EQ(system(("mkdir -p " + home + "/.config").c_str()), 0);
  std::ofstream(home + "/.config/mosquitto_ota")
      << "# written by the test\n-h 127.0.0.1\n-p " << broker->port() << "\n\n-u admin\n-P " << kPassword << "\n";
  auto r = run_cli(dir.path(), {"jobs"}, {{"HOME", home}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0 jobs"), std::string::npos) << r.out;

  // The command line wins over the file.
  r = run_cli(dir.path(), {"-P", "wrong", "jobs"}, {{"HOME", home}});
  EXPECT_EQ(r.exit_code, 3) << r.err;

  // -o names another file; $XDG_CONFIG_HOME comes before ~/.config.
  std::ofstream(dir.path() + "/bad-options") << "-p " << broker->port() << "\n-u admin\n-P wrong\n";
  r = run_cli(dir.path(), {"-o", dir.path() + "/bad-options", "jobs"}, {{"HOME", home}});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  ASSERT_EQ(system(("cp " + dir.path() + "/bad-options " + dir.path() + "/mosquitto_ota").c_str()), 0);
  r = run_cli(dir.path(), {"jobs"}, {{"HOME", home}, {"XDG_CONFIG_HOME", dir.path()}});
  EXPECT_EQ(r.exit_code, 3) << r.err;

  std::ofstream(dir.path() + "/typo") << "--port 1883\n";
  r = run_cli(dir.path(), {"-o", dir.path() + "/typo", "jobs"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown option --port in options file"), std::string::npos) << r.err;
}

TEST_F(CliTest, WorksOverMqtt311Too) {
  boot_devices(1);
  auto r = cli({"-V", "mqttv311", "devices", "p1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\n1 device\n"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace ota_test
