// mosquitto_ota over TLS: --cafile makes it verify the broker's certificate,
// on a second listener of the test broker; without it or with another CA, no answer.

#include "cli_fixture.h"

namespace ota_test {
namespace {

class CliTlsTest : public CliTest {
 protected:
  BrokerConfig config() override {
    // Self-signed certificates for localhost: the broker's, and another the tool may be given.
    EXPECT_TRUE(make_test_certificate(dir.path(), "server"));
    EXPECT_TRUE(make_test_certificate(dir.path(), "other"));
    tls_port = free_port();
    auto c = CliTest::config();
    c.extra_lines = tls_listener_lines(tls_port, dir.path(), "server");
    return c;
  }
  int tls_port = 0;
};

TEST_F(CliTlsTest, CafileVerifiesTheBrokersCertificate) {
  const std::vector<std::string> login = {"-h", "localhost", "-p", std::to_string(tls_port),
                                          "-u", "admin",     "-P", kPassword};
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin(), login.begin(), login.end());
    return run_cli(dir.path(), args);
  };
  auto r = with({"--cafile", dir.path() + "/server.crt", "jobs"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("0 jobs"), std::string::npos) << r.out;

  // A certificate the CA file does not vouch for.
  r = with({"--cafile", dir.path() + "/other.crt", "jobs"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("TLS with localhost:" + std::to_string(tls_port) + " failed"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");

  // Without --cafile it speaks plain MQTT to a TLS listener.
  r = with({"-W", "2", "jobs"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("closed the connection before accepting it (a TLS listener? give --cafile)"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace ota_test
