#pragma once
// What happens at a broker that the worker applies: device reports, device
// connections, admin requests.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "admin/admin_request.h"
#include "protocol/reports.h"

namespace ota {

struct ConnectionOpened {
  uint64_t conn;
  DeviceKey device;
  std::string client_id{};
};

struct ConnectionClosed {
  uint64_t conn;
};

struct AdminRequest {
  std::string username;
  std::string payload;
  std::string response_topic;  // $CONTROL/ota/v1/response or the MQTT 5 Response Topic
  std::optional<std::string> correlation_data;
  std::string client_id{};
  int qos = 0;
  // The payload parsed, once: by whoever first needs it (see parsed()).
  std::shared_ptr<const ParsedAdminRequest> body{};
  // Brokers sharing a store: the broker the request came to, which publishes
  // the answer (empty: this one).
  std::string origin{};
};

// The request's payload parsed: parsed now if it was not yet.
const ParsedAdminRequest& parsed(AdminRequest& request);

using Event = std::variant<Report, ConnectionOpened, ConnectionClosed, AdminRequest>;

}  // namespace ota
