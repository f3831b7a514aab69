#include "pgstorage/pg_store.h"

namespace ota {

PgStore::PgStore(const std::string& url, int progress_history)
    : database_(url),
      devices_(database_.connection()),
      progress_(database_.connection(), progress_history),
      jobs_(database_.connection()),
      executions_(database_.connection()),
      history_(database_.connection()),
      admin_requests_(database_.connection()) {}

PgStore::PgStore(const std::string& url, ReadOnly)
    : database_(url, PgDatabase::ReadOnly{}),
      devices_(database_.connection()),
      progress_(database_.connection()),
      jobs_(database_.connection()),
      executions_(database_.connection()),
      history_(database_.connection()),
      admin_requests_(database_.connection()) {}

}  // namespace ota
