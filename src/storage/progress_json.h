#pragma once
// A progress record as JSON: the one builder of getDevice's "recentProgress"
// items and of the entries of a stored progress chunk.
#include <rapidjson/document.h>

#include "protocol/json.h"
#include "storage/progress_chunk.h"

namespace ota {

// Admin: {"type","version","progress","desc","messageId","at"}, as getDevice
// has always answered. Stored: {"messageId","type","version","progress",
// "desc"?,"at"}: the id first (an entry past the history keeps only it), an
// empty desc left out.
enum class ProgressForm { Admin, Stored };

rapidjson::Value progress_json(const ProgressRecord& r, ProgressForm form, JsonAlloc& alloc);

}  // namespace ota
