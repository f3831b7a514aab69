// What may be shown of a PostgreSQL URL: never its password.
#include <gtest/gtest.h>

#include "pgstorage/pg_url.h"

namespace ota {
namespace {

TEST(PgUrl, ThePasswordIsHiddenWhereverTheUrlHoldsIt) {
  EXPECT_EQ(redacted_url("postgresql://ota:s3cret@db.example:5432/ota"), "postgresql://ota:***@db.example:5432/ota");
  EXPECT_EQ(redacted_url("postgres://ota:p@ss@db/ota"), "postgres://ota:***@db/ota");  // '@' in the password
  EXPECT_EQ(redacted_url("postgresql://db/ota?user=ota&password=s3cret&sslmode=require"),
            "postgresql://db/ota?user=ota&password=***&sslmode=require");
  EXPECT_EQ(redacted_url("postgresql://ota@db/ota"), "postgresql://ota@db/ota");  // nothing to hide
}

TEST(PgUrl, AMessageQuotingThePasswordRawOrDecodedLosesIt) {
  const std::string url = "postgresql://ota:p%40ss@db/ota";
  EXPECT_EQ(without_password("bad token \"p%40ss\" or \"p@ss\"", url), "bad token \"***\" or \"***\"");
  EXPECT_EQ(without_password("no password here", "postgresql://ota@db/ota"), "no password here");
}

TEST(PgUrl, OnlyPostgresqlUrlsAreTakenForOne) {
  EXPECT_TRUE(is_pg_url("postgresql://db/ota"));
  EXPECT_TRUE(is_pg_url("postgres://db/ota"));
  EXPECT_FALSE(is_pg_url("/var/lib/mosquitto/ota.db"));
  EXPECT_FALSE(is_pg_url("mysql://db/ota"));
}

}  // namespace
}  // namespace ota
