// The plugin on PostgreSQL (plugin_opt_db_url) in a real broker, against a
// real PostgreSQL 15 the test binary starts: an upgrade end to end that a
// restarted broker still knows; a bad or unreachable URL stops the broker with
// a line naming the option and no password; PostgreSQL restarted mid-rollout:
// reports are refused while it is away, and the rollout resumes by itself.
#include <sys/stat.h>

#include "pg_server.h"
#include "upgrade_fixture.h"

namespace ota_test {
namespace {

// Under the sanitizers the broker runs with libasan preloaded, and there its
// first libpq connection hangs in glibc (bindtextdomain waits forever on
// _nl_state_lock, seen with gdb). The PostgreSQL backend itself is covered
// under the sanitizers by the unit tests (contract suite, PgDatabase), which
// link ASan normally; these broker tests run in the plain build.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kBrokerCannotLoadLibpq = true;
#else
constexpr bool kBrokerCannotLoadLibpq = false;
#endif
#define SKIP_UNDER_PRELOADED_ASAN()                                                                   \
  if (kBrokerCannotLoadLibpq) GTEST_SKIP() << "a broker with preloaded ASan hangs in libpq's first " \
                                              "connection (glibc _nl_state_lock); runs in the plain build"

class PostgresqlTest : public UpgradeTest {
 protected:
  void SetUp() override {
    SKIP_UNDER_PRELOADED_ASAN();
    UpgradeTest::SetUp();
  }

  BrokerConfig config() override {
    auto c = UpgradeTest::config();
    for (auto& [key, value] : c.plugin_opts) {
      if (key == "db_path") {
        key = "db_url";
        value = url;
      }
    }
    return c;
  }

  // A database of its own for each test, made before the broker starts.
  std::string url = test_pg_server().create_database();
};

TEST_F(PostgresqlTest, AnUpgradeRunsEndToEndAndARestartedBrokerStillKnowsIt) {
  ASSERT_TRUE(broker->wait_for_log("mosquitto_ota: started, database postgresql://postgres@127.0.0.1:"))
      << broker->log();
  auto& d1 = booted("d1");
  auto& d2 = booted("d2");
  const std::string job = create_job(R"(,"devices":["d1","d2"])");
  upgrade(d1);
  upgrade(d2);
  ASSERT_TRUE(job_reaches(job, "completed")) << to_string(get_job(job));

  broker->stop();
  ASSERT_TRUE(broker->start()) << broker->log();
  admins.clear();
  auto answer = get_job(job);
  ASSERT_TRUE(answer.HasMember("data")) << to_string(answer);
  EXPECT_STREQ(answer["data"]["state"].GetString(), "completed");
  EXPECT_EQ(answer["data"]["counts"]["succeeded"].GetInt(), 2);
  auto device = get_device("p1", "d2");
  ASSERT_TRUE(device.HasMember("data")) << to_string(device);
  EXPECT_STREQ(device["data"]["status"]["firmware_ver"].GetString(), "1.1");
}

// A broker whose plugin options are `opts`; returns its log once it exited.
std::string refused_start(const std::vector<std::pair<std::string, std::string>>& opts) {
  TempDir dir;
  auto config = default_config(dir.path());
  config.plugin_opts = opts;
  BrokerProcess broker(dir.path(), config);
  EXPECT_FALSE(broker.start()) << "the broker started with " << opts.front().second;
  return broker.log();
}

TEST(PostgresqlStart, AnUnreachableServerOrABadUrlStopsTheBrokerWithoutShowingThePassword) {
  SKIP_UNDER_PRELOADED_ASAN();
  const std::string unreachable = "postgresql://ota:s3cret-pw@127.0.0.1:" + std::to_string(free_port()) + "/ota";
  std::string log = refused_start({{"db_url", unreachable}});
  EXPECT_NE(log.find("cannot use database postgresql://ota:***@127.0.0.1:"), std::string::npos) << log;
  EXPECT_NE(log.find("(plugin_opt_db_url)"), std::string::npos) << log;
  EXPECT_EQ(log.find("s3cret-pw"), std::string::npos) << log;

  log = refused_start({{"db_url", "mysql://ota:s3cret-pw@127.0.0.1/ota"}});
  EXPECT_NE(log.find("plugin_opt_db_url must be a postgresql:// URL"), std::string::npos) << log;
  EXPECT_EQ(log.find("s3cret-pw"), std::string::npos) << log;

  log = refused_start({{"db_url", test_pg_server().create_database()}, {"db_path", "/tmp/ota.db"}});
  EXPECT_NE(log.find("plugin_opt_db_path and plugin_opt_db_url exclude each other"), std::string::npos) << log;
}

TEST_F(PostgresqlTest, PostgresqlRestartedMidRolloutRefusesReportsMeanwhileAndTheRolloutResumes) {
  auto& d1 = booted("d1");
  auto& d2 = booted("d2");
  const std::string job = create_job(R"(,"devices":["d1","d2"])");
  upgrade(d1);
  ASSERT_TRUE(execution_reaches(job, "d1", "succeeded"));

  test_pg_server().stop();
  // A report the worker takes before it finds PostgreSQL gone is kept and
  // committed later; once it knows, reports are refused (not acknowledged).
  auto& reporter = device("p1/d3");
  int seq = 0;
  auto report = [&] {
    return reporter.publish("update_status/p1/d3/m" + std::to_string(++seq), R"({"firmware_ver":"1.0"})");
  };
  ASSERT_TRUE(eventually([&] { return report() == kNotAuthorized; }, std::chrono::seconds(15)))
      << "never refused with PostgreSQL stopped\n" << broker->log();
  ASSERT_TRUE(broker->wait_for_log("mosquitto_ota: cannot write the database postgresql://postgres@127.0.0.1:"))
      << broker->log();
  EXPECT_TRUE(reporter.connected()) << "a refusal is a PUBACK reason code, not a disconnect";

  test_pg_server().start_again();
  ASSERT_TRUE(broker->wait_for_log("mosquitto_ota: writing the database works again", std::chrono::seconds(20)))
      << broker->log();
  ASSERT_TRUE(eventually([&] { return report() == 0; }, std::chrono::seconds(10)));
  upgrade(d2);  // its command is still due: the rollout goes on
  ASSERT_TRUE(job_reaches(job, "completed", std::chrono::seconds(20))) << to_string(get_job(job));
  auto device = get_device("p1", "d3");
  EXPECT_TRUE(device.HasMember("data")) << "the accepted report of d3 is stored: " << to_string(device);
}

}  // namespace
}  // namespace ota_test
