// Upgrades through mosquitto_ota: create (with --file and --sign-with), the
// job and execution tables, cancel, and job watch until the job ends.
#include <fstream>

#include "cli_fixture.h"

namespace ota_test {
namespace {

// "hello": its digests, as md5sum and sha256sum print them.
constexpr const char* kHelloMd5 = "5d41402abc4b2a76b9719d911017c592";
constexpr const char* kHelloSha256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

std::vector<std::string> create_args(std::vector<std::string> extra) {
  std::vector<std::string> args = {"upgrade", "create",   "p1",
                                   "--type",  "firmware", "--version",
                                   "1.1",     "--url",    "https://files.example.com/fw-1.1.bin"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// The job id of "Created job ID: ..." (empty when missing).
std::string created_job(const std::string& out) {
  const std::string prefix = "Created job ";
  if (out.rfind(prefix, 0) != 0) return "";
  return out.substr(prefix.size(), out.find(':') - prefix.size());
}

TEST_F(CliTest, CreatesAnUpgradeListsItsJobAndExecutionsAndCancelsIt) {
  boot_devices(3);
  auto r = cli(create_args({"--size", "1048576", "--md5", "9e107d9d372bb6826bd81d3542a419d6", "--devices", "d1,d2",
                            "--devices", "d9", "--max-per-minute", "600", "--abort-percent", "50", "--abort-min", "2",
                            "--expires", "7d", "--timeout", "1h"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string id = created_job(r.out);
  ASSERT_EQ(id.size(), 24u) << r.out;
  EXPECT_NE(r.out.find(": 2 devices targeted\nSkipped: 0 already at the version, 0 busy, 1 unknown"), std::string::npos)
      << r.out;

  auto job = get_job(id);
  ASSERT_TRUE(job.HasMember("data")) << to_string(job);
  EXPECT_EQ(job["data"]["timeoutSeconds"].GetInt64(), 3600);
  EXPECT_EQ(job["data"]["maxPerMinute"].GetInt64(), 600);
  EXPECT_EQ(job["data"]["abortMinFinished"].GetInt64(), 2);
  const int64_t week_ms = 7LL * 24 * 3600 * 1000;
  EXPECT_NEAR(static_cast<double>(job["data"]["expiresAt"].GetInt64() - job["data"]["createdAt"].GetInt64()),
              static_cast<double>(week_ms), 60000.0);

  r = cli({"jobs"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("JOB  ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find(id + "  p1       firmware  1.1      in_progress  0/2"), std::string::npos) << r.out;
  EXPECT_NE(cli({"jobs", "--state", "completed"}).out.find("0 jobs"), std::string::npos);

  // 600 a minute: the second command goes 100 ms after the first.
  ASSERT_TRUE(eventually([&] { return get_job(id)["data"]["counts"]["sent"].GetInt64() == 2; }));
  r = cli({"job", id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("State:           in_progress\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nsent         2\n"), std::string::npos) << r.out;

  // One execution a page: both are still listed.
  r = cli({"--page-size", "1", "executions", id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\nd1      sent"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nd2      sent"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n2 executions\n"), std::string::npos) << r.out;
  EXPECT_EQ(parse(cli({"--page-size", "1", "executions", id, "--json"}).out)["executions"].Size(), 2u);
  EXPECT_NE(cli({"executions", id, "--state", "succeeded"}).out.find("\n0 executions\n"), std::string::npos);

  ASSERT_EQ(sims[0]->progress("1.1", 40, "downloading"), 0);
  ASSERT_TRUE(execution_reaches(id, "d1", "downloading"));
  r = cli({"--page-size", "1", "execution", id, "p1", "d1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("State:       downloading\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("History (newest first):\nAT"), std::string::npos) << r.out;
  // state sent, progress 40, state downloading: three entries over three pages.
  EXPECT_EQ(count_of(r.out, "  state     "), 2u) << r.out;
  EXPECT_EQ(count_of(r.out, "  progress  "), 1u) << r.out;

  r = cli({"job", "cancel", id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Canceled job " + id + ": 2 executions canceled\n");
  r = cli({"job", "cancel", id});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cancelJob: job " + id + " is already canceled (conflict)"), std::string::npos) << r.err;
}

TEST_F(CliTest, TheRolloutOptionsReachTheJob) {
  boot_devices(1);
  booted("d2", "0.9");
  ASSERT_TRUE(eventually([&] { return get_device("p1", "d2").HasMember("data"); }));
  auto r = cli(create_args({"--size", "5", "--md5", kHelloMd5, "--sha256", kHelloSha256, "--image-signature",
                            "c2lnbmF0dXJl", "--version-key", "firmware_ver", "--from", "1.0", "--dynamic"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(": 1 devices targeted\nSkipped: 0 already at the version, 0 busy, 0 unknown, 1 not at a --from"),
            std::string::npos)
      << r.out;
  auto job = get_job(created_job(r.out));
  ASSERT_TRUE(job.HasMember("data")) << r.out;
  const auto& data = job["data"];
  EXPECT_TRUE(data["dynamic"].GetBool());
  EXPECT_EQ(to_string(data["fromVersions"]), R"(["1.0"])");
  EXPECT_STREQ(data["sha256"].GetString(), kHelloSha256);
  EXPECT_STREQ(data["imageSignature"].GetString(), "c2lnbmF0dXJl");
  EXPECT_EQ(data["size"].GetInt64(), 5);

  // --json: the answer as the broker gave it.
  r = cli(create_args({"--size", "5", "--md5", kHelloMd5, "--devices", "d1", "--json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto answer = parse(r.out);
  ASSERT_TRUE(answer.IsObject()) << r.out;
  EXPECT_EQ(answer["targeted"].GetInt(), 0);  // d1 is busy with the dynamic job
  EXPECT_EQ(answer["skipped"]["busy"].GetInt(), 1);
}

class CliSigningTest : public CliTest {
 protected:
  BrokerConfig config() override {
    std::string keys = dir.path() + "/keys";
    EXPECT_EQ(system(("mkdir -p " + keys + " && cd " + keys +
                      " && openssl genpkey -algorithm ed25519 -out vendor.pem 2>/dev/null"
                      " && openssl pkey -in vendor.pem -pubout -out vendor.pub"
                      " && openssl genpkey -algorithm ed25519 -out other.pem 2>/dev/null"
                      " && openssl genpkey -algorithm ed25519 -out broker.pem 2>/dev/null")
                         .c_str()),
              0);
    auto c = CliTest::config();
    c.plugin_opts.push_back({"image_keys", keys + "/vendor.pub"});
    c.plugin_opts.push_back({"signing_key", keys + "/broker.pem"});
    return c;
  }
  std::string key(const std::string& name) { return dir.path() + "/keys/" + name; }
};

TEST_F(CliSigningTest, FileGivesSizeAndDigestsAndSignWithASignatureTheBrokerVerifies) {
  boot_devices(1);
  const std::string image = dir.path() + "/fw.bin";
  std::ofstream(image) << "hello";

  // Signed with a key the broker does not trust: refused, nothing created.
  auto r = cli(create_args({"--file", image, "--sign-with", key("other.pem")}));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("does not verify"), std::string::npos) << r.err;

  r = cli(create_args({"--file", image, "--sign-with", key("vendor.pem")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string id = created_job(r.out);
  auto job = get_job(id);
  ASSERT_TRUE(job.HasMember("data")) << r.out << to_string(job);
  EXPECT_EQ(job["data"]["size"].GetInt64(), 5);
  EXPECT_STREQ(job["data"]["md5"].GetString(), kHelloMd5);
  EXPECT_STREQ(job["data"]["sha256"].GetString(), kHelloSha256);
  EXPECT_TRUE(job["data"].HasMember("imageSignature"));

  r = cli(create_args({"--file", image, "--md5", kHelloMd5}));
  EXPECT_EQ(r.exit_code, 2);
  r = cli(create_args({"--size", "5", "--md5", kHelloMd5, "--sign-with", key("vendor.pem")}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--sign-with signs the image's SHA-256"), std::string::npos) << r.err;

  // The broker's public key, as openssl derives it from its private key.
  r = cli({"signing-key"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(system(("openssl pkey -in " + key("broker.pem") + " -pubout -out " + key("broker.pub")).c_str()), 0);
  std::ifstream in(key("broker.pub"));
  std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(r.out.substr(r.out.find('\n') + 1), pem);
  EXPECT_EQ(r.out.rfind("Key id: ", 0), 0u) << r.out;
}

TEST_F(CliTest, SigningKeyWithoutOneExits1) {
  auto r = cli({"signing-key"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("getSigningKey: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(not_found)"), std::string::npos) << r.err;
}

// The devices upgrade while the CLI watches; it ends when the job completes.
TEST_F(CliTest, JobWatchFollowsTheEventsAndEndsWhenTheJobCompletes) {
  boot_devices(2);
  const std::string id = create_job(R"(,"devices":["d1","d2"])");
  CliProcess watch(dir.path(), with_login({"job", "watch", id}));
  ASSERT_TRUE(eventually([&] { return watch.out().find("job in_progress: 0/2 finished\n") != std::string::npos; }))
      << watch.out() << watch.err();
  upgrade(*sims[0]);
  upgrade(*sims[1]);
  ASSERT_TRUE(watch.wait(std::chrono::seconds(15))) << watch.out() << watch.err();
  EXPECT_EQ(watch.exit_code(), 0) << watch.err();
  const std::string out = watch.out();
  // Each event as a line, in order, then the final bars.
  for (const char* device : {"p1/d1", "p1/d2"}) {
    size_t downloading = out.find(std::string(device) + "  downloading\n");
    size_t installing = out.find(std::string(device) + "  installing\n");
    size_t succeeded = out.find(std::string(device) + "  succeeded\n");
    EXPECT_NE(downloading, std::string::npos) << out;
    EXPECT_LT(downloading, installing) << out;
    EXPECT_LT(installing, succeeded) << out;
  }
  EXPECT_NE(out.find("succeeded    [" + std::string(30, '#') + "] 2/2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("job completed: 2/2 finished\nJob " + id + " completed\n"), std::string::npos) << out;
}

// On a terminal the bars are redrawn over themselves; a cancel ends the watch.
TEST_F(CliTest, JobWatchOnATerminalRedrawsInPlaceAndEndsOnCancel) {
  boot_devices(2);
  const std::string id = create_job(R"(,"devices":["d1","d2"])");
  CliProcess watch(dir.path(), with_login({"job", "watch", id}), {}, /*tty=*/true);
  ASSERT_TRUE(eventually([&] { return watch.out().find("0/2 finished") != std::string::npos; })) << watch.out();
  upgrade(*sims[0]);
  ASSERT_TRUE(
      eventually([&] { return watch.out().find("1/2 finished") != std::string::npos; }, std::chrono::seconds(10)))
      << watch.out();
  ASSERT_EQ(cli({"job", "cancel", id}).exit_code, 0);
  ASSERT_TRUE(watch.wait(std::chrono::seconds(15))) << watch.out();
  EXPECT_EQ(watch.exit_code(), 0);
  const std::string out = watch.out();
  EXPECT_NE(out.find("\x1b[9A"), std::string::npos) << out;  // up over the 9 lines of the previous frame
  EXPECT_NE(out.find("\r\x1b[2Kcanceled     [" + std::string(15, '#') + std::string(15, '-') + "] 1/2"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Job " + id + " canceled"), std::string::npos) << out;
  // No event lines on a terminal: the bars say it all.
  EXPECT_EQ(out.find("p1/d1  succeeded"), std::string::npos) << out;
}

TEST_F(CliTest, JobWatchJsonPrintsTheEventsThenTheJob) {
  boot_devices(1);
  const std::string id = create_job(R"(,"devices":["d1"])");
  CliProcess watch(dir.path(), with_login({"job", "watch", id, "--json"}));
  // Nothing to wait for on the CLI's side: an event it missed, a later getJob shows.
  // Its second getJob comes once it is subscribed to the events.
  ASSERT_TRUE(eventually([&] { return count_of(broker->log(), "getJob | user=admin") >= 2; }));
  upgrade(*sims[0]);
  ASSERT_TRUE(watch.wait(std::chrono::seconds(15))) << watch.out() << watch.err();
  EXPECT_EQ(watch.exit_code(), 0) << watch.err();
  const std::string out = watch.out();
  EXPECT_NE(out.find(R"({"jobId":")" + id + R"(","product":"p1","device":"d1","state":"succeeded","progress":100,)"),
            std::string::npos)
      << out;
  auto job = parse(out.substr(out.rfind("\n{\n") + 1));
  ASSERT_TRUE(job.IsObject()) << out;
  EXPECT_STREQ(job["state"].GetString(), "completed");
}

}  // namespace
}  // namespace ota_test
