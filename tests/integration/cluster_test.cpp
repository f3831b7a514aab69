// Several real brokers sharing one real PostgreSQL (store/cluster.h): a job
// created on one broker reaches a device connected to another within a
// second; an admin anywhere sees the whole fleet and every event once; a rate
// limit holds across brokers; two brokers asked for the same device at once
// make one execution; a leader or a follower killed with SIGKILL mid-rollout
// loses nothing and duplicates nothing.
#include <iostream>
#include <thread>

#include "fixture.h"
#include "pg_server.h"
#include "sim_device.h"

namespace ota_test {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kBrokerCannotLoadLibpq = true;  // see postgresql_test.cpp
#else
constexpr bool kBrokerCannotLoadLibpq = false;
#endif

using Clock = std::chrono::steady_clock;
// Long enough for a few admin round trips through the leader on a loaded machine.
constexpr std::chrono::seconds kSettle{10};

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kBrokerCannotLoadLibpq) {
      GTEST_SKIP() << "a broker with preloaded ASan hangs in libpq's first connection (glibc _nl_state_lock); "
                      "runs in the plain build";
    }
    url = test_pg_server().create_database();
  }

  void TearDown() override {
    sims.clear();
    admins.clear();
    for (auto& b : brokers) {
      if (b->running()) b->stop();
    }
  }

  // Starts broker `id` on the shared database; the first one started leads.
  BrokerProcess& start_broker(const std::string& id, const std::string& timeout_seconds = "3") {
    dirs.push_back(std::make_unique<TempDir>());
    auto config = default_config(dirs.back()->path());
    for (auto& [key, value] : config.plugin_opts) {
      if (key == "db_path") {
        key = "db_url";
        value = url;
      }
    }
    config.plugin_opts.push_back({"broker_id", id});
    config.plugin_opts.push_back({"broker_timeout_seconds", timeout_seconds});
    config.plugin_opts.push_back({"resend_seconds", "1"});
    config.plugin_opts.push_back({"max_resends", "2"});
    brokers.push_back(std::make_unique<BrokerProcess>(dirs.back()->path(), config));
    EXPECT_TRUE(brokers.back()->start()) << brokers.back()->log();
    return *brokers.back();
  }

  BrokerProcess& start_leader(const std::string& id, const std::string& timeout_seconds = "3") {
    auto& b = start_broker(id, timeout_seconds);
    EXPECT_TRUE(b.wait_for_log("mosquitto_ota: broker " + id + " leads")) << b.log();
    return b;
  }

  SimDevice& booted(BrokerProcess& broker, const std::string& device, const std::string& firmware_ver = "1.0") {
    sims.push_back(std::make_unique<SimDevice>(broker.port(), "p1", device, firmware_ver));
    sims.back()->boot();
    return *sims.back();
  }

  AdminClient& admin(BrokerProcess& broker) {
    admins.push_back(std::make_unique<AdminClient>(broker.port()));
    EXPECT_EQ(admins.back()->connect(), 0);
    return *admins.back();
  }

  // An admin of `broker` that also follows every event.
  AdminClient& admin_following_events(BrokerProcess& broker) {
    auto& a = admin(broker);
    EXPECT_EQ(a.mqtt().subscribe("$CONTROL/ota/v1/events/#"), 1);
    return a;
  }

  static std::string create_command(const std::string& extra, const std::string& type = "firmware") {
    return R"({"command":"createUpgrade","product":"p1","type":")" + type + R"(","version":"1.1",)"
           R"("url":"https://files.example.com/fw-1.1.bin","md5":"9e107d9d372bb6826bd81d3542a419d6","size":1048576)" +
           extra + "}";
  }

  static std::string create_job(AdminClient& admin, const std::string& extra) {
    auto r = admin.command(create_command(extra));
    EXPECT_TRUE(r.HasMember("data")) << to_string(r);
    return r.HasMember("data") ? r["data"]["jobId"].GetString() : "";
  }

  static rapidjson::Document get_job(AdminClient& admin, const std::string& id) {
    return admin.command(R"({"command":"getJob","jobId":")" + id + "\"}");
  }

  static bool job_reaches(AdminClient& admin, const std::string& id, const std::string& state,
                          std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    return eventually(
        [&] {
          auto r = get_job(admin, id);
          return r.HasMember("data") && state == r["data"]["state"].GetString();
        },
        timeout);
  }

  static bool online(AdminClient& admin, const std::string& device) {
    auto r = admin.command(R"({"command":"getDevice","product":"p1","device":")" + device + "\"}");
    return r.HasMember("data") && r["data"]["online"].GetBool();
  }

  static void upgrade(SimDevice& d) {
    ASSERT_EQ(d.progress("1.1", 0, "downloading"), 0);
    ASSERT_EQ(d.progress("1.1", 100, "installing"), 0);
    ASSERT_EQ(d.report_version("1.1"), 0);
  }

  // Events on `client` of the device's execution reaching `state`.
  static size_t events_of(MqttClient& client, const std::string& device, const std::string& state) {
    size_t n = 0;
    for (const auto& m : client.messages()) {
      if (m.topic == "$CONTROL/ota/v1/events/p1/" + device &&
          m.payload.find("\"state\":\"" + state + "\"") != std::string::npos) {
        ++n;
      }
    }
    return n;
  }

  // Every broker's log, for a failure's message.
  std::string logs() const {
    std::string all;
    for (const auto& b : brokers) all += "---- broker log ----\n" + b->log();
    return all;
  }

  std::string url;
  std::vector<std::unique_ptr<TempDir>> dirs;
  std::vector<std::unique_ptr<BrokerProcess>> brokers;
  std::vector<std::unique_ptr<SimDevice>> sims;
  std::vector<std::unique_ptr<AdminClient>> admins;
};

