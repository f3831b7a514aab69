#pragma once
// How brokers sharing a store (store/cluster.h) write events and messages for
// each other: a kind byte, then length-prefixed fields. Binary-safe (an admin
// payload or correlation data is passed on byte for byte), and a body that
// does not decode is refused whole, never half-read.
#include <optional>
#include <string>
#include <string_view>

#include "ota/effects.h"
#include "runtime/engine.h"

namespace ota {

// What a broker relays to the leader: one of its events, or that it started
// (the sessions it held before are gone).
struct RelayedEvent {
  bool broker_started = false;
  Event event{ConnectionClosed{0}};
};

std::string encode_event(const Event& event);
std::string encode_broker_started();
std::optional<RelayedEvent> decode_event(std::string_view body);

std::string encode_outgoing(const Outgoing& message);
std::optional<Outgoing> decode_outgoing(std::string_view body);

}  // namespace ota
