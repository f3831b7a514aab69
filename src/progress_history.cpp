#include "mosquitto_ota/progress_history.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace ota {

struct ProgressHistory::Statements {
  explicit Statements(Db& db)
      : head(db, "SELECT last_id FROM progress_heads WHERE product = ?1 AND device = ?2"),
        insert_chunk(db,
                     "INSERT INTO progress_chunks (product, device, prev_id, n, reports) VALUES (?1, ?2, ?3, ?4, ?5) "
                     "RETURNING id"),
        set_head(db,
                 "INSERT INTO progress_heads (product, device, last_id) VALUES (?1, ?2, ?3) "
                 "ON CONFLICT (product, device) DO UPDATE SET last_id = excluded.last_id"),
        chunk(db, "SELECT prev_id, reports FROM progress_chunks WHERE id = ?1") {}

  Statement head, insert_chunk, set_head, chunk;
};

namespace {

std::string encode(const std::vector<ProgressRecord>& records) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartArray();
  for (const auto& r : records) {
    w.StartObject();
    w.Key("messageId");
    w.String(r.message_id.data(), static_cast<rapidjson::SizeType>(r.message_id.size()));
    w.Key("type");
    w.String(r.type.data(), static_cast<rapidjson::SizeType>(r.type.size()));
    w.Key("version");
    w.String(r.version.data(), static_cast<rapidjson::SizeType>(r.version.size()));
    w.Key("progress");
    w.Int(r.progress);
    if (!r.desc.empty()) {
      w.Key("desc");
      w.String(r.desc.data(), static_cast<rapidjson::SizeType>(r.desc.size()));
    }
    w.Key("at");
    w.Int64(r.at);
    w.EndObject();
  }
  w.EndArray();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string text_member(const rapidjson::Value& o, const char* name) {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || !it->value.IsString()) return "";
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

int64_t int_member(const rapidjson::Value& o, const char* name) {
  auto it = o.FindMember(name);
  return it != o.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : 0;
}

// Appends a chunk's reports, newest first, until `out` holds `limit`.
void take_newest(const std::string& chunk, size_t limit, std::vector<ProgressRecord>& out) {
  rapidjson::Document doc;
  doc.Parse(chunk.data(), chunk.size());
  if (doc.HasParseError() || !doc.IsArray()) return;
  for (auto it = doc.End(); it != doc.Begin() && out.size() < limit;) {
    --it;
    if (!it->IsObject()) continue;
    out.push_back({text_member(*it, "messageId"), text_member(*it, "type"), text_member(*it, "version"),
                   static_cast<int>(int_member(*it, "progress")), text_member(*it, "desc"), int_member(*it, "at")});
  }
}

}  // namespace

ProgressHistory::ProgressHistory(Db& db) : st_(std::make_unique<Statements>(db)) {}

ProgressHistory::~ProgressHistory() = default;

void ProgressHistory::append(const DeviceKey& device, ProgressRecord record) {
  auto& records = pending_[device];  // stays where it is while the map grows
  records.push_back(std::move(record));
  appended_.push_back(&records);
}

void ProgressHistory::rewind(size_t mark) {
  while (appended_.size() > mark) {
    appended_.back()->pop_back();
    appended_.pop_back();
  }
}

std::optional<int64_t> ProgressHistory::newest_chunk(const DeviceKey& device) {
  auto& head = st_->head.with(device.product, device.device);
  std::optional<int64_t> id;
  if (head.step()) id = head.int_at(0);
  head.finish();
  return id;
}

void ProgressHistory::flush() {
  for (const auto& [device, records] : pending_) {
    if (records.empty()) continue;  // rewound
    const std::optional<int64_t> prev = newest_chunk(device);
    auto& insert = st_->insert_chunk.with(device.product, device.device, prev, static_cast<int64_t>(records.size()),
                                          encode(records));
    insert.step();
    const int64_t id = insert.int_at(0);
    insert.finish();
    st_->set_head.with(device.product, device.device, id).run();
  }
  discard();
}

std::vector<ProgressRecord> ProgressHistory::recent(const DeviceKey& device, int limit) {
  const size_t want = limit > 0 ? static_cast<size_t>(limit) : 0;
  std::vector<ProgressRecord> out;
  if (auto it = pending_.find(device); it != pending_.end()) {
    for (auto r = it->second.rbegin(); r != it->second.rend() && out.size() < want; ++r) out.push_back(*r);
  }
  std::optional<int64_t> next = newest_chunk(device);
  while (next && out.size() < want) {
    auto& chunk = st_->chunk.with(*next);
    if (!chunk.step()) break;
    next = chunk.optional_int_at(0);
    std::string reports = chunk.text_at(1);
    chunk.finish();
    take_newest(reports, want, out);
  }
  return out;
}

}  // namespace ota
