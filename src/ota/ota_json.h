#pragma once
// The OTA objects as JSON, one builder each, shared by the admin answers and
// the events. (A progress chunk's stored form is storage/progress_chunk: a
// storage encoding, not an answer.)
#include <rapidjson/document.h>

#include <cstdint>
#include <optional>

#include "protocol/json.h"
#include "store/records.h"

namespace ota {

// The admin form (no `event_at`) shows all of the execution and leaves out what
// it lacks: {"jobId","product","device","type","version","state","reason"?,
// "progress"?,"desc"?,"requestId","createdAt","updatedAt","firstSentAt"?,
// "lastSentAt"?,"resends"}. The event form (SPEC "Execution states") shows its
// state change at `event_at`, null for what it lacks:
// {"jobId","product","device","state","progress","reason","desc","at"}.
rapidjson::Value execution_json(const Execution& e, JsonAlloc& alloc,
                                std::optional<int64_t> event_at = std::nullopt);

// {"jobId","product","type","version","versionKey","url","md5","size","sha256"?,
// "fromVersions"?,"timeoutSeconds","expiresAt"?,"maxPerMinute"?,
// "abortFailurePercent"?,"abortMinFinished"?,"dynamic","filling","state",
// "createdAt","finishedAt"?,"total","counts":{state: n for every state}}
rapidjson::Value job_json(const Job& j, JsonAlloc& alloc);

// {"at","event","state","progress"?,"reason"?,"desc"?}
rapidjson::Value history_entry_json(const HistoryEntry& h, JsonAlloc& alloc);

// getDevice's "recentProgress" items: {"type","version","progress","desc","messageId","at"}.
rapidjson::Value progress_json(const ProgressRecord& r, JsonAlloc& alloc);

// {"product","device","status","statusAt","online"}: status is the stored
// object, null when it does not parse.
rapidjson::Value device_json(const DeviceRecord& d, bool online, JsonAlloc& alloc);

}  // namespace ota
