#include "protocol/sessions.h"

namespace ota {

bool client_id_fits(const DeviceKey& device, std::string_view client_id) {
  const size_t base = device.product.size() + 1 + device.device.size();
  if (client_id.size() < base || !device.is_username(client_id.substr(0, base))) return false;
  return client_id.size() == base || (client_id[base] == '/' && client_id.size() > base + 1);
}

std::optional<uint64_t> Sessions::login_attempt(const void* client, DeviceKey device, std::string client_id) {
  auto replaced = closed(client);
  pending_[client] = Pending{std::move(device), std::move(client_id)};
  return replaced;
}

std::optional<Sessions::Session> Sessions::prove(const void* client) {
  auto it = pending_.find(client);
  if (it == pending_.end()) return std::nullopt;
  Session s{++next_conn_, std::move(it->second.device), std::move(it->second.client_id)};
  pending_.erase(it);
  open_[client] = s.conn;
  return s;
}

std::vector<Sessions::Session> Sessions::prove_all_pending() {
  std::vector<Session> out;
  while (!pending_.empty()) out.push_back(*prove(pending_.begin()->first));
  return out;
}

std::optional<uint64_t> Sessions::closed(const void* client) {
  pending_.erase(client);
  auto it = open_.find(client);
  if (it == open_.end()) return std::nullopt;
  uint64_t conn = it->second;
  open_.erase(it);
  return conn;
}

}  // namespace ota
