#include "pgstorage/pg_rows.h"

namespace ota {

std::string pg_states(bool (*in)(ExecState)) {
  std::string out = "(";
  for (ExecState s : states_where(in)) {
    if (out.size() > 1) out += ", ";
    out += std::string("'") + to_string(s) + "'";
  }
  return out + ")";
}

}  // namespace ota