TEST_F(ClusterTest, AJobCreatedOnOneBrokerReachesADeviceOnAnotherAtOnceAndEveryBrokerSeesTheFleetAndEachEventOnce) {
  auto& a = start_leader("A");
  auto& b = start_broker("B");
  auto& admin_a = admin_following_events(a);
  auto& admin_b = admin_following_events(b);
  auto& d1 = booted(a, "d1");
  auto& d2 = booted(b, "d2");

  // Either broker knows both devices, and that both are online.
  ASSERT_TRUE(eventually([&] { return online(admin_a, "d2") && online(admin_b, "d1"); }, kSettle)) << b.log();
  // A query on the broker that does not lead is answered by the leader.
  const auto query_sent = Clock::now();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(online(admin_b, "d1"));
  std::cout << "getDevice on the broker that does not lead, answered by the leader: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - query_sent).count() / 10
            << " ms each\n";

  const auto asked = Clock::now();
  const std::string job = create_job(admin_a, R"(,"devices":["d1","d2"])");
  auto command = d2.wait_command();
  ASSERT_TRUE(command) << "the device on B got no command\n" << b.log();
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(command->received - asked);
  EXPECT_LT(took.count(), 1000) << "from createUpgrade on A to the command on B";
  std::cout << "createUpgrade answered on A -> command received on B: " << took.count() << " ms\n";
  ASSERT_TRUE(d1.wait_command());

  upgrade(d1);
  upgrade(d2);
  ASSERT_TRUE(job_reaches(admin_b, job, "completed")) << to_string(get_job(admin_b, job));
  auto done = get_job(admin_b, job);
  EXPECT_EQ(done["data"]["counts"]["succeeded"].GetInt(), 2) << to_string(done);

  // Every event reached the admins of both brokers, once each.
  for (auto* client : {&admin_a.mqtt(), &admin_b.mqtt()}) {
    for (const std::string device : {"d1", "d2"}) {
      ASSERT_TRUE(eventually([&] { return events_of(*client, device, "succeeded") >= 1; })) << device;
      EXPECT_EQ(events_of(*client, device, "succeeded"), 1u) << device;
      EXPECT_EQ(events_of(*client, device, "sent"), 1u) << device;
    }
  }
  // One command each, though two brokers could have sent it.
  EXPECT_EQ(d1.commands().size(), 1u);
  EXPECT_EQ(d2.commands().size(), 1u);
}

TEST_F(ClusterTest, ARateLimitHoldsAcrossAllBrokersTogether) {
  auto& a = start_leader("A");
  auto& b = start_broker("B");
  auto& admin_b = admin(b);
  std::vector<SimDevice*> devices = {&booted(a, "d1"), &booted(a, "d2"), &booted(b, "d3"), &booted(b, "d4")};
  ASSERT_TRUE(eventually([&] { return online(admin_b, "d1") && online(admin_b, "d4"); }, kSettle)) << logs();

  // Two a minute: one now, the next in 30 s, whichever broker holds the devices.
  create_job(admin_b, R"(,"devices":["d1","d2","d3","d4"],"maxPerMinute":2)");
  auto commanded = [&] {  // devices that got a command (re-sends aside)
    size_t n = 0;
    for (auto* d : devices) n += !d->commands().empty();
    return n;
  };
  ASSERT_TRUE(eventually([&] { return commanded() >= 1; }));
  // Nothing to await here but the absence of a second send: two seconds of it.
  const auto until = Clock::now() + std::chrono::seconds(2);
  while (Clock::now() < until && commanded() == 1) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(commanded(), 1u) << "a broker sent beyond the fleet's rate limit";
}

