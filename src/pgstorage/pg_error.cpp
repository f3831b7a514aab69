#include "pgstorage/pg_error.h"

namespace ota {

bool PgError::storage_fault() const {
  if (connection_lost) return true;
  // SQLSTATE classes (PostgreSQL manual, appendix A): 08 connection, 40
  // transaction rollback (deadlock, serialization), 53 insufficient resources
  // (disk full, out of memory), 57 operator intervention (shutdown), 58 system (I/O).
  const std::string cls = sqlstate.substr(0, 2);
  return cls == "08" || cls == "40" || cls == "53" || cls == "57" || cls == "58";
}

}  // namespace ota
