// The PostgreSQL database against a real server (tests/support/pg_server.h):
// connecting, migrating once under the advisory lock, transactions, and what
// its errors say.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "broker_process.h"
#include "pg_server.h"
#include "pgstorage/pg_database.h"
#include "pgstorage/pg_migrate.h"
#include "pgstorage/pg_schema.h"

namespace ota {
namespace {

using ota_test::test_pg_server;

int64_t count(PgConnection& db, const std::string& sql) { return db.query(sql).int_at(0, 0); }

TEST(PgDatabase, AFreshDatabaseIsMigratedOnceAndEachMigrationRecorded) {
  const std::string url = test_pg_server().create_database();
  const int latest = static_cast<int>(pg_migrations().size());
  ASSERT_GT(latest, 0);
  {
    PgDatabase db(url);
    EXPECT_EQ(db.schema_version(), latest);
  }
  PgDatabase again(url);  // a second open finds nothing to do
  EXPECT_EQ(again.schema_version(), latest);
  EXPECT_EQ(count(again.connection(), "SELECT COUNT(*) FROM schema_version"), latest);
  EXPECT_EQ(again.connection().query("SELECT name FROM schema_version WHERE version = 1").text_at(0, 0),
            pg_migrations()[0].name);
}

TEST(PgDatabase, OpenersThatStartTogetherWaitForTheLockAndMigrateOnce) {
  const std::string url = test_pg_server().create_database();
  PgConnection holder(url);
  holder.query("SELECT pg_advisory_lock($1)", kPgMigrationLock);
  std::vector<int> versions(3, -1);
  std::vector<std::thread> openers;
  for (size_t i = 0; i < versions.size(); ++i) {
    openers.emplace_back([&, i] {
      try {
        versions[i] = PgDatabase(url).schema_version();
      } catch (const PgError&) {
        versions[i] = -2;
      }
    });
  }
  // All of them queue on the lock before any migrates.
  PgConnection watcher(url);
  const std::string waiting =
      "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = "
      "(SELECT oid FROM pg_database WHERE datname = current_database())";
  EXPECT_TRUE(ota_test::eventually([&] { return count(watcher, waiting) == 3; }, std::chrono::seconds(10)));
  holder.query("SELECT pg_advisory_unlock($1)", kPgMigrationLock);
  for (auto& t : openers) t.join();
  const int latest = static_cast<int>(pg_migrations().size());
  EXPECT_EQ(versions, std::vector<int>(3, latest));
  EXPECT_EQ(count(watcher, "SELECT COUNT(*) FROM schema_version"), latest);
  EXPECT_EQ(count(watcher, "SELECT COUNT(DISTINCT version) FROM schema_version"), latest);
}

TEST(PgDatabase, ADatabaseFromANewerBuildIsRefused) {
  const std::string url = test_pg_server().create_database();
  { PgDatabase db(url); }
  PgConnection raw(url);
  raw.query("INSERT INTO schema_version (version, name) VALUES ($1, 'from_the_future.sql')",
            static_cast<int>(pg_migrations().size()) + 1);
  try {
    PgDatabase db(url);
    FAIL() << "opened";
  } catch (const PgError& e) {
    EXPECT_NE(std::string(e.what()).find("is newer than this plugin's"), std::string::npos) << e.what();
    EXPECT_FALSE(e.storage_fault());
  }
}

TEST(PgDatabase, AnUnreachableServerIsAStorageFaultNamedWithoutThePassword) {
  const std::string url = "postgresql://ota:s3cret@127.0.0.1:" + std::to_string(ota_test::free_port()) + "/ota";
  try {
    PgDatabase db(url);
    FAIL() << "connected";
  } catch (const PgError& e) {
    const std::string what = e.what();
    EXPECT_TRUE(e.storage_fault());
    EXPECT_EQ(what.find("s3cret"), std::string::npos) << what;
    EXPECT_NE(what.find("postgresql://ota:***@127.0.0.1:"), std::string::npos) << what;
  }
}

TEST(PgDatabase, ABadUrlIsRefusedAsASettingWithoutThePassword) {
  for (const std::string url : {"mysql://ota:s3cret@db/ota", "postgresql://ota:s3cret@db/ota?nosuchoption=1"}) {
    try {
      PgDatabase db(url);
      FAIL() << "opened " << url;
    } catch (const PgError& e) {
      EXPECT_FALSE(e.storage_fault()) << e.what();
      EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
    }
  }
}

TEST(PgDatabase, ALostConnectionIsAStorageFault) {
  const std::string url = test_pg_server().create_database();
  PgDatabase db(url);
  const int64_t pid = PQbackendPID(db.connection().handle());
  PgConnection killer(url);
  killer.query("SELECT pg_terminate_backend($1::integer)", pid);
  try {
    db.begin();
    db.connection().query("SELECT 1");
    FAIL() << "the connection survived";
  } catch (const PgError& e) {
    EXPECT_TRUE(e.storage_fault()) << e.what();
    EXPECT_TRUE(db.connection().lost());
  }
}

// Ends the session of `victim` and waits until the server has let it go.
void terminate(PgConnection& killer, PgConnection& victim) {
  const int64_t pid = PQbackendPID(victim.handle());
  killer.query("SELECT pg_terminate_backend($1::integer)", pid);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (killer.query("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::integer", pid).int_at(0, 0) > 0) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "backend " << pid << " still there";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// After a lost connection, the transaction in it fails as a whole; the next
// one connects again, prepares its statements again and works.
TEST(PgDatabase, ALostConnectionFailsItsTransactionAndTheNextOneConnectsAgain) {
  const std::string url = test_pg_server().create_database();
  PgDatabase db(url);
  db.connection().exec("CREATE TABLE t (x integer)");
  PgConnection killer(url);
  db.begin();
  db.connection().query("INSERT INTO t VALUES ($1::integer)", 1);
  terminate(killer, db.connection());
  EXPECT_THROW(db.connection().query("INSERT INTO t VALUES ($1::integer)", 2), PgError)
      << "a transaction must not go on over a new connection";
  db.rollback();
  db.begin();
  db.connection().query("INSERT INTO t VALUES ($1::integer)", 3);
  db.commit();
  EXPECT_EQ(killer.query("SELECT string_agg(x::text, ',') FROM t").text_at(0, 0), "3");
}

TEST(PgDatabase, ValuesTravelAsParametersWhateverTheyHold) {
  PgDatabase db(test_pg_server().create_database());
  const std::string hostile = "it's \"quoted\", \\back\\slashed'; DROP TABLE jobs; --";
  EXPECT_EQ(db.connection().query("SELECT $1::text", hostile).text_at(0, 0), hostile);
  const std::vector<std::string> items{"a,b", "{c}", "d\"e", "f\\g", "", "NULL"};
  PgResult r = db.connection().query("SELECT array_length($1::text[], 1), ($1::text[])[3], ($1::text[])[6]",
                                     pg_text_array(items));
  EXPECT_EQ(r.int_at(0, 0), 6);
  EXPECT_EQ(r.text_at(0, 1), "d\"e");
  EXPECT_FALSE(r.null_at(0, 2));  // the string "NULL", not SQL NULL
  EXPECT_EQ(db.connection().query("SELECT $1::double precision", 12.5).optional_double_at(0, 0), 12.5);
  EXPECT_EQ(db.connection().query("SELECT $1::bigint", std::optional<int64_t>{}).optional_int_at(0, 0), std::nullopt);
}

TEST(PgDatabase, SavepointsNestAndACommitAfterAFailedStatementThrows) {
  PgDatabase db(test_pg_server().create_database());
  PgConnection& c = db.connection();
  auto remember = [&](const char* key) { c.query("INSERT INTO admin_requests (key, response, at) VALUES ($1, '', 0)", key); };
  db.begin();
  remember("kept");
  db.savepoint();
  remember("undone");
  db.savepoint();
  remember("released-then-undone");
  db.release();
  db.rollback_to();
  db.savepoint();
  remember("kept-too");
  db.release();
  db.commit();
  EXPECT_EQ(count(c, "SELECT COUNT(*) FROM admin_requests"), 2);

  db.begin();
  remember("lost");
  EXPECT_THROW(remember("kept"), PgError);  // a duplicate key: the transaction is now aborted
  try {
    db.commit();
    FAIL() << "a failed transaction committed";
  } catch (const PgError& e) {
    EXPECT_FALSE(e.storage_fault());
  }
  EXPECT_EQ(count(c, "SELECT COUNT(*) FROM admin_requests"), 2);
}

}  // namespace
}  // namespace ota