TEST_F(ClusterTest, ATimeoutFiresOnceForTheWholeFleet) {
  auto& a = start_leader("A");
  auto& b = start_broker("B");
  auto& admin_a = admin_following_events(a);
  auto& admin_b = admin_following_events(b);
  auto& d1 = booted(b, "d1");
  ASSERT_TRUE(eventually([&] { return online(admin_a, "d1"); }, kSettle)) << logs();

  // d1 gets its command and never answers: one timeout, published once on each broker.
  const std::string job = create_job(admin_a, R"(,"devices":["d1"],"timeoutSeconds":1)");
  ASSERT_TRUE(d1.wait_command());
  ASSERT_TRUE(job_reaches(admin_b, job, "completed")) << to_string(get_job(admin_b, job));
  for (auto* client : {&admin_a.mqtt(), &admin_b.mqtt()}) {
    ASSERT_TRUE(eventually([&] { return events_of(*client, "d1", "timed_out") >= 1; }));
  }
  // The job is completed: nothing more can time out. Each broker published the one timeout once.
  EXPECT_EQ(events_of(admin_a.mqtt(), "d1", "timed_out"), 1u);
  EXPECT_EQ(events_of(admin_b.mqtt(), "d1", "timed_out"), 1u);
  auto done = get_job(admin_a, job);
  EXPECT_EQ(done["data"]["counts"]["timed_out"].GetInt(), 1) << to_string(done);
}

TEST_F(ClusterTest, TwoBrokersAskedForTheSameDeviceAtOnceMakeOneExecution) {
  auto& a = start_leader("A");
  auto& b = start_broker("B");
  auto& admin_a = admin(a);
  auto& admin_b = admin(b);
  booted(a, "d1");
  booted(b, "d2");
  ASSERT_TRUE(eventually([&] { return online(admin_a, "d2"); }, kSettle)) << logs();

  for (int round = 0; round < 3; ++round) {
    const std::string device = round % 2 ? "d2" : "d1";
    const std::string request = create_command(R"(,"devices":[")" + device + "\"]", "app" + std::to_string(round));
    rapidjson::Document answer_a, answer_b;
    std::thread on_a([&] { answer_a = admin_a.command(request); });
    std::thread on_b([&] { answer_b = admin_b.command(request); });
    on_a.join();
    on_b.join();
    ASSERT_TRUE(answer_a.HasMember("data") && answer_b.HasMember("data"))
        << to_string(answer_a) << to_string(answer_b);
    const int targeted = answer_a["data"]["targeted"].GetInt() + answer_b["data"]["targeted"].GetInt();
    EXPECT_EQ(targeted, 1) << "round " << round << ": " << to_string(answer_a) << to_string(answer_b);
    const auto& loser = answer_a["data"]["targeted"].GetInt() == 0 ? answer_a : answer_b;
    EXPECT_EQ(loser["data"]["skipped"]["busy"].GetInt(), 1) << to_string(loser);
  }
}

TEST_F(ClusterTest, ALeaderKilledMidRolloutHandsOverAndTheJobCompletesWithNothingLostOrDuplicated) {
  auto& a = start_leader("A");
  auto& b = start_broker("B");
  auto& admin_b = admin(b);
  auto& d1 = booted(a, "d1");
  booted(a, "d2");
  auto& d3 = booted(b, "d3");
  auto& d4 = booted(b, "d4");
  ASSERT_TRUE(eventually([&] { return online(admin_b, "d1") && online(admin_b, "d2"); }, kSettle)) << logs();
  const std::string job = create_job(admin_b, R"(,"devices":["d1","d2","d3","d4"])");
  ASSERT_TRUE(d1.wait_command());
  ASSERT_TRUE(d3.wait_command());
  upgrade(d1);
  upgrade(d3);
  // Acknowledged means committed within flush_ms: d1's success is, before the leader dies.
  ASSERT_TRUE(eventually([&] {
    auto r = admin_b.command(R"({"command":"getExecution","jobId":")" + job + R"(","product":"p1","device":"d1"})");
    return r.HasMember("data") && std::string(r["data"]["state"].GetString()) == "succeeded";
  })) << logs();

  const auto killed = Clock::now();
  a.kill9();
  ASSERT_TRUE(b.wait_for_log("mosquitto_ota: broker B leads", std::chrono::seconds(10))) << b.log();
  std::cout << "leader killed -> the other broker leads: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed).count() << " ms\n";
  // A's devices reconnect to B and get their commands there.
  auto& d2_again = booted(b, "d2");
  ASSERT_TRUE(d2_again.wait_command(0, "$ota_upgrade", std::chrono::seconds(10))) << b.log();
  upgrade(d2_again);
  ASSERT_TRUE(d4.wait_command());
  upgrade(d4);

  ASSERT_TRUE(job_reaches(admin_b, job, "completed")) << to_string(get_job(admin_b, job)) << b.log();
  auto done = get_job(admin_b, job);
  EXPECT_EQ(done["data"]["counts"]["succeeded"].GetInt(), 4) << to_string(done);
  int total = 0;
  for (const auto& count : done["data"]["counts"].GetObject()) total += count.value.GetInt();
  EXPECT_EQ(total, 4) << "one execution per device: " << to_string(done);
  // d1's success, committed by A before it was killed, is still known.
  auto d1_status = admin_b.command(R"({"command":"getDevice","product":"p1","device":"d1"})");
  EXPECT_STREQ(d1_status["data"]["status"]["firmware_ver"].GetString(), "1.1") << to_string(d1_status);
}

