#pragma once
// Validation of the names that appear in topics and requests (see SPEC "Names").
#include <string_view>

namespace ota {

// Product and device names: 1-64 characters of [A-Za-z0-9_.-].
bool is_valid_name(std::string_view s);
// Message and request ids: 1-64 characters of [A-Za-z0-9_-].
bool is_valid_message_id(std::string_view s);
// Upgrade types: 1-32 characters of [a-z0-9_].
bool is_valid_upgrade_type(std::string_view s);

}  // namespace ota
