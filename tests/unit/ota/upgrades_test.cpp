// The OTA flow over a real SQLite file, with presence and time driven by the test.
#include <gtest/gtest.h>

#include "admin_fixture.h"

using namespace ota;

namespace {

class UpgradeFlow : public AdminFixture {
 protected:
  UpgradeFlow() {
    options.resend_seconds = 10;
    options.max_resends = 2;
    for (int i = 1; i <= 4; ++i) report_status("d" + std::to_string(i), R"({"firmware_ver":"1.0"})");
    out = Effects();
  }

  std::string create(const std::string& extra = "") {
    auto r = one(R"({"command":"createUpgrade","product":"lamp","type":"firmware","version":"1.1",)"
                 R"("url":"https://files.example.com/fw-1.1.bin","md5":"9e107d9d372bb6826bd81d3542a419d6",)"
                 R"("size":1048576)" +
                 extra + "}");
    EXPECT_TRUE(r.HasMember("data")) << error_code(r) << " " << (r.HasMember("error") ? r["error"].GetString() : "");
    return r.HasMember("data") ? r["data"]["jobId"].GetString() : "";
  }

  Execution execution(const std::string& job_id, const std::string& device) {
    return *store.executions().find_execution(job_id, device);
  }

  std::vector<Outgoing> commands_to(const std::string& client_id) {
    std::vector<Outgoing> found;
    for (const auto& o : out.publishes) {
      if (o.client_id == client_id) found.push_back(o);
    }
    return found;
  }

  void progress(const std::string& device, int p, const std::string& version = "1.1") {
    upgrades.on_progress({"lamp", device}, {"firmware", version, p, "step"}, now, out);
  }

  Job job(const std::string& id) { return *store.jobs().find_job(id); }
};

}  // namespace

TEST_F(UpgradeFlow, OnlineDeviceIsSentTheCommandAtOnceOfflineOneWaits) {
  presence.opened(1, {"lamp", "d1"}, "lamp/d1");
  std::string id = create(R"(,"devices":["d1","d2"])");
  auto sent = commands_to("lamp/d1");
  ASSERT_EQ(sent.size(), 1u);
  Execution e1 = execution(id, "d1");
  EXPECT_EQ(e1.state, ExecState::Sent);
  EXPECT_EQ(sent[0].topic, "cmd/lamp/d1/$ota_upgrade/plain/" + e1.request_id);
  EXPECT_EQ(sent[0].payload,
            R"({"type":"firmware","version":"1.1","url":"https://files.example.com/fw-1.1.bin",)"
            R"("md5":"9e107d9d372bb6826bd81d3542a419d6","size":1048576})");
  EXPECT_EQ(sent[0].qos, 1);
  EXPECT_EQ(execution(id, "d2").state, ExecState::Queued);
  EXPECT_EQ(job(id).counts[static_cast<size_t>(ExecState::Queued)], 1);
  EXPECT_EQ(job(id).counts[static_cast<size_t>(ExecState::Sent)], 1);

  // d2 connects: it gets its command then.
  out = Effects();
  presence.opened(2, {"lamp", "d2"}, "lamp/d2");
  upgrades.on_connect({"lamp", "d2"}, now, out);
  ASSERT_EQ(commands_to("lamp/d2").size(), 1u);
  EXPECT_EQ(execution(id, "d2").state, ExecState::Sent);
}

TEST_F(UpgradeFlow, EverySessionOfTheDeviceGetsTheCommandOnce) {
  presence.opened(1, {"lamp", "d1"}, "lamp/d1");
  presence.opened(2, {"lamp", "d1"}, "lamp/d1/ui");
  presence.opened(3, {"lamp", "d1"}, "lamp/d1/ui");  // takeover in progress
  create(R"(,"devices":["d1"])");
  EXPECT_EQ(commands_to("lamp/d1").size(), 1u);
  EXPECT_EQ(commands_to("lamp/d1/ui").size(), 1u);
}

TEST_F(UpgradeFlow, ProgressThenTargetVersionSucceedsAndCompletesTheJob) {
  presence.opened(1, {"lamp", "d1"}, "lamp/d1");
  std::string id = create(R"(,"devices":["d1"])");
  progress("d1", 10);
  EXPECT_EQ(execution(id, "d1").state, ExecState::Downloading);
  progress("d1", 100);
  EXPECT_EQ(execution(id, "d1").state, ExecState::Installing);
  report_status("d1", R"({"firmware_ver":"1.1"})");
  EXPECT_EQ(execution(id, "d1").state, ExecState::Succeeded);
  Job j = job(id);
  EXPECT_EQ(j.state, JobState::Completed);
  EXPECT_EQ(j.counts[static_cast<size_t>(ExecState::Succeeded)], 1);
  EXPECT_EQ(j.total(), 1);
  // The history holds each report and each state change.
  auto h = store.history().history(execution(id, "d1").id);
  std::vector<std::string> states;
  for (const auto& entry : h) states.push_back(entry.event + ":" + entry.state);
  EXPECT_EQ(states, (std::vector<std::string>{"state:sent", "progress:downloading", "state:downloading",
                                              "progress:installing", "state:installing", "state:succeeded"}));
}

