#include "storage/progress_json.h"

namespace ota {

rapidjson::Value progress_json(const ProgressRecord& r, ProgressForm form, JsonAlloc& alloc) {
  const bool stored = form == ProgressForm::Stored;
  rapidjson::Value out(rapidjson::kObjectType);
  if (stored) out.AddMember("messageId", json_string(r.message_id, alloc), alloc);
  out.AddMember("type", json_string(r.type, alloc), alloc);
  out.AddMember("version", json_string(r.version, alloc), alloc);
  out.AddMember("progress", r.progress, alloc);
  if (!stored || !r.desc.empty()) out.AddMember("desc", json_string(r.desc, alloc), alloc);
  if (!stored) out.AddMember("messageId", json_string(r.message_id, alloc), alloc);
  out.AddMember("at", rapidjson::Value(static_cast<int64_t>(r.at)), alloc);
  return out;
}

}  // namespace ota
