// A store that cannot write says so, on the real broker (SPEC "Hostile input,
// overload and faults"): the database lives on a small tmpfs that the test
// fills up, then frees. Mounting needs root (CI runs as root); the test is
// skipped, saying why, otherwise.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fixture.h"

namespace ota_test {
namespace {

class FullDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root, to mount a small tmpfs for the database";
    if (mount("tmpfs", disk.path().c_str(), "tmpfs", 0, "size=4m") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs for the database: " << strerror(errno);
    }
    mounted = true;
    BrokerConfig config = default_config(dir.path());  // the broker's log stays on the real disk
    for (auto& [key, value] : config.plugin_opts) {
      if (key == "db_path") value = db_path();
    }
    broker = std::make_unique<BrokerProcess>(dir.path(), config);
    ASSERT_TRUE(broker->start()) << broker->log();
  }
  void TearDown() override {
    clients.clear();
    if (broker) broker->stop();
    if (mounted) umount2(disk.path().c_str(), MNT_DETACH);
  }

  std::string db_path() const { return disk.path() + "/ota.db"; }
  std::string filler() const { return disk.path() + "/filler"; }
  void fill_disk() {
    int fd = open(filler().c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
    ASSERT_GE(fd, 0);
    std::string block(1 << 16, 'x');
    while (write(fd, block.data(), block.size()) > 0) {
    }
    close(fd);
  }
  MqttClient& device(const std::string& name, int protocol = MQTT_PROTOCOL_V5) {
    ClientOptions o;
    o.client_id = o.username = name;
    o.protocol = protocol;
    clients.push_back(std::make_unique<MqttClient>(broker->port(), o));
    EXPECT_EQ(clients.back()->connect(), 0);
    return *clients.back();
  }
  int stored_progress(const std::string& device) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(db_path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT COALESCE(SUM(n), 0) FROM progress_chunks WHERE product = 'p1' AND device = ?1", -1,
                       &st, nullptr);
    sqlite3_bind_text(st, 1, device.c_str(), -1, SQLITE_TRANSIENT);
    int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
  }

  TempDir dir;
  TempDir disk;
  bool mounted = false;
  std::vector<std::unique_ptr<MqttClient>> clients;
  std::unique_ptr<BrokerProcess> broker;
};

TEST_F(FullDisk, ReportsAreRefusedWhileTheDiskIsFullAndNothingAcceptedIsLost) {
  auto& dev = device("p1/d1");
  int seq = 0, accepted = 0;
  auto report = [&] {
    ++seq;
    const std::string desc(1000, static_cast<char>('a' + seq % 26));
    return dev.publish("update_ota_status/p1/d1/m" + std::to_string(seq),
                       R"({"type":"firmware","version":"1.1","progress":1,"desc":")" + desc + "\"}");
  };
  ASSERT_EQ(report(), 0);
  ++accepted;
  fill_disk();
  int rc = 0;
  for (int i = 0; i < 5000 && rc != kNotAuthorized; ++i) {
    rc = report();
    ASSERT_TRUE(rc == 0 || rc == kNotAuthorized) << rc;
    accepted += rc == 0;
  }
  ASSERT_EQ(rc, kNotAuthorized) << "never refused with the disk full";
  ASSERT_TRUE(broker->wait_for_log("mosquitto_ota: cannot write the database " + db_path())) << broker->log();
  EXPECT_EQ(report(), kNotAuthorized);  // refused while it cannot write
  EXPECT_TRUE(dev.connected());

  // MQTT 3.1.1 has no refusal in a PUBACK: such a client is disconnected instead,
  // and its library sends the report again once it has reconnected.
  auto& old = device("p1/d2", MQTT_PROTOCOL_V311);
  EXPECT_EQ(old.publish("update_ota_status/p1/d2/m1", R"({"type":"firmware","version":"1.1","progress":1})", 1,
                        nullptr, std::chrono::milliseconds(1000)),
            -1);  // no PUBACK
  EXPECT_GE(old.disconnects(), 1);

  unlink(filler().c_str());
  ASSERT_TRUE(broker->wait_for_log("mosquitto_ota: writing the database works again")) << broker->log();
  ASSERT_TRUE(eventually([&] { return report() == 0; }));
  ++accepted;
  EXPECT_TRUE(eventually([&] { return stored_progress("d2") == 1; }, std::chrono::seconds(20)))
      << "the 3.1.1 client's report, sent again after its reconnect";
  broker->stop();
  EXPECT_NE(broker->log().find("mosquitto_ota: stopped, all accepted reports committed"), std::string::npos)
      << broker->log();
  EXPECT_EQ(stored_progress("d1"), accepted);
}

TEST_F(FullDisk, StoppingWhileTheDiskIsStillFullSaysWhatWasNotCommitted) {
  auto& dev = device("p1/d1");
  fill_disk();
  int rc = 0;
  for (int i = 0; i < 5000 && rc != kNotAuthorized; ++i) {
    rc = dev.publish("update_ota_status/p1/d1/m" + std::to_string(i),
                     R"({"type":"firmware","version":"1.1","progress":1,"desc":")" + std::string(1000, 'x') + "\"}");
  }
  ASSERT_EQ(rc, kNotAuthorized);
  broker->stop();
  EXPECT_NE(broker->log().find("accepted report(s) were NOT committed"), std::string::npos) << broker->log();
}

}  // namespace
}  // namespace ota_test
