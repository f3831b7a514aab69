#pragma once
// The check of an admin request's MQTT 5 Response Topic (SPEC "Response Topic
// is checked"): the plugin publishes its answer there, so it must be a topic
// an admin may be answered on, never one of the plugin's own.
#include <string>
#include <string_view>

namespace ota {

// Empty when `topic` is fit to answer on, else why not.
std::string response_topic_error(std::string_view topic);

}  // namespace ota
