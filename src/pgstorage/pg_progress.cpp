#include "pgstorage/pg_progress.h"

#include <algorithm>

#include "pgstorage/pg_rows.h"
#include "store/recent_messages.h"

namespace ota {

PgProgress::PgProgress(PgConnection& db, int keep_reports)
    : db_(db),
      keep_reports_(keep_reports),
      keep_entries_(std::max<int64_t>(keep_reports, static_cast<int64_t>(kRecentIdsPerDevice))) {}

void PgProgress::append_progress(const DeviceKey& device, const std::string& message_id,
                                 const ProgressPayload& progress, int64_t at) {
  db_.query(
      "INSERT INTO progress_reports (product, device, message_id, whole, type, version, progress, description, at) "
      "VALUES ($1, $2, $3, true, $4, $5, $6, $7, $8)",
      device.product, device.device, message_id, progress.type, progress.version, progress.progress,
      pg_non_empty(progress.desc), at);
  PgResult head = db_.query(
      "INSERT INTO progress_heads (product, device, n_reports, n_entries) VALUES ($1, $2, 1, 1) "
      "ON CONFLICT (product, device) DO UPDATE SET n_reports = progress_heads.n_reports + 1, "
      "n_entries = progress_heads.n_entries + 1 RETURNING n_reports, n_entries",
      device.product, device.device);
  const int64_t reports = head.int_at(0, 0);
  const int64_t entries = head.int_at(0, 1);
  // The counts make trimming one indexed statement per report, never a count.
  if (reports > keep_reports_) {
    db_.query(
        "UPDATE progress_reports SET whole = false, type = NULL, version = NULL, progress = NULL, "
        "description = NULL, at = NULL WHERE id IN (SELECT id FROM progress_reports "
        "WHERE product = $1 AND device = $2 AND whole ORDER BY id LIMIT $3)",
        device.product, device.device, reports - keep_reports_);
  }
  if (entries > keep_entries_) {
    db_.query(
        "DELETE FROM progress_reports WHERE id IN (SELECT id FROM progress_reports "
        "WHERE product = $1 AND device = $2 ORDER BY id LIMIT $3)",
        device.product, device.device, entries - keep_entries_);
  }
  if (reports > keep_reports_ || entries > keep_entries_) {
    db_.query("UPDATE progress_heads SET n_reports = $3, n_entries = $4 WHERE product = $1 AND device = $2",
              device.product, device.device, std::min(reports, keep_reports_), std::min(entries, keep_entries_));
  }
}

std::vector<ProgressRecord> PgProgress::recent_progress(const DeviceKey& device, int limit) {
  PgResult r = db_.query(
      "SELECT message_id, type, version, progress, description, at FROM progress_reports "
      "WHERE product = $1 AND device = $2 AND whole ORDER BY id DESC LIMIT $3",
      device.product, device.device, limit);
  return pg_read_all(r, [](const PgResult& res, int i) {
    return ProgressRecord{res.text_at(i, 0), res.text_at(i, 1), res.text_at(i, 2),
                          static_cast<int>(res.int_at(i, 3)), res.text_at(i, 4), res.int_at(i, 5)};
  });
}

std::vector<std::string> PgProgress::recent_progress_ids(const DeviceKey& device, int limit) {
  return pg_texts(db_.query(
      "SELECT message_id FROM progress_reports WHERE product = $1 AND device = $2 ORDER BY id DESC LIMIT $3",
      device.product, device.device, limit));
}

}  // namespace ota