TEST_F(UpgradeFlow, EveryStateChangeIsAnEvent) {
  presence.opened(1, {"lamp", "d1"}, "lamp/d1");
  std::string id = create(R"(,"devices":["d1"])");
  progress("d1", -2);
  std::vector<std::string> events;
  for (const auto& o : out.publishes) {
    if (o.topic == "$CONTROL/ota/v1/events/lamp/d1") events.push_back(o.payload);
  }
  ASSERT_EQ(events.size(), 2u);
  EXPECT_NE(events[0].find(R"("state":"sent")"), std::string::npos);
  EXPECT_NE(events[1].find(R"("jobId":")" + id + R"(","product":"lamp","device":"d1","state":"failed","progress":-2,"reason":"checksum_failed","desc":"step","at":)"),
            std::string::npos)
      << events[1];
}

TEST_F(UpgradeFlow, InstallThatDidNotTakeIsVersionMismatchAndTheVersionLaterWins) {
  presence.opened(1, {"lamp", "d1"}, "lamp/d1");
  std::string id = create(R"(,"devices":["d1"])");
  progress("d1", 100);
  report_status("d1", R"({"firmware_ver":"1.0"})");
  Execution e = execution(id, "d1");
  EXPECT_EQ(e.state, ExecState::Failed);
  EXPECT_EQ(e.reason, "version_mismatch");
  report_status("d1", R"({"firmware_ver":"1.1"})");
  EXPECT_EQ(execution(id, "d1").state, ExecState::Succeeded);
  EXPECT_EQ(job(id).counts[static_cast<size_t>(ExecState::Failed)], 0);
  EXPECT_EQ(job(id).counts[static_cast<size_t>(ExecState::Succeeded)], 1);
}

TEST_F(UpgradeFlow, ProgressForAnotherUpgradeChangesNothing) {
  presence.opened(1, {"lamp", "d1"}, "lamp/d1");
  std::string id = create(R"(,"devices":["d1"])");
  progress("d1", 50, "9.9");
  upgrades.on_progress({"lamp", "d1"}, {"app", "1.1", 50, ""}, now, out);
  EXPECT_EQ(execution(id, "d1").state, ExecState::Sent);
  EXPECT_TRUE(store.history().history(execution(id, "d1").id).size() == 1u);
}

TEST_F(UpgradeFlow, UnansweredCommandIsResentWithTheSameRequestIdUpToMaxResends) {
  presence.opened(1, {"lamp", "d1"}, "lamp/d1");
  std::string id = create(R"(,"devices":["d1"])");
  std::string request_id = execution(id, "d1").request_id;
  out = Effects();
  upgrades.tick(now + 9999, out);
  EXPECT_TRUE(commands_to("lamp/d1").empty());
  for (int round = 1; round <= 4; ++round) upgrades.tick(now + round * 10000, out);
  auto resent = commands_to("lamp/d1");
  ASSERT_EQ(resent.size(), 2u);  // max_resends
  for (const auto& o : resent) EXPECT_NE(o.topic.find(request_id), std::string::npos);
  EXPECT_EQ(execution(id, "d1").resends, 2);
  // Reconnecting sends it again and starts a new round.
  out = Effects();
  presence.opened(2, {"lamp", "d1"}, "lamp/d1");
  upgrades.on_connect({"lamp", "d1"}, now + 50000, out);
  EXPECT_EQ(commands_to("lamp/d1").size(), 1u);
  EXPECT_EQ(execution(id, "d1").resends, 0);
}

TEST_F(UpgradeFlow, ProgressStopsTheResends) {
  presence.opened(1, {"lamp", "d1"}, "lamp/d1");
  std::string id = create(R"(,"devices":["d1"])");
  progress("d1", 5);
  out = Effects();
  upgrades.tick(now + 100000, out);
  EXPECT_TRUE(commands_to("lamp/d1").empty());
}

