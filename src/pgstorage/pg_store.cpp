#include "pgstorage/pg_store.h"

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
      cluster_(database_.connection()) {
  // The lead of brokers sharing the database is this connection's session: if
  // the broker vanishes without closing it (a network partition), the server
  // ends the session, and frees the lead, in about 25 s, not 2 hours.
  for (const char* setting : {"SET tcp_keepalives_idle = 10", "SET tcp_keepalives_interval = 5",
                              "SET tcp_keepalives_count = 3"}) {
    database_.connection().on_connect(setting);
  }
}

}  // namespace ota
