#include "ota/targeting.h"

#include <algorithm>

namespace ota {

Skip why_skipped(const JobSpec& spec, const std::string* current, bool busy) {
  if (current && *current == spec.version) return Skip::AlreadyAtVersion;
  if (spec.from_versions &&
      (!current || std::find(spec.from_versions->begin(), spec.from_versions->end(), *current) ==
                       spec.from_versions->end())) {
    return Skip::NotInFromVersions;
  }
  if (busy) return Skip::Busy;
  return Skip::None;
}

}  // namespace ota