TEST_F(UpgradeFlow, UnfinishedExecutionTimesOutAfterTimeoutSecondsFromTheFirstSend) {
  presence.opened(1, {"lamp", "d1"}, "lamp/d1");
  std::string id = create(R"(,"devices":["d1","d2"],"timeoutSeconds":60)");
  progress("d1", 30);
  upgrades.tick(now + 59999, out);
  EXPECT_EQ(execution(id, "d1").state, ExecState::Downloading);
  upgrades.tick(now + 60000, out);
  EXPECT_EQ(execution(id, "d1").state, ExecState::TimedOut);
  EXPECT_EQ(execution(id, "d2").state, ExecState::Queued);  // never sent: no clock running
  EXPECT_EQ(job(id).state, JobState::InProgress);
}

TEST_F(UpgradeFlow, CreateSkipsDevicesAtVersionBusyUnknownAndOutsideFromVersions) {
  report_status("d3", R"({"firmware_ver":"1.1"})");
  report_status("d4", R"({"firmware_ver":"0.9"})");
  std::string first = create(R"(,"devices":["d1"])");
  auto r = one(R"({"command":"createUpgrade","product":"lamp","type":"firmware","version":"1.2",)"
               R"("url":"http://f/x","md5":"9E107D9D372BB6826BD81D3542A419D6","size":5,)"
               R"("devices":["d1","d2","d3","d4","ghost","d2"],"fromVersions":["1.0","1.1"]})");
  ASSERT_TRUE(r.HasMember("data")) << error_code(r);
  EXPECT_EQ(r["data"]["targeted"].GetInt(), 2);  // d2, d3
  EXPECT_EQ(r["data"]["skipped"]["busy"].GetInt(), 1);  // d1
  EXPECT_EQ(r["data"]["skipped"]["unknown"].GetInt(), 1);
  EXPECT_EQ(r["data"]["skipped"]["notInFromVersions"].GetInt(), 1);  // d4
  EXPECT_EQ(r["data"]["skipped"]["alreadyAtVersion"].GetInt(), 0);
  auto again = one(R"({"command":"createUpgrade","product":"lamp","type":"app","version":"1.0",)"
                   R"("versionKey":"firmware_ver","url":"http://f/x","md5":"9e107d9d372bb6826bd81d3542a419d6","size":5})");
  EXPECT_EQ(again["data"]["skipped"]["alreadyAtVersion"].GetInt(), 2);  // d1, d2 report firmware_ver 1.0
  EXPECT_EQ(again["data"]["targeted"].GetInt(), 2);
}

TEST_F(UpgradeFlow, WithoutADeviceListEveryKnownDeviceOfTheProductIsTargeted) {
  report_status("f1", R"({"firmware_ver":"1.0"})", "fan");
  std::string id = create();
  EXPECT_EQ(job(id).total(), 4);
}

TEST_F(UpgradeFlow, JobWithNoTargetIsCompletedAtOnce) {
  std::string id = create(R"(,"devices":["ghost"])");
  EXPECT_EQ(job(id).state, JobState::Completed);
}

TEST_F(UpgradeFlow, CancelCancelsUnfinishedExecutionsAndTellsDevicesThatHaveTheCommand) {
  presence.opened(1, {"lamp", "d1"}, "lamp/d1");
  presence.opened(2, {"lamp", "d3"}, "lamp/d3");
  std::string id = create(R"(,"devices":["d1","d2","d3"])");
  report_status("d3", R"({"firmware_ver":"1.1"})");
  out = Effects();
  auto r = one(R"({"command":"cancelJob","jobId":")" + id + "\"}");
  EXPECT_EQ(r["data"]["canceled"].GetInt(), 2);
  auto cancel = commands_to("lamp/d1");
  ASSERT_EQ(cancel.size(), 1u);
  EXPECT_EQ(cancel[0].topic, "cmd/lamp/d1/$ota_cancel/plain/" + execution(id, "d1").request_id);
  EXPECT_EQ(cancel[0].payload, R"({"type":"firmware","version":"1.1"})");
  EXPECT_EQ(execution(id, "d2").state, ExecState::Canceled);
  EXPECT_EQ(execution(id, "d3").state, ExecState::Succeeded);
  EXPECT_EQ(job(id).state, JobState::Canceled);
  EXPECT_EQ(error_code(one(R"({"command":"cancelJob","jobId":")" + id + "\"}")), "conflict");
  // A canceled job's device connecting gets nothing.
  out = Effects();
  presence.opened(3, {"lamp", "d2"}, "lamp/d2");
  upgrades.on_connect({"lamp", "d2"}, now, out);
  EXPECT_TRUE(out.publishes.empty());
}

