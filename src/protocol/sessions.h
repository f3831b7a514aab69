#pragma once
// Which device logins are real sessions (SPEC "Only authenticated sessions count").
//
// Mosquitto runs a plugin's BASIC_AUTH before password_file (or a later
// authenticator) decides, so a login seen there may still be refused. A refused
// login is disconnected in the same loop pass, before the next tick, and a client
// gets ACL checks only once it is connected. So a login becomes a session at the
// client's first ACL check or at the next tick, whichever comes first, and one
// that is disconnected before either never counts.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "protocol/topics.h"

namespace ota {

// A device's client id must be "{product}/{device}" or "{product}/{device}/{suffix}".
bool client_id_fits(const DeviceKey& device, std::string_view client_id);

class Sessions {
 public:
  struct Session {
    uint64_t conn;  // numbered, so that a reused client pointer is never taken for an earlier session
    DeviceKey device;
    std::string client_id;
  };

  // A device login attempt by `client`. If the client already had a session
  // (a second login on one connection), that session is closed: its number is returned.
  std::optional<uint64_t> login_attempt(const void* client, DeviceKey device, std::string client_id);
  // The client passed an ACL check: its login, if still pending, is a session now.
  // Cheap when nothing is pending: it runs on every ACL check.
  std::optional<Session> proven(const void* client) {
    if (pending_.empty()) return std::nullopt;
    return prove(client);
  }
  // A tick: every pending login survived a loop pass and is a session now.
  std::vector<Session> prove_all_pending();
  // The client's connection ended: the number of its session, if it had one.
  std::optional<uint64_t> closed(const void* client);

  size_t pending_count() const { return pending_.size(); }
  size_t session_count() const { return open_.size(); }

 private:
  std::optional<Session> prove(const void* client);
  struct Pending {
    DeviceKey device;
    std::string client_id;
  };
  std::unordered_map<const void*, Pending> pending_;
  std::unordered_map<const void*, uint64_t> open_;
  uint64_t next_conn_ = 0;
};

}  // namespace ota
