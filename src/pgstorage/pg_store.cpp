#include "pgstorage/pg_store.h"

#include "pgstorage/pg_migrate.h"
#include "pgstorage/pg_url.h"

namespace ota {

PgStore::PgStore(const std::string& url, int progress_history)
    : name_(redacted_url(url)),
      database_(url),
      devices_(database_.connection()),
      progress_(database_.connection(), progress_history),
      jobs_(database_.connection()),
      executions_(database_.connection()),
      history_(database_.connection()),
      admin_requests_(database_.connection()) {
  // Several brokers on one database would each run the timers: until they
  // share the work, the second is refused (at start, and after a reconnection).
  database_.connection().on_connect("SELECT pg_try_advisory_lock(" + std::to_string(kPgWriterLock) + ")",
                                    "another broker already uses this database: give each broker its own database");
}

PgStore::PgStore(const std::string& url, ReadOnly)
    : name_(redacted_url(url)),
      database_(url, PgDatabase::ReadOnly{}),
      devices_(database_.connection()),
      progress_(database_.connection()),
      jobs_(database_.connection()),
      executions_(database_.connection()),
      history_(database_.connection()),
      admin_requests_(database_.connection()) {}

}  // namespace ota
