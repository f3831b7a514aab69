#pragma once
// Which devices an upgrade targets (SPEC "createUpgrade"): the one rule, used
// for a device list, for a job over a whole product (whose SQL a test checks
// against it: tests/unit/ota/targeting_test.cpp) and for devices joining a
// dynamic job.
#include <string>

#include "store/records.h"

namespace ota {

enum class Skip { None, AlreadyAtVersion, NotInFromVersions, Busy };

// Why a known device is not a target of `spec`, or None when it is one.
// `current`: the device's value of the job's version key (null when it reported
// none); `busy`: it has an unfinished execution of the job's type.
Skip why_skipped(const JobSpec& spec, const std::string* current, bool busy);

}  // namespace ota
