#include "storage/progress_history.h"

#include <algorithm>

#include "store/recent_messages.h"

namespace ota {
namespace {

// Trimming rewrites a device's oldest chunk: its size bounds the work that one
// report's arrival can cause, however many reports came in one commit.
constexpr size_t kMaxChunkEntries = 64;

}  // namespace

struct ProgressHistory::Statements {
  explicit Statements(Db& db)
      : head(db,
             "SELECT last_id, first_id, first_whole_id, n_reports, n_entries FROM progress_heads "
             "WHERE product = ?1 AND device = ?2"),
        set_head(db,
                 "INSERT INTO progress_heads (product, device, last_id, first_id, first_whole_id, n_reports, n_entries) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (product, device) DO UPDATE SET "
                 "last_id = excluded.last_id, first_id = excluded.first_id, first_whole_id = excluded.first_whole_id, "
                 "n_reports = excluded.n_reports, n_entries = excluded.n_entries"),
        insert_chunk(db,
                     "INSERT INTO progress_chunks (product, device, prev_id, n, reports) VALUES (?1, ?2, ?3, ?4, ?5) "
                     "RETURNING id"),
        chunk(db, "SELECT prev_id, n, reports FROM progress_chunks WHERE id = ?1"),
        next_chunk(db, "SELECT id FROM progress_chunks WHERE prev_id = ?1"),
        rewrite_chunk(db, "UPDATE progress_chunks SET n = ?2, reports = ?3 WHERE id = ?1"),
        delete_chunk(db, "DELETE FROM progress_chunks WHERE id = ?1") {}

