// The backend contract: every repository operation, through the interfaces
// only, against every backend in all_backends(). What a backend must do is
// what these tests say; SQL or any other way of keeping data is its own affair.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "backends.h"
#include "store/test_records.h"

namespace ota {
namespace {

StatusPayload status(std::initializer_list<std::pair<const char*, const char*>> versions) {
  StatusPayload s;
  s.json = "{";
  for (const auto& [key, value] : versions) {
    if (s.json.size() > 1) s.json += ",";
    s.json += std::string("\"") + key + "\":\"" + value + "\"";
    s.versions.push_back({key, value});
  }
  s.json += "}";
  return s;
}

ProgressPayload progress(int percent) { return {"firmware", "2.0", percent, "step " + std::to_string(percent)}; }

std::vector<std::string> devices_of(const std::vector<Execution>& executions) {
  std::vector<std::string> out;
  for (const auto& e : executions) out.push_back(e.device.device);
  return out;
}

class BackendContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { open(1000); }
  void open(int progress_history) {
    backend_ = GetParam().open(progress_history);
    // Each test runs inside a transaction, committed when it reads from the other connection.
    store().transactions.begin();
  }
  Repositories store() { return backend_->repositories(); }
  StoreReaders reader() { return backend_->reader(); }
  void commit_and_begin() {
    store().transactions.commit();
    store().transactions.begin();
  }
  // A job with an execution per device, inserted and counted.
  void add_job_with(const std::string& job_id, std::initializer_list<const char*> devices) {
    Job j = job(job_id);
    store().jobs.insert_job(j);
    for (const char* d : devices) {
      Execution e = execution(job_id, d);
      store().executions.insert_execution(e);
      store().jobs.count_change(job_id, std::nullopt, ExecState::Queued);
    }
  }

  std::unique_ptr<BackendUnderTest> backend_;
};

TEST_P(BackendContract, ADeviceStatusIsKeptWithItsVersionsAndAppliedOncePerMessageId) {
  const DeviceKey d{"lamp", "d1"};
  EXPECT_FALSE(store().devices.is_known(d));
  EXPECT_TRUE(store().devices.save_status(d, "m1", status({{"firmware_ver", "1.0"}, {"app_ver", "3"}}), 10));
  EXPECT_FALSE(store().devices.save_status(d, "m1", status({{"firmware_ver", "9.9"}}), 11));
  EXPECT_TRUE(store().devices.is_known(d));
  EXPECT_EQ(store().devices.device_version(d, "firmware_ver"), "1.0");
  auto record = store().devices.find_device(d);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->status, R"({"firmware_ver":"1.0","app_ver":"3"})");
  EXPECT_EQ(record->status_at, 10);

  // A new status replaces the versions: a key it no longer has is gone.
  EXPECT_TRUE(store().devices.save_status(d, "m2", status({{"firmware_ver", "2.0"}}), 12));
  EXPECT_EQ(store().devices.device_version(d, "firmware_ver"), "2.0");
  EXPECT_FALSE(store().devices.device_version(d, "app_ver"));
  EXPECT_FALSE(store().devices.find_device({"lamp", "d2"}));
  EXPECT_FALSE(store().devices.find_device({"fan", "d1"}));
}