TEST_F(ClusterTest, AFollowerKilledLapsesItsDevicesGoOfflineAndReconnectElsewhere) {
  auto& a = start_leader("A");
  auto& b = start_broker("B");
  auto& admin_a = admin(a);
  booted(b, "d1");
  ASSERT_TRUE(eventually([&] { return online(admin_a, "d1"); }, kSettle)) << logs();
  const std::string job = create_job(admin_a, R"(,"devices":["d1"])");

  b.kill9();
  ASSERT_TRUE(a.wait_for_log("mosquitto_ota: broker B sent no heartbeat for 3 s", std::chrono::seconds(10)))
      << a.log();
  EXPECT_FALSE(online(admin_a, "d1")) << "the sessions of a lapsed broker no longer count";

  auto& d1 = booted(a, "d1");
  ASSERT_TRUE(d1.wait_command(0, "$ota_upgrade", std::chrono::seconds(10)));
  upgrade(d1);
  ASSERT_TRUE(job_reaches(admin_a, job, "completed")) << to_string(get_job(admin_a, job));
}

TEST_F(ClusterTest, ABrokerStoppedCleanlyTakesItsDevicesOfflineAtOnce) {
  // A heartbeat that lapses only after 30 s: what the test sees is B's goodbye.
  auto& a = start_leader("A", "30");
  auto& b = start_broker("B", "30");
  auto& admin_a = admin(a);
  booted(b, "d1");
  ASSERT_TRUE(eventually([&] { return online(admin_a, "d1"); }, kSettle)) << logs();
  b.stop();
  EXPECT_TRUE(eventually([&] { return !online(admin_a, "d1"); }, kSettle)) << logs();
  EXPECT_EQ(a.log().find("sent no heartbeat"), std::string::npos) << "offline because B said so, not lapsed";
}

TEST_F(ClusterTest, TwoRunningBrokersWithOneIdAreToldSo) {
  auto& a = start_leader("A");
  auto& twin = start_broker("A");  // e.g. two containers with one host name and the default id
  const std::string clash = "mosquitto_ota: another running broker uses the broker id A";
  // A restarted broker overlaps its earlier run's heartbeat for a timeout (3 s here): said after that.
  ASSERT_TRUE(eventually([&] { return a.log().find(clash) != std::string::npos ||
                                      twin.log().find(clash) != std::string::npos; },
                         std::chrono::seconds(15)))
      << logs();
}

TEST_F(ClusterTest, PostgresqlRestartedMidRolloutBothBrokersResumeByThemselves) {
  auto& a = start_leader("A");
  auto& b = start_broker("B");
  auto& admin_b = admin(b);
  auto& d1 = booted(a, "d1");
  auto& d2 = booted(b, "d2");
  ASSERT_TRUE(eventually([&] { return online(admin_b, "d1"); }, kSettle)) << logs();
  const std::string job = create_job(admin_b, R"(,"devices":["d1","d2"])");
  ASSERT_TRUE(d1.wait_command());
  ASSERT_TRUE(d2.wait_command());
  upgrade(d1);

  test_pg_server().stop();
  for (auto* broker : {&a, &b}) {
    ASSERT_TRUE(broker->wait_for_log("mosquitto_ota: cannot write the database", std::chrono::seconds(15)))
        << broker->log();
  }
  test_pg_server().start_again();
  for (auto* broker : {&a, &b}) {
    ASSERT_TRUE(broker->wait_for_log("mosquitto_ota: writing the database works again", std::chrono::seconds(20)))
        << broker->log();
  }
  // Refused meanwhile, accepted again now.
  ASSERT_TRUE(eventually([&] { return d2.progress("1.1", 0, "downloading") == 0; }, std::chrono::seconds(10)));
  upgrade(d2);
  ASSERT_TRUE(job_reaches(admin_b, job, "completed", std::chrono::seconds(20)))
      << to_string(get_job(admin_b, job)) << a.log() << b.log();
  auto done = get_job(admin_b, job);
  EXPECT_EQ(done["data"]["counts"]["succeeded"].GetInt(), 2) << to_string(done);
}

}  // namespace
}  // namespace ota_test