  Statement head, set_head, insert_chunk, chunk, next_chunk, rewrite_chunk, delete_chunk;
};

// A device's row of progress_heads. Its entries, oldest first: n_entries -
// n_reports ids only, then n_reports whole reports.
struct ProgressHistory::Head {
  std::optional<int64_t> last_id, first_id, first_whole_id;
  int64_t reports = 0;
  int64_t entries = 0;
};

struct ProgressHistory::Chunk {
  int64_t id = 0;
  std::optional<int64_t> prev_id;
  int64_t n = 0;
  std::string reports;
};

ProgressHistory::ProgressHistory(Db& db, int keep_reports)
    : st_(std::make_unique<Statements>(db)),
      keep_reports_(keep_reports),
      keep_entries_(std::max<int64_t>(keep_reports, static_cast<int64_t>(kRecentIdsPerDevice))) {}

ProgressHistory::~ProgressHistory() = default;

void ProgressHistory::append(const DeviceKey& device, ProgressRecord record) {
  auto& entries = pending_[device];  // stays where it is while the map grows
  entries.push_back({std::move(record), true});
  appended_.push_back(&entries);
}

ProgressHistory::Head ProgressHistory::read_head(const DeviceKey& device) {
  auto& s = st_->head.with(device.product, device.device);
  Head h;
  if (s.step()) {
    h.last_id = s.optional_int_at(0);
    h.first_id = s.optional_int_at(1);
    h.first_whole_id = s.optional_int_at(2);
    h.reports = s.int_at(3);
    h.entries = s.int_at(4);
  }
  s.finish();
  return h;
}

void ProgressHistory::write_head(const DeviceKey& device, const Head& h) {
  st_->set_head.with(device.product, device.device, h.last_id, h.first_id, h.first_whole_id, h.reports, h.entries)
      .run();
}

std::optional<ProgressHistory::Chunk> ProgressHistory::read_chunk(int64_t id) {
  auto& s = st_->chunk.with(id);
  std::optional<Chunk> c;
  if (s.step()) c = Chunk{id, s.optional_int_at(0), s.int_at(1), s.text_at(2)};
  s.finish();
  return c;
}

std::optional<int64_t> ProgressHistory::next_chunk(int64_t id) {
  auto& s = st_->next_chunk.with(id);
  std::optional<int64_t> next;
  if (s.step()) next = s.int_at(0);
  s.finish();
  return next;
}

void ProgressHistory::rewind(size_t mark) {
  while (appended_.size() > mark) {
    appended_.back()->pop_back();
    appended_.pop_back();
  }
}

void ProgressHistory::flush() {
  for (const auto& [device, entries] : pending_) {
    if (entries.empty()) continue;  // rewound
    Head h = read_head(device);
    for (size_t i = 0; i < entries.size(); i += kMaxChunkEntries) {
      const size_t n = std::min(kMaxChunkEntries, entries.size() - i);
      auto& insert = st_->insert_chunk.with(device.product, device.device, h.last_id, static_cast<int64_t>(n),
                                            encode_chunk(&entries[i], n));
      insert.step();
      const int64_t id = insert.int_at(0);
      insert.finish();
      if (h.entries == 0) h.first_id = id;
      if (h.reports == 0) h.first_whole_id = id;
      h.last_id = id;
      h.entries += static_cast<int64_t>(n);
      h.reports += static_cast<int64_t>(n);
    }
    drop_oldest_entries(h);
    strip_oldest_reports(h);
    write_head(device, h);
  }
  discard();
}

// Entries past keep_entries_ go, oldest first: whole chunks are deleted, the
// last one concerned is rewritten without its oldest entries.
void ProgressHistory::drop_oldest_entries(Head& h) {
  while (h.entries > keep_entries_ && h.first_id) {
    auto c = read_chunk(*h.first_id);
    if (!c) break;  // a chain cut by hand: leave it
    const int64_t drop = std::min(h.entries - keep_entries_, c->n);
    if (drop == c->n) {
      st_->delete_chunk.with(c->id).run();
      h.first_id = next_chunk(c->id);
      if (h.first_whole_id == c->id) h.first_whole_id = h.first_id;
    } else {
      auto kept = drop_first_entries(c->reports, static_cast<size_t>(drop));
      if (!kept) {  // not as encode_chunk writes it: decoded and written again
        auto entries = decode_chunk(c->reports);
        entries.erase(entries.begin(), entries.begin() + std::min<int64_t>(drop, static_cast<int64_t>(entries.size())));
        kept = encode_chunk(entries);
      }
      st_->rewrite_chunk.with(c->id, c->n - drop, *kept).run();
    }
    // The oldest entries are the ids only; whole reports come after them.
    const int64_t ids_only = h.entries - h.reports;
    h.reports -= std::max<int64_t>(0, drop - ids_only);
    h.entries -= drop;
  }
}

// Whole reports past keep_reports_ keep only their message id, oldest first.
void ProgressHistory::strip_oldest_reports(Head& h) {
  while (h.reports > keep_reports_ && h.first_whole_id) {
    auto c = read_chunk(*h.first_whole_id);
    if (!c) break;
    auto entries = decode_chunk(c->reports);
    int64_t stripped = 0;
    bool whole_left = false;
    for (auto& e : entries) {
      if (!e.whole) continue;
      if (stripped < h.reports - keep_reports_) {
        e.whole = false;
        e.record = ProgressRecord{std::move(e.record.message_id), {}, {}, 0, {}, 0};
        ++stripped;
      } else {
        whole_left = true;
      }
    }
    if (stripped == 0) break;  // nothing whole where the head says: leave it
    st_->rewrite_chunk.with(c->id, c->n, encode_chunk(entries)).run();
    h.reports -= stripped;
    if (!whole_left) h.first_whole_id = next_chunk(c->id);
  }
}

template <typename Visit>
void ProgressHistory::newest_first(const DeviceKey& device, Visit visit) {
  if (auto it = pending_.find(device); it != pending_.end()) {
    for (auto e = it->second.rbegin(); e != it->second.rend(); ++e) {
      if (!visit(*e)) return;
    }
  }
  const Head h = read_head(device);
  // The oldest chunk kept still names its deleted predecessor: the count ends the walk.
  int64_t left = h.entries;
  std::optional<int64_t> next = h.last_id;
  while (next && left > 0) {
    auto c = read_chunk(*next);
    if (!c) return;
    next = c->prev_id;
    auto entries = decode_chunk(c->reports);
    for (auto e = entries.rbegin(); e != entries.rend() && left > 0; ++e, --left) {
      if (!visit(*e)) return;
    }
  }
}

std::vector<ProgressRecord> ProgressHistory::recent_progress(const DeviceKey& device, int limit) {
  // Before the commit trims, the buffered reports may take the device past keep_reports_.
  const size_t want = static_cast<size_t>(std::clamp<int64_t>(limit, 0, keep_reports_));
  std::vector<ProgressRecord> out;
  if (want == 0) return out;
  newest_first(device, [&](const ChunkEntry& e) {
    if (!e.whole) return false;  // everything older is ids only
    out.push_back(e.record);
    return out.size() < want;
  });
  return out;
}

std::vector<std::string> ProgressHistory::recent_progress_ids(const DeviceKey& device, int limit) {
  const size_t want = limit > 0 ? static_cast<size_t>(limit) : 0;
  std::vector<std::string> out;
  if (want == 0) return out;
  newest_first(device, [&](const ChunkEntry& e) {
    out.push_back(e.record.message_id);
    return out.size() < want;
  });
  return out;
}

}  // namespace ota
