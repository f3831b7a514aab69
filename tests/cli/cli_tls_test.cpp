// mosquitto_ota over TLS: --cafile makes it verify the broker's certificate,
// on a second listener of the test broker; without it or with another CA, no answer.

#include "cli_fixture.h"

namespace ota_test {
namespace {

class CliTlsTest : public CliTest {
 protected:
  BrokerConfig config() override {
    // A self-signed certificate for localhost: the broker's, and the CA the tool trusts.
    EXPECT_EQ(system(("cd " + dir.path() +
                      " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1"
                      " -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1"
                      " -keyout server.key -out server.crt 2>/dev/null"
                      " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1"
                      " -subj /CN=localhost -keyout other.key -out other.crt 2>/dev/null")
                         .c_str()),
              0);
    tls_port = free_port();
    auto c = CliTest::config();
    c.extra_lines = {"listener " + std::to_string(tls_port) + " 127.0.0.1", "cafile " + dir.path() + "/server.crt",
                     "certfile " + dir.path() + "/server.crt", "keyfile " + dir.path() + "/server.key"};
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
