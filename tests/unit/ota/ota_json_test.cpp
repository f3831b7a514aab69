// The exact text of each OTA object's JSON: a renamed, moved or dropped field
// changes what admins and their event consumers parse, so it fails here first.
#include "ota/ota_json.h"

#include <gtest/gtest.h>

#include "ota/ota_messages.h"

using namespace ota;

namespace {

std::string text(rapidjson::Value (*build)(JsonAlloc&)) {
  rapidjson::Document d;
  return to_json(build(d.GetAllocator()));
}

// Every optional field set.
Execution failed_execution() {
  Execution e;
  e.id = 7;
  e.job_id = "job1";
  e.device = {"lamp", "d1"};
  e.type = "firmware";
  e.version = "1.1";
  e.version_key = "firmware_ver";
  e.request_id = "req1";
  e.state = ExecState::Failed;
  e.reason = "checksum_failed";
  e.progress = 40;
  e.desc = "bad \"sum\"";
  e.created_at = 1000;
  e.updated_at = 2000;
  e.first_sent_at = 1100;
  e.last_sent_at = 1500;
  e.resends = 2;
  return e;
}

// None set.
Execution queued_execution() {
  Execution e = failed_execution();
  e.state = ExecState::Queued;
  e.reason.clear();
  e.progress.reset();
  e.desc.clear();
  e.updated_at = 1000;
  e.first_sent_at.reset();
  e.last_sent_at.reset();
  e.resends = 0;
  return e;
}

Job full_job() {
  Job j;
  j.id = "job1";
  j.seq = 3;
  j.spec.product = "lamp";
  j.spec.type = "firmware";
  j.spec.version = "1.1";
  j.spec.version_key = "firmware_ver";
  j.spec.url = "https://x.example/fw.bin";
  j.spec.md5 = "9e107d9d372bb6826bd81d3542a419d6";
  j.spec.size = 1048576;
  j.spec.sha256 = std::string(64, 'a');
  j.spec.devices = std::vector<std::string>{"d1", "d2"};  // not shown
  j.spec.from_versions = std::vector<std::string>{"1.0", "0.9"};
  j.spec.timeout_seconds = 3600;
  j.spec.expires_at = 1800000000000;
  j.spec.max_per_minute = 60;
  j.spec.abort_failure_percent = 12.5;
  j.spec.abort_min_finished = 10;
  j.state = JobState::Aborted;
  j.created_at = 1000;
  j.finished_at = 5000;
  j.counts = {1, 2, 3, 4, 5, 6, 7, 8};
  j.next_send_at = 4000;  // not shown
  return j;
}

}  // namespace

TEST(OtaJson, ExecutionAdminFormShowsEveryFieldItHas) {
  EXPECT_EQ(text([](JsonAlloc& a) { return execution_json(failed_execution(), a); }),
            R"({"jobId":"job1","product":"lamp","device":"d1","type":"firmware","version":"1.1","state":"failed",)"
            R"("reason":"checksum_failed","progress":40,"desc":"bad \"sum\"","requestId":"req1","createdAt":1000,)"
            R"("updatedAt":2000,"firstSentAt":1100,"lastSentAt":1500,"resends":2})");
  EXPECT_EQ(text([](JsonAlloc& a) { return execution_json(queued_execution(), a); }),
            R"({"jobId":"job1","product":"lamp","device":"d1","type":"firmware","version":"1.1","state":"queued",)"
            R"("requestId":"req1","createdAt":1000,"updatedAt":1000,"resends":0})");
}

TEST(OtaJson, ExecutionEventFormHasEveryFieldNullWhenAbsent) {
  EXPECT_EQ(text([](JsonAlloc& a) { return execution_json(failed_execution(), a, 3000); }),
            R"({"jobId":"job1","product":"lamp","device":"d1","state":"failed","progress":40,)"
            R"("reason":"checksum_failed","desc":"bad \"sum\"","at":3000})");
  EXPECT_EQ(text([](JsonAlloc& a) { return execution_json(queued_execution(), a, 1000); }),
            R"({"jobId":"job1","product":"lamp","device":"d1","state":"queued","progress":null,"reason":null,)"
            R"("desc":null,"at":1000})");
  // What is published is that form.
  EXPECT_EQ(execution_event_payload(queued_execution(), 1000),
            text([](JsonAlloc& a) { return execution_json(queued_execution(), a, 1000); }));
}

