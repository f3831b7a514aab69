#pragma once
// Random identifiers for jobs and command requests.
#include <string>

namespace ota {

// 24 lowercase hex characters (96 random bits), like IotHub's message ids.
std::string random_id();

}  // namespace ota