TEST_F(UpgradeFlow, ExpiredJobSendsNothingMoreAndCancelsWhatWasNotSent) {
  presence.opened(1, {"lamp", "d1"}, "lamp/d1");
  std::string id = create(R"(,"devices":["d1","d2"],"expiresAt":)" + std::to_string(now + 5000));
  auto sent = commands_to("lamp/d1");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].topic.substr(sent[0].topic.rfind('/') + 1), std::to_string((now + 5000) / 1000));
  upgrades.tick(now + 5000, out);
  Execution e2 = execution(id, "d2");
  EXPECT_EQ(e2.state, ExecState::Canceled);
  EXPECT_EQ(e2.reason, "expired");
  out = Effects();
  presence.opened(2, {"lamp", "d2"}, "lamp/d2");
  upgrades.on_connect({"lamp", "d2"}, now + 6000, out);
  upgrades.tick(now + 100000, out);
  EXPECT_TRUE(commands_to("lamp/d2").empty());
  EXPECT_TRUE(commands_to("lamp/d1").empty());  // no re-send after expiry
  EXPECT_EQ(execution(id, "d1").state, ExecState::Sent);
}

TEST_F(UpgradeFlow, FleetJobAnswersAtOnceAndCreatesItsExecutionsAChunkAtATime) {
  upgrades.set_fill_chunk(3);
  presence.opened(1, {"lamp", "d4"}, "lamp/d4");
  auto r = one(R"({"command":"createUpgrade","product":"lamp","type":"firmware","version":"1.1",)"
               R"("url":"https://f.example/fw","md5":"9e107d9d372bb6826bd81d3542a419d6","size":1})");
  ASSERT_TRUE(r.HasMember("data"));
  EXPECT_EQ(r["data"]["targeted"].GetInt(), 4);  // counted for the answer, before the executions exist
  std::string id = r["data"]["jobId"].GetString();
  EXPECT_EQ(job(id).total(), 3);
  EXPECT_TRUE(one(R"({"command":"getJob","jobId":")" + id + "\"}")["data"]["filling"].GetBool());
  EXPECT_TRUE(commands_to("lamp/d4").empty());
  upgrades.tick(now, out);
  EXPECT_EQ(job(id).total(), 4);
  EXPECT_FALSE(job(id).fill_cursor);
  EXPECT_EQ(commands_to("lamp/d4").size(), 1u);  // online: sent as its chunk is created
  EXPECT_EQ(job(id).state, JobState::InProgress);
}

TEST_F(UpgradeFlow, FleetJobKeepsCreatingItsExecutionsAfterARestart) {
  upgrades.set_fill_chunk(2);
  std::string id = create();
  EXPECT_EQ(job(id).total(), 2);
  Upgrades resumed(store.repositories(), presence, options);
  resumed.set_fill_chunk(2);
  resumed.tick(now, out);
  EXPECT_EQ(job(id).total(), 4);
  resumed.tick(now, out);
  EXPECT_EQ(job(id).total(), 4);
  EXPECT_FALSE(job(id).fill_cursor);
}

TEST_F(UpgradeFlow, CancelingAFleetJobStopsItsFilling) {
  upgrades.set_fill_chunk(2);
  std::string id = create();
  one(R"({"command":"cancelJob","jobId":")" + id + "\"}");
  upgrades.tick(now, out);
  Job j = job(id);
  EXPECT_EQ(j.state, JobState::Canceled);
  EXPECT_EQ(j.total(), 2);
  EXPECT_FALSE(j.fill_cursor);
}

TEST_F(UpgradeFlow, AnExecutionKeepsItsLast1000HistoryEntries) {
  presence.opened(1, {"lamp", "d1"}, "lamp/d1");
  std::string id = create(R"(,"devices":["d1"])");
  // "state:sent", then per report one "progress" entry ("state:downloading" after the first).
  for (int i = 1; i <= 1500; ++i) {
    upgrades.on_progress({"lamp", "d1"}, {"firmware", "1.1", 10 + i % 50, std::to_string(i)}, now + i, out);
  }
  auto h = store.history().history(execution(id, "d1").id);
  ASSERT_EQ(h.size(), 1000u);
  EXPECT_EQ(h.front().desc, "501");
  EXPECT_EQ(h.back().desc, "1500");
  EXPECT_EQ(h.back().at, now + 1500);
  // Still recorded as before, and still capped, after the state changes.
  progress("d1", 100);
  report_status("d1", R"({"firmware_ver":"1.1"})");
  h = store.history().history(execution(id, "d1").id);
  ASSERT_EQ(h.size(), 1000u);
  EXPECT_EQ(h.back().event + ":" + h.back().state, "state:succeeded");
  EXPECT_EQ(h.front().desc, "504");
}
