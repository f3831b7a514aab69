// The targeting rule, and the SQL of a job over a whole product held to it,
// in every backend of the contract suite (store/backends.h).
#include "ota/targeting.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "store/backends.h"

namespace ota {
namespace {

JobSpec spec_for(std::optional<std::vector<std::string>> from_versions, const std::string& product = "lamp") {
  JobSpec s;
  s.product = product;
  s.type = "firmware";
  s.version = "2.0";
  s.version_key = "firmware_ver";
  s.from_versions = std::move(from_versions);
  return s;
}

TEST(Targeting, TheVersionDecidesFirstThenFromVersionsThenBusy) {
  const std::string v2 = "2.0", v1 = "1.0", v0 = "0.9";
  const JobSpec any = spec_for(std::nullopt);
  const JobSpec from_v1 = spec_for(std::vector<std::string>{"1.0"});
  EXPECT_EQ(why_skipped(any, &v2, true), Skip::AlreadyAtVersion);
  EXPECT_EQ(why_skipped(from_v1, &v2, true), Skip::AlreadyAtVersion);
  EXPECT_EQ(why_skipped(from_v1, &v0, true), Skip::NotInFromVersions);
  EXPECT_EQ(why_skipped(from_v1, nullptr, false), Skip::NotInFromVersions);
  EXPECT_EQ(why_skipped(from_v1, &v1, true), Skip::Busy);
  EXPECT_EQ(why_skipped(any, nullptr, true), Skip::Busy);
  EXPECT_EQ(why_skipped(from_v1, &v1, false), Skip::None);
  EXPECT_EQ(why_skipped(any, nullptr, false), Skip::None);
  EXPECT_EQ(why_skipped(spec_for(std::vector<std::string>{}), &v1, false), Skip::NotInFromVersions);
}

class FleetTargeting : public ::testing::TestWithParam<Backend> {};

// Random fleets, one product each: the counts and the executions the
// backend's SQL makes are exactly what why_skipped() says of each device.
TEST_P(FleetTargeting, AJobOverAProductTargetsExactlyWhatTheRuleSays) {
  std::mt19937 random(20261201);
  const std::vector<std::optional<std::string>> versions = {std::nullopt, "0.9", "1.0", "1.1", "2.0"};
  const auto backend = GetParam().open(1000);
  Repositories repos = backend->repositories();
  repos.transactions.begin();
  for (int round = 0; round < 20; ++round) {
    const std::string product = "lamp" + std::to_string(round);
    std::optional<std::vector<std::string>> from;
    if (random() % 3) {
      from.emplace();
      for (const char* v : {"0.9", "1.0", "1.1", "2.0"}) {
        if (random() % 2) from->push_back(v);
      }
    }
    Job busy_job;
    busy_job.id = "busy-" + product;
    busy_job.spec = spec_for(std::nullopt, product);
    busy_job.spec.type = random() % 2 ? "firmware" : "app";  // another type does not make a device busy
    repos.jobs.insert_job(busy_job);

    TargetCounts expected;
    std::set<std::string> expected_targets;
    const JobSpec spec = spec_for(from, product);
    for (int i = 0; i < 40; ++i) {
      const std::string name = "d" + std::to_string(100 + i);
      const auto& version = versions[random() % versions.size()];
      StatusPayload status;
      status.json = "{}";
      if (version) status.versions.push_back({"firmware_ver", *version});
      if (random() % 4 == 0) status.versions.push_back({"other_ver", "2.0"});
      repos.devices.save_status({product, name}, "m", status, 1);
      bool busy = false;
      if (random() % 4 == 0) {
        Execution e;
        e.job_id = busy_job.id;
        e.device = {product, name};
        e.type = busy_job.spec.type;
        e.state = static_cast<ExecState>(random() % kExecStateCount);
        repos.executions.insert_execution(e);
        busy = e.type == spec.type && is_unfinished(e.state);
      }
      switch (why_skipped(spec, version ? &*version : nullptr, busy)) {
        case Skip::AlreadyAtVersion:
          ++expected.already_at_version;
          break;
        case Skip::NotInFromVersions:
          ++expected.not_in_from_versions;
          break;
        case Skip::Busy:
          ++expected.busy;
          break;
        case Skip::None:
          ++expected.targeted;
          expected_targets.insert(name);
      }
    }
    Job job;
    job.id = "j-" + product;
    job.spec = spec;
    repos.jobs.insert_job(job);
    TargetCounts counted = repos.executions.count_fleet_targets(job);
    EXPECT_EQ(counted.targeted, expected.targeted) << "round " << round;
    EXPECT_EQ(counted.already_at_version, expected.already_at_version) << "round " << round;
    EXPECT_EQ(counted.not_in_from_versions, expected.not_in_from_versions) << "round " << round;
    EXPECT_EQ(counted.busy, expected.busy) << "round " << round;

    EXPECT_EQ(repos.executions.insert_fleet_chunk(job, "", std::nullopt, 2), expected.targeted);
    std::set<std::string> created;
    for (const auto& e : repos.executions.job_executions(job.id, std::nullopt, "", 1000)) created.insert(e.device.device);
    EXPECT_EQ(created, expected_targets) << "round " << round;
  }
  repos.transactions.rollback();
}

INSTANTIATE_TEST_SUITE_P(AllBackends, FleetTargeting, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace ota
