#include "protocol/options.h"

#include <gtest/gtest.h>

using namespace ota;

TEST(Options, DefaultsMatchTheSpec) {
  auto r = parse_options({});
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.options.db_path, "/var/lib/mosquitto/ota.db");
  EXPECT_TRUE(r.options.admin_usernames.empty());
  EXPECT_EQ(r.options.flush_ms, 200);
  EXPECT_EQ(r.options.resend_seconds, 60);
  EXPECT_EQ(r.options.max_resends, 5);
  EXPECT_EQ(r.options.max_payload_bytes, 16384u);
  EXPECT_FALSE(r.options.acl_default_allow);
  EXPECT_EQ(r.options.progress_history, 1000);
}

TEST(Options, ValuesAreRead) {
  auto r = parse_options({{"db_path", "/tmp/x.db"},
                          {"admin_usernames", "ops, billing ,root"},
                          {"flush_ms", "50"},
                          {"resend_seconds", "5"},
                          {"max_resends", "0"},
                          {"max_payload_bytes", "4096"},
                          {"acl_default", "allow"},
                          {"progress_history", "10"}});
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.options.db_path, "/tmp/x.db");
  EXPECT_EQ(r.options.admin_usernames, (std::vector<std::string>{"ops", "billing", "root"}));
  EXPECT_EQ(r.options.flush_ms, 50);
  EXPECT_EQ(r.options.resend_seconds, 5);
  EXPECT_EQ(r.options.max_resends, 0);
  EXPECT_EQ(r.options.max_payload_bytes, 4096u);
  EXPECT_TRUE(r.options.acl_default_allow);
  EXPECT_EQ(r.options.progress_history, 10);
}

TEST(Options, EveryBadValueNamesItsOption) {
  std::pair<std::string, std::string> bad[] = {
      {"db_path", ""},          {"admin_usernames", "a,,b"}, {"flush_ms", "0"},          {"flush_ms", "fast"},
      {"flush_ms", "10ms"},     {"resend_seconds", "-1"},    {"max_resends", "1001"},    {"max_payload_bytes", "10"},
      {"acl_default", "deny"},  {"flush_ms", ""},            {"max_payload_bytes", "99999999999999999999"},
      {"progress_history", "9"}, {"progress_history", "100001"}, {"progress_history", "1k"},
  };
  for (const auto& opt : bad) {
    auto r = parse_options({opt});
    EXPECT_NE(r.error.find("plugin_opt_" + opt.first), std::string::npos) << opt.first << "=" << opt.second;
  }
}

TEST(Options, UnknownOptionIsAnError) {
  auto r = parse_options({{"flush_msec", "100"}});
  EXPECT_NE(r.error.find("unknown option plugin_opt_flush_msec"), std::string::npos);
}

TEST(Options, ProgressHistoryTakesItsWholeRange) {
  for (const char* value : {"10", "100000"}) {
    auto r = parse_options({{"progress_history", value}});
    ASSERT_EQ(r.error, "") << value;
    EXPECT_EQ(r.options.progress_history, std::stoi(value));
  }
}

TEST(Options, ADatabaseUrlIsAPostgresqlUrlNeverQuotedBackAndExcludesTheDbPath) {
  auto r = parse_options({{"db_url", "postgresql://ota:pw@db.example.com:5432/ota"}});
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.options.db_url, "postgresql://ota:pw@db.example.com:5432/ota");
  EXPECT_EQ(parse_options({{"db_url", "postgres://db/ota"}}).error, "");

  r = parse_options({{"db_url", "mysql://ota:s3cret@db/ota"}});
  EXPECT_EQ(r.error, "plugin_opt_db_url must be a postgresql:// URL");
  EXPECT_EQ(parse_options({{"db_url", ""}}).error, "plugin_opt_db_url must be a postgresql:// URL");

  r = parse_options({{"db_path", "/tmp/x.db"}, {"db_url", "postgresql://db/ota"}});
  EXPECT_NE(r.error.find("plugin_opt_db_path and plugin_opt_db_url exclude each other"), std::string::npos) << r.error;
}

TEST(Options, BrokersSharingADatabaseAreNamedAndTimedOutOnlyWithADatabaseUrl) {
  auto r = parse_options({{"db_url", "postgresql://db/ota"}, {"broker_id", "eu-1:1883"},
                          {"broker_timeout_seconds", "10"}});
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.options.broker_id, "eu-1:1883");
  EXPECT_EQ(r.options.broker_timeout_seconds, 10);
  EXPECT_EQ(parse_options({{"db_url", "postgresql://db/ota"}}).options.broker_timeout_seconds, 30);

  EXPECT_NE(parse_options({{"db_url", "postgresql://db/ota"}, {"broker_id", "two words"}}).error.find(
                "plugin_opt_broker_id \"two words\" must be 1-128 printable ASCII characters"),
            std::string::npos);
  EXPECT_NE(parse_options({{"db_url", "postgresql://db/ota"}, {"broker_id", std::string(129, 'b')}}).error, "");
  EXPECT_NE(parse_options({{"db_url", "postgresql://db/ota"}, {"broker_timeout_seconds", "1"}}).error, "");
  EXPECT_NE(parse_options({{"broker_id", "a"}}).error.find("need plugin_opt_db_url"), std::string::npos);
  EXPECT_NE(parse_options({{"broker_timeout_seconds", "10"}}).error.find("need plugin_opt_db_url"),
            std::string::npos);
}