TEST(OtaJson, JobShowsItsSpecStateAndCounts) {
  EXPECT_EQ(text([](JsonAlloc& a) { return job_json(full_job(), a); }),
            R"({"jobId":"job1","product":"lamp","type":"firmware","version":"1.1","versionKey":"firmware_ver",)"
            R"("url":"https://x.example/fw.bin","md5":"9e107d9d372bb6826bd81d3542a419d6","size":1048576,)"
            R"("sha256":")" + std::string(64, 'a') + R"(","fromVersions":["1.0","0.9"],"timeoutSeconds":3600,)"
            R"("expiresAt":1800000000000,"maxPerMinute":60,"abortFailurePercent":12.5,"abortMinFinished":10,)"
            R"("dynamic":false,"filling":false,"state":"aborted","createdAt":1000,"finishedAt":5000,"total":36,)"
            R"("counts":{"queued":1,"sent":2,"downloading":3,"installing":4,"succeeded":5,"failed":6,)"
            R"("timed_out":7,"canceled":8}})");
  EXPECT_EQ(text([](JsonAlloc& a) {
              Job j = full_job();
              j.spec.sha256.clear();
              j.spec.from_versions.reset();
              j.spec.expires_at.reset();
              j.spec.max_per_minute.reset();
              j.spec.abort_failure_percent.reset();
              j.spec.abort_min_finished.reset();
              j.spec.dynamic = true;
              j.fill_cursor = "d5";
              j.state = JobState::InProgress;
              j.finished_at.reset();
              j.counts = {};
              return job_json(j, a);
            }),
            R"({"jobId":"job1","product":"lamp","type":"firmware","version":"1.1","versionKey":"firmware_ver",)"
            R"("url":"https://x.example/fw.bin","md5":"9e107d9d372bb6826bd81d3542a419d6","size":1048576,)"
            R"("timeoutSeconds":3600,"dynamic":true,"filling":true,"state":"in_progress","createdAt":1000,"total":0,)"
            R"("counts":{"queued":0,"sent":0,"downloading":0,"installing":0,"succeeded":0,"failed":0,)"
            R"("timed_out":0,"canceled":0}})");
}

TEST(OtaJson, HistoryEntryLeavesOutWhatItLacks) {
  EXPECT_EQ(text([](JsonAlloc& a) {
              return history_entry_json(HistoryEntry{3000, "state", "failed", 40, "checksum_failed", "bad sum", 9}, a);
            }),
            R"({"at":3000,"event":"state","state":"failed","progress":40,"reason":"checksum_failed",)"
            R"("desc":"bad sum"})");
  EXPECT_EQ(text([](JsonAlloc& a) {
              return history_entry_json(HistoryEntry{1000, "state", "queued", {}, "", "", 1}, a);
            }),
            R"({"at":1000,"event":"state","state":"queued"})");
}

TEST(OtaJson, DeviceShowsItsStatusAsAnObject) {
  EXPECT_EQ(text([](JsonAlloc& a) {
              return device_json(DeviceRecord{{"lamp", "d1"}, R"({"firmware_ver":"1.0","x":[1,true]})", 1001}, true, a);
            }),
            R"({"product":"lamp","device":"d1","status":{"firmware_ver":"1.0","x":[1,true]},"statusAt":1001,)"
            R"("online":true})");
  EXPECT_EQ(text([](JsonAlloc& a) { return device_json(DeviceRecord{{"lamp", "d2"}, "not json", 5}, false, a); }),
            R"({"product":"lamp","device":"d2","status":null,"statusAt":5,"online":false})");
}

TEST(OtaJson, ProgressRecordAlwaysHasDescAndEndsWithTheIdAndTime) {
  const ProgressRecord with_desc{"m1", "firmware", "1.1", 30, "down \"loading\"", 2000};
  const ProgressRecord without{"m2", "firmware", "1.1", -2, "", 2001};
  rapidjson::Document d;
  EXPECT_EQ(to_json(progress_json(with_desc, d.GetAllocator())),
            R"({"type":"firmware","version":"1.1","progress":30,"desc":"down \"loading\"","messageId":"m1",)"
            R"("at":2000})");
  EXPECT_EQ(to_json(progress_json(without, d.GetAllocator())),
            R"({"type":"firmware","version":"1.1","progress":-2,"desc":"","messageId":"m2","at":2001})");
}