TEST_P(BackendContract, DevicesArePagedByNameWithinAProductAndFilteredByVersion) {
  for (const char* name : {"c", "a", "d", "b"}) {
    store().devices.save_status({"lamp", name}, "m", status({{"v", name[0] < 'c' ? "1" : "2"}}), 1);
  }
  store().devices.save_status({"fan", "a"}, "m", status({{"v", "1"}}), 1);
  auto names = [](const std::vector<DeviceRecord>& records) {
    std::vector<std::string> out;
    for (const auto& r : records) out.push_back(r.key.device);
    return out;
  };
  EXPECT_EQ(names(store().devices.list_devices("lamp", "", 3, std::nullopt)), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(names(store().devices.list_devices("lamp", "b", 10, std::nullopt)), (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(names(store().devices.list_devices("lamp", "", 10, VersionFilter{"v", "2"})),
            (std::vector<std::string>{"c", "d"}));
  int visited = 0;
  store().devices.visit_devices("lamp", "", 10, std::nullopt, [&](DeviceRecord&&) { return ++visited < 2; });
  EXPECT_EQ(visited, 2);
}

TEST_P(BackendContract, ProgressIsReadNewestFirstAndEachDeviceKeepsItsLastReports) {
  open(3);
  const DeviceKey d{"lamp", "d1"};
  for (int i = 1; i <= 5; ++i) store().progress.append_progress(d, "p" + std::to_string(i), progress(i * 10), i);
  commit_and_begin();
  auto recent = store().progress.recent_progress(d, 10);
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent[0].message_id, "p5");
  EXPECT_EQ(recent[0].progress, 50);
  EXPECT_EQ(recent[0].desc, "step 50");
  EXPECT_EQ(recent[0].type, "firmware");
  EXPECT_EQ(recent[0].version, "2.0");
  EXPECT_EQ(recent[0].at, 5);
  EXPECT_EQ(recent[2].message_id, "p3");
  // Ids outlive the reports, for duplicate detection.
  EXPECT_EQ(store().progress.recent_progress_ids(d, 10), (std::vector<std::string>{"p5", "p4", "p3", "p2", "p1"}));
  EXPECT_EQ(reader().progress.recent_progress(d, 1).at(0).message_id, "p5");
}

TEST_P(BackendContract, WhatIsWrittenIsReadAtOnceAndSeenByTheReaderOnlyOnceCommitted) {
  const DeviceKey d{"lamp", "d1"};
  store().devices.save_status(d, "m1", status({{"v", "1"}}), 1);
  store().progress.append_progress(d, "p1", progress(10), 2);
  EXPECT_EQ(store().progress.recent_progress(d, 10).size(), 1u);
  EXPECT_FALSE(reader().devices.find_device(d));
  EXPECT_TRUE(reader().progress.recent_progress(d, 10).empty());
  commit_and_begin();
  EXPECT_TRUE(reader().devices.find_device(d));
  EXPECT_EQ(reader().progress.recent_progress(d, 10).size(), 1u);
}

TEST_P(BackendContract, ARollbackUndoesTheTransactionAndASavepointOnlyWhatCameAfterIt) {
  const DeviceKey d{"lamp", "d1"};
  store().devices.save_status(d, "m1", status({{"v", "1"}}), 1);
  store().progress.append_progress(d, "p1", progress(10), 1);
  store().transactions.savepoint();
  store().devices.save_status(d, "m2", status({{"v", "2"}}), 2);
  store().progress.append_progress(d, "p2", progress(20), 2);
  store().transactions.savepoint();  // nested
  store().progress.append_progress(d, "p3", progress(30), 3);
  store().transactions.release();  // p3 stays with the outer savepoint
  store().transactions.rollback_to();
  EXPECT_EQ(store().devices.device_version(d, "v"), "1");
  EXPECT_EQ(store().progress.recent_progress_ids(d, 10), (std::vector<std::string>{"p1"}));
  store().transactions.savepoint();
  store().progress.append_progress(d, "p4", progress(40), 4);
  store().transactions.release();
  commit_and_begin();
  EXPECT_EQ(reader().progress.recent_progress(d, 10).size(), 2u);

  store().devices.save_status({"lamp", "d2"}, "m", status({{"v", "1"}}), 5);
  store().progress.append_progress(d, "p5", progress(50), 5);
  store().transactions.rollback();
  store().transactions.begin();
  EXPECT_FALSE(store().devices.is_known({"lamp", "d2"}));
  EXPECT_EQ(store().progress.recent_progress_ids(d, 10), (std::vector<std::string>{"p4", "p1"}));
}

TEST_P(BackendContract, AJobKeepsEveryFieldOfItsSpecAndGetsAscendingSequenceNumbers) {
  Job j = job("j1");
  j.spec.sha256 = std::string(64, 'a');
  j.spec.image_signature = "c2lnbmF0dXJl";
  j.spec.from_versions = std::vector<std::string>{"1.0", "1.1"};
  j.spec.timeout_seconds = 600;
  j.spec.expires_at = 5000;
  j.spec.max_per_minute = 60;
  j.spec.abort_failure_percent = 12.5;
  j.spec.abort_min_finished = 8;
  j.spec.dynamic = true;
  store().jobs.insert_job(j);
  Job k = job("j2", "fan");
  store().jobs.insert_job(k);
  EXPECT_GT(k.seq, j.seq);

  auto found = store().jobs.find_job("j1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->seq, j.seq);
  EXPECT_EQ(found->spec.product, "lamp");
  EXPECT_EQ(found->spec.type, "firmware");
  EXPECT_EQ(found->spec.version, "2.0");
  EXPECT_EQ(found->spec.version_key, "firmware_ver");
  EXPECT_EQ(found->spec.url, "https://example.com/fw.bin");
  EXPECT_EQ(found->spec.md5, j.spec.md5);
  EXPECT_EQ(found->spec.size, 1024);
  EXPECT_EQ(found->spec.sha256, j.spec.sha256);
  EXPECT_EQ(found->spec.image_signature, j.spec.image_signature);
  EXPECT_EQ(found->spec.from_versions, j.spec.from_versions);
  EXPECT_EQ(found->spec.timeout_seconds, 600);
  EXPECT_EQ(found->spec.expires_at, 5000);
  EXPECT_EQ(found->spec.max_per_minute, 60);
  EXPECT_EQ(found->spec.abort_failure_percent, 12.5);
  EXPECT_EQ(found->spec.abort_min_finished, 8);
  EXPECT_TRUE(found->spec.dynamic);
  EXPECT_EQ(found->state, JobState::InProgress);
  EXPECT_EQ(found->created_at, 100);
  EXPECT_FALSE(found->finished_at);
  EXPECT_FALSE(store().jobs.find_job("nope"));
  auto plain = store().jobs.find_job("j2");
  EXPECT_FALSE(plain->spec.from_versions);
  EXPECT_FALSE(plain->spec.expires_at);
  EXPECT_FALSE(plain->spec.dynamic);
}

TEST_P(BackendContract, JobsAreListedNewestFirstByProductAndStateAndPaged) {
  for (const char* id : {"a", "b", "c", "d"}) {
    Job j = job(id, id[0] == 'c' ? "fan" : "lamp");
    store().jobs.insert_job(j);
  }
  store().jobs.set_job_state("b", JobState::Completed, 777);
  auto ids = [](const std::vector<Job>& jobs) {
    std::vector<std::string> out;
    for (const auto& j : jobs) out.push_back(j.id);
    return out;
  };
  EXPECT_EQ(ids(store().jobs.list_jobs(std::nullopt, std::nullopt, 0, 10)),
            (std::vector<std::string>{"d", "c", "b", "a"}));
  EXPECT_EQ(ids(store().jobs.list_jobs(std::string("lamp"), std::nullopt, 0, 2)), (std::vector<std::string>{"d", "b"}));
  const int64_t b_seq = store().jobs.find_job("b")->seq;
  EXPECT_EQ(ids(store().jobs.list_jobs(std::string("lamp"), std::nullopt, b_seq, 10)), (std::vector<std::string>{"a"}));
  EXPECT_EQ(ids(store().jobs.list_jobs(std::nullopt, JobState::Completed, 0, 10)), (std::vector<std::string>{"b"}));
  EXPECT_EQ(ids(store().jobs.in_progress_jobs()), (std::vector<std::string>{"a", "c", "d"}));
  EXPECT_EQ(store().jobs.find_job("b")->finished_at, 777);
}

TEST_P(BackendContract, AJobsTimersCursorsAndStatesAreKept) {
  Job expiring = job("e");
  expiring.spec.expires_at = 1000;
  store().jobs.insert_job(expiring);
  Job later = job("l");
  later.spec.expires_at = 9000;
  store().jobs.insert_job(later);
  EXPECT_EQ(store().jobs.expired_job_ids(1000), (std::vector<std::string>{"e"}));
  EXPECT_TRUE(store().jobs.expired_job_ids(999).empty());

  store().jobs.set_next_send_at("e", 1234);
  EXPECT_EQ(store().jobs.find_job("e")->next_send_at, 1234);
  store().jobs.set_fill_cursor("e", std::string("dev-42"));
  EXPECT_EQ(store().jobs.find_job("e")->fill_cursor, "dev-42");
  store().jobs.set_fill_cursor("e", std::nullopt);
  EXPECT_FALSE(store().jobs.find_job("e")->fill_cursor);

  add_job_with("ab", {"x"});
  store().jobs.set_job_state("ab", JobState::Aborted, 50);
  store().jobs.set_job_state("e", JobState::Aborted, 50);  // none queued
  EXPECT_EQ(store().jobs.aborted_job_ids_with_queued(), (std::vector<std::string>{"ab"}));
}

TEST_P(BackendContract, AJobCountsItsExecutionsByState) {
  add_job_with("j", {"a", "b", "c"});
  store().jobs.count_change("j", ExecState::Queued, ExecState::Sent);
  store().jobs.count_change("j", ExecState::Sent, ExecState::Succeeded);
  store().jobs.count_change("j", ExecState::Queued, ExecState::Queued);  // no change
  store().jobs.add_to_count("j", ExecState::Canceled, 1);
  store().jobs.add_to_count("j", ExecState::Queued, -1);
  Job j = *store().jobs.find_job("j");
  EXPECT_EQ(j.count(ExecState::Queued), 1);
  EXPECT_EQ(j.count(ExecState::Sent), 0);
  EXPECT_EQ(j.count(ExecState::Succeeded), 1);
  EXPECT_EQ(j.count(ExecState::Canceled), 1);
  EXPECT_EQ(j.total(), 3);
  EXPECT_EQ(j.unfinished(), 1);
  add_job_with("k", {"a", "d"});
  EXPECT_EQ(store().jobs.unfinished_execution_count(), 3);
}

TEST_P(BackendContract, AnExecutionKeepsEveryFieldAndIsFoundByJobAndDevice) {
  add_job_with("j", {});
  Execution e = execution("j", "d1");
  store().executions.insert_execution(e);
  EXPECT_GT(e.id, 0);
  e.state = ExecState::Failed;
  e.reason = "checksum_failed";
  e.progress = -2;
  e.desc = "bad md5";
  e.updated_at = 200;
  e.first_sent_at = 110;
  e.last_sent_at = 150;
  e.resends = 2;
  e.deadline_at = 9000;
  e.next_resend_at = 300;
  store().executions.update_execution(e);
  auto found = store().executions.find_execution("j", "d1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, e.id);
  EXPECT_EQ(found->device, (DeviceKey{"lamp", "d1"}));
  EXPECT_EQ(found->type, "firmware");
  EXPECT_EQ(found->version, "2.0");
  EXPECT_EQ(found->version_key, "firmware_ver");
  EXPECT_EQ(found->request_id, "req-d1");
  EXPECT_EQ(found->state, ExecState::Failed);
  EXPECT_EQ(found->reason, "checksum_failed");
  EXPECT_EQ(found->progress, -2);
  EXPECT_EQ(found->desc, "bad md5");
  EXPECT_EQ(found->created_at, 100);
  EXPECT_EQ(found->updated_at, 200);
  EXPECT_EQ(found->first_sent_at, 110);
  EXPECT_EQ(found->last_sent_at, 150);
  EXPECT_EQ(found->resends, 2);
  EXPECT_EQ(found->deadline_at, 9000);
  EXPECT_EQ(found->next_resend_at, 300);
  EXPECT_FALSE(store().executions.find_execution("j", "d2"));
}

TEST_P(BackendContract, ADevicesExecutionsAreSelectedByWhatTheirStateAllows) {
  // One job per state, each with an execution of device d.
  for (int i = 0; i < kExecStateCount; ++i) {
    const std::string id = std::string("job-") + to_string(static_cast<ExecState>(i));
    add_job_with(id, {});
    Execution e = execution(id, "d", static_cast<ExecState>(i));
    store().executions.insert_execution(e);
  }
  auto states = [](const std::vector<Execution>& executions) {
    std::vector<ExecState> out;
    for (const auto& e : executions) out.push_back(e.state);
    return out;
  };
  const DeviceKey d{"lamp", "d"};
  EXPECT_EQ(states(store().executions.unfinished_executions(d)), states_where(is_unfinished));
  EXPECT_EQ(states(store().executions.executions_awaiting_status(d)), states_where(awaits_status));
  auto recent = store().executions.recent_executions(d, 3);
  EXPECT_EQ(states(recent), (std::vector<ExecState>{ExecState::Canceled, ExecState::TimedOut, ExecState::Failed}));
  auto busy = store().executions.busy_devices("lamp", "firmware");  // once per unfinished execution
  EXPECT_EQ(std::set<std::string>(busy.begin(), busy.end()), (std::set<std::string>{"d"}));
  EXPECT_TRUE(store().executions.busy_devices("lamp", "app").empty());
  EXPECT_TRUE(store().executions.unfinished_executions({"lamp", "other"}).empty());
}

TEST_P(BackendContract, AJobsExecutionsArePagedByDeviceAndFilteredByState) {
  add_job_with("j", {"c", "a", "d", "b"});
  Execution b = *store().executions.find_execution("j", "b");
  b.state = ExecState::Sent;
  store().executions.update_execution(b);
  EXPECT_EQ(devices_of(store().executions.job_executions("j", std::nullopt, "", 3)),
            (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(devices_of(store().executions.job_executions("j", std::nullopt, "b", 10)),
            (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(devices_of(store().executions.job_executions("j", ExecState::Queued, "", 10)),
            (std::vector<std::string>{"a", "c", "d"}));
  EXPECT_EQ(devices_of(store().executions.job_executions("j", ExecState::Sent, "", 10)),
            (std::vector<std::string>{"b"}));
}

TEST_P(BackendContract, TimersFindWhatIsDueOldestFirst) {
  add_job_with("j", {"a", "b", "c"});
  const std::pair<const char*, int64_t> due[] = {{"a", 300}, {"b", 100}, {"c", 900}};
  for (const auto& [device, at] : due) {
    Execution e = *store().executions.find_execution("j", device);
    e.next_resend_at = at;
    e.deadline_at = at + 1;
    store().executions.update_execution(e);
  }
  EXPECT_EQ(devices_of(store().executions.due_for_resend(300, 10)), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(devices_of(store().executions.due_for_resend(1000, 1)), (std::vector<std::string>{"b"}));
  EXPECT_EQ(devices_of(store().executions.past_deadline(301, 10)), (std::vector<std::string>{"b", "a"}));
  EXPECT_TRUE(store().executions.past_deadline(100, 10).empty());
}

TEST_P(BackendContract, AJobOverAProductTargetsTheDevicesNotAtTheVersionInFromVersionsAndNotBusy) {
  auto& devices = store().devices;
  devices.save_status({"lamp", "at-target"}, "m", status({{"firmware_ver", "2.0"}}), 1);
  devices.save_status({"lamp", "old"}, "m", status({{"firmware_ver", "1.0"}}), 1);
  devices.save_status({"lamp", "older"}, "m", status({{"firmware_ver", "0.9"}}), 1);
  devices.save_status({"lamp", "no-version"}, "m", status({{"app_ver", "1"}}), 1);
  devices.save_status({"lamp", "busy"}, "m", status({{"firmware_ver", "1.0"}}), 1);
  devices.save_status({"fan", "other-product"}, "m", status({{"firmware_ver", "1.0"}}), 1);
  add_job_with("earlier", {"busy"});

  Job j = job("j");
  j.spec.from_versions = std::vector<std::string>{"1.0"};
  store().jobs.insert_job(j);
  TargetCounts t = store().executions.count_fleet_targets(j);
  EXPECT_EQ(t.targeted, 1);  // old
  EXPECT_EQ(t.already_at_version, 1);
  EXPECT_EQ(t.not_in_from_versions, 2);  // older, no-version
  EXPECT_EQ(t.busy, 1);

  Job any = job("any");
  store().jobs.insert_job(any);
  t = store().executions.count_fleet_targets(any);
  EXPECT_EQ(t.targeted, 3);  // no-version, old, older
  EXPECT_EQ(t.not_in_from_versions, 0);

  // Chunks: (after, upto] by device name.
  EXPECT_EQ(store().executions.fleet_chunk_end("lamp", "", 2), "busy");
  EXPECT_FALSE(store().executions.fleet_chunk_end("lamp", "old", 5));
  EXPECT_EQ(store().executions.insert_fleet_chunk(any, "", std::string("no-version"), 7), 1);
  EXPECT_EQ(store().executions.insert_fleet_chunk(any, "no-version", std::nullopt, 7), 2);
  EXPECT_EQ(devices_of(store().executions.job_executions("any", ExecState::Queued, "", 10)),
            (std::vector<std::string>{"no-version", "old", "older"}));
  auto created = *store().executions.find_execution("any", "old");
  EXPECT_EQ(created.version, "2.0");
  EXPECT_EQ(created.version_key, "firmware_ver");
  EXPECT_EQ(created.created_at, 7);
  EXPECT_FALSE(created.request_id.empty());
  EXPECT_NE(created.request_id, store().executions.find_execution("any", "older")->request_id);
}

TEST_P(BackendContract, AnExecutionsHistoryIsPagedNewestFirstAndBounded) {
  add_job_with("j", {"d"});
  const int64_t id = store().executions.find_execution("j", "d")->id;
  for (int i = 0; i < kExecutionHistoryKept + 5; ++i) {
    HistoryEntry h;
    h.at = i;
    h.event = i % 2 ? "progress" : "state";
    h.state = "downloading";
    if (i % 2) h.progress = i % 100;
    h.reason = i == 0 ? "first" : "";
    h.desc = "entry " + std::to_string(i);
    store().history.append_history(id, h);
  }
  auto all = store().history.history(id);
  ASSERT_EQ(all.size(), static_cast<size_t>(kExecutionHistoryKept));
  EXPECT_EQ(all.front().at, 5);  // the oldest five went
  EXPECT_EQ(all.back().desc, "entry 1004");
  EXPECT_EQ(all.back().event, "state");
  EXPECT_FALSE(all.back().progress);
  auto page = store().history.history_page(id, 0, 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].at, 1004);
  EXPECT_EQ(page[1].at, 1003);
  EXPECT_EQ(page[1].event, "progress");
  EXPECT_EQ(page[1].progress, 3);
  EXPECT_EQ(all.front().reason, "");
  auto next = store().history.history_page(id, page[1].id, 1);
  EXPECT_EQ(next.at(0).at, 1002);
  EXPECT_TRUE(store().history.history(id + 1000).empty());
}

TEST_P(BackendContract, AnAdminRequestsAnswerIsRememberedUntilForgotten) {
  auto& requests = store().admin_requests;
  EXPECT_FALSE(requests.answer_of("k1", 0));
  requests.remember("k1", "answer one", 100);
  requests.remember("k2", "answer two", 200);
  EXPECT_EQ(requests.answer_of("k1", 100), "answer one");
  EXPECT_FALSE(requests.answer_of("k1", 101));  // remembered before `since`
  requests.forget_before(150);
  EXPECT_FALSE(requests.answer_of("k1", 0));
  EXPECT_EQ(requests.answer_of("k2", 0), "answer two");
}

INSTANTIATE_TEST_SUITE_P(AllBackends, BackendContract, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace ota
