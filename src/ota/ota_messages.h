#pragma once
// The messages the plugin sends: OTA commands to devices (IotHub's format) and
// execution events to admins.
#include <cstdint>
#include <string>

#include "protocol/signatures.h"
#include "store/records.h"

namespace ota {

// cmd/{product}/{device}/$ota_upgrade/plain/{request_id}[/{expires_at in unix seconds}]
std::string upgrade_command_topic(const Execution& e, const JobSpec& job);
// {"type","version","url","md5","size"[,"sha256"][,"imageSignature"]}, and with
// a signing key "keyId" and "sig" (docs/protocol.md 3.9).
std::string upgrade_command_payload(const Execution& e, const JobSpec& job, const SigningKey* key);
// cmd/{product}/{device}/$ota_cancel/plain/{request_id}
std::string cancel_command_topic(const Execution& e);
// {"type","version"}, and with a signing key "keyId" and "sig".
std::string cancel_command_payload(const Execution& e, const SigningKey* key);
// The execution's event at `at`: execution_json's event form (ota_json.h).
std::string execution_event_payload(const Execution& e, int64_t at);

}  // namespace ota
