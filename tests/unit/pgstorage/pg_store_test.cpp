// What the PostgreSQL repositories do past what the contract tests reach:
// the limits that keep work per report constant, and pages read in parts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "pg_server.h"
#include "pgstorage/pg_store.h"
#include "store/recent_messages.h"

namespace ota {
namespace {

using ota_test::test_pg_server;

TEST(PgStore, ADeviceKeepsItsLastReportsWholeAndTheIdsOfItsLastThousand) {
  PgStore store(test_pg_server().create_database(), 3);
  auto repos = store.repositories();
  const DeviceKey d{"lamp", "d1"}, other{"lamp", "d2"};
  const int sent = static_cast<int>(kRecentIdsPerDevice) + 10;
  repos.transactions.begin();
  for (int i = 1; i <= sent; ++i) {
    repos.progress.append_progress(d, "p" + std::to_string(i), {"firmware", "2.0", i % 100, ""}, i);
  }
  repos.progress.append_progress(other, "q1", {"firmware", "2.0", 5, "other"}, 1);
  repos.transactions.commit();
  auto whole = repos.progress.recent_progress(d, 10);
  ASSERT_EQ(whole.size(), 3u);
  EXPECT_EQ(whole[0].message_id, "p" + std::to_string(sent));
  EXPECT_EQ(whole[0].desc, "");
  auto ids = repos.progress.recent_progress_ids(d, sent);
  ASSERT_EQ(ids.size(), kRecentIdsPerDevice);
  EXPECT_EQ(ids.front(), "p" + std::to_string(sent));
  EXPECT_EQ(ids.back(), "p11");  // the ten oldest went
  EXPECT_EQ(repos.progress.recent_progress(other, 10).at(0).desc, "other");
  // The counts that trimming relies on match what is kept.
  PgResult head = store.database().connection().query(
      "SELECT n_reports, n_entries FROM progress_heads WHERE product = 'lamp' AND device = 'd1'");
  EXPECT_EQ(head.int_at(0, 0), 3);
  EXPECT_EQ(head.int_at(0, 1), static_cast<int64_t>(kRecentIdsPerDevice));
}

TEST(PgStore, DevicesAreVisitedInPagesUpToTheLimitInNameOrder) {
  PgStore store(test_pg_server().create_database());
  auto repos = store.repositories();
  repos.transactions.begin();
  StatusPayload status{R"({"v":"1"})", {{"v", "1"}}};
  for (int i = 0; i < 700; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "dev-%04d", i);
    repos.devices.save_status({"lamp", name}, "m", status, 1);
  }
  repos.transactions.commit();
  std::vector<std::string> seen;
  store.readers().devices.visit_devices("lamp", "dev-0099", 550, VersionFilter{"v", "1"}, [&](DeviceRecord&& r) {
    seen.push_back(r.key.device);
    return true;
  });
  ASSERT_EQ(seen.size(), 550u);
  EXPECT_EQ(seen.front(), "dev-0100");
  EXPECT_EQ(seen.back(), "dev-0649");
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  int visited = 0;
  store.readers().devices.visit_devices("lamp", "", 700, std::nullopt, [&](DeviceRecord&&) { return ++visited < 300; });
  EXPECT_EQ(visited, 300);
}

}  // namespace
}  // namespace ota
