#pragma once
// The audit log: one line per admin command, as Mosquitto's dynamic-security
// plugin writes one, so the broker's log says who asked for what and what came
// of it:
//   mosquitto_ota: admin | createUpgrade | user=ops | client=biz-1 | product=lamp | jobId=j-1 | targeted=3
//   mosquitto_ota: admin | getJob | user=ops | client=biz-1 | jobId=j-9 | error=not_found
// Commands that change state are logged at notice level, queries at info.
#include <rapidjson/document.h>

#include "admin/admin_api.h"

namespace ota {

// The line for `command` (as sent) answered with `response` (as sent).
LogLine audit_line(const AdminCaller& caller, const rapidjson::Value& command, const rapidjson::Value& response);

// The line for a request refused whole: none of its commands ran.
LogLine audit_refused_request(const AdminCaller& caller, const std::string& reason);

}  // namespace ota
