#pragma once
// Brings a PostgreSQL database to this build's schema.
#include "pgstorage/pg_connection.h"

namespace ota {

// The advisory lock key held while migrating ("ota_migr"): several brokers
// opening one database at once migrate it once, one after the other.
inline constexpr int64_t kPgMigrationLock = 0x6f74615f6d696772;
// Held by the broker that leads the brokers sharing a database
// (store/cluster.h), for as long as its connection lasts ("ota_lead").
inline constexpr int64_t kPgLeaderLock = 0x6f74615f6c656164;

// Applies the migrations the database lacks, each in its own transaction,
// under the advisory lock; returns the schema version. Throws PgError when the
// database is from a newer build.
int pg_migrate(PgConnection& db);
// The schema version of a database, 0 when it has none.
int pg_schema_version(PgConnection& db);

}  // namespace ota
