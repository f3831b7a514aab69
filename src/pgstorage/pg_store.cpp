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
      admin_requests_(database_.connection()),
      cluster_(database_.connection()) {}

PgStore::PgStore(const std::string& url, ReadOnly)
    : name_(redacted_url(url)),
      database_(url, PgDatabase::ReadOnly{}),
      devices_(database_.connection()),
      progress_(database_.connection()),
      jobs_(database_.connection()),
      executions_(database_.connection()),
      history_(database_.connection()),
      admin_requests_(database_.connection()),
      cluster_(database_.connection()) {}

}  // namespace ota
