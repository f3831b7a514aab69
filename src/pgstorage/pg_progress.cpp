#include "pgstorage/pg_progress.h"

#include <algorithm>

#include "pgstorage/pg_rows.h"
#include "store/recent_messages.h"

namespace ota {
namespace {

// Reports held back at most: a flush is one statement of bounded size.
constexpr size_t kMaxHeld = 5000;

// Inserts the reports ($1..$8, one array per column, in the order they came:
// ids ascend in that order) and adds them to their devices' counts; answers
// the devices now past $9 whole reports or $10 entries, with their counts.
// The inserted rows are not visible to the rest of the statement, hence
// trimming is a second one.
constexpr const char* kInsert =
    "WITH held AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::integer[], "
    "$7::text[], $8::bigint[]) WITH ORDINALITY AS n (product, device, message_id, type, version, progress, "
    "description, at, ord)), "
    "inserted AS (INSERT INTO progress_reports (product, device, message_id, whole, type, version, progress, "
    "description, at) SELECT product, device, message_id, true, type, version, progress, description, at FROM held "
    "ORDER BY ord), "
    "heads AS (INSERT INTO progress_heads (product, device, n_reports, n_entries) "
    "SELECT product, device, COUNT(*), COUNT(*) FROM held GROUP BY product, device "
    "ON CONFLICT (product, device) DO UPDATE SET n_reports = progress_heads.n_reports + excluded.n_reports, "
    "n_entries = progress_heads.n_entries + excluded.n_entries RETURNING product, device, n_reports, n_entries) "
    "SELECT product, device, n_reports, n_entries FROM heads WHERE n_reports > $9 OR n_entries > $10";

// For each device ($1, $2): drops its $4 oldest entries, strips its $3 oldest
// whole reports to their ids (those not dropped), and sets its counts to $5,
// $6. The same rows as trimming after each report would leave, as both pick
// the oldest by id.
constexpr const char* kTrim =
    "WITH t AS (SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], "
    "$6::bigint[]) AS t (product, device, n_strip, n_drop, n_reports, n_entries)), "
    "dropped AS (DELETE FROM progress_reports WHERE id IN (SELECT r.id FROM t CROSS JOIN LATERAL "
    "(SELECT id FROM progress_reports p WHERE p.product = t.product AND p.device = t.device ORDER BY id "
    "LIMIT t.n_drop) r) RETURNING id), "
    "stripped AS (UPDATE progress_reports SET whole = false, type = NULL, version = NULL, progress = NULL, "
    "description = NULL, at = NULL WHERE id IN (SELECT r.id FROM t CROSS JOIN LATERAL "
    "(SELECT id FROM progress_reports p WHERE p.product = t.product AND p.device = t.device AND whole ORDER BY id "
    "LIMIT t.n_strip) r) AND id NOT IN (SELECT id FROM dropped)) "
    "UPDATE progress_heads h SET n_reports = t.n_reports, n_entries = t.n_entries FROM t "
    "WHERE h.product = t.product AND h.device = t.device";

}  // namespace

PgProgress::PgProgress(PgConnection& db, int keep_reports)
    : db_(db),
      keep_reports_(keep_reports),
      keep_entries_(std::max<int64_t>(keep_reports, static_cast<int64_t>(kRecentIdsPerDevice))) {
  db_.add_buffer(*this, {"progress_reports", "progress_heads"});
}

void PgProgress::append_progress(const DeviceKey& device, const std::string& message_id,
                                 const ProgressPayload& progress, int64_t at) {
  for (const std::string* text :
       {&device.product, &device.device, &message_id, &progress.type, &progress.version, &progress.desc}) {
    pg_check_utf8(*text);
  }
  held_.push_back({device, message_id, progress, at});
  held_devices_.insert(device);
  // Outside a transaction each statement commits by itself: nothing waits.
  if (!db_.in_transaction() || held_.size() >= kMaxHeld) flush();
}

void PgProgress::flush() {
  if (held_.empty()) return;
  std::vector<Held> held;
  held.swap(held_);  // whatever happens: a failed statement fails the transaction
  held_devices_.clear();
  PgArray products, devices, ids, types, versions, progresses, descriptions, ats;
  for (const Held& h : held) {
    products.add(h.device.product);
    devices.add(h.device.device);
    ids.add(h.message_id);
    types.add(h.progress.type);
    versions.add(h.progress.version);
    progresses.add(static_cast<int64_t>(h.progress.progress));
    descriptions.add(pg_non_empty(h.progress.desc));
    ats.add(h.at);
  }
  PgResult over = db_.query_direct(kInsert, products.value(), devices.value(), ids.value(), types.value(),
                                   versions.value(), progresses.value(), descriptions.value(), ats.value(),
                                   keep_reports_, keep_entries_);
  if (over.rows() == 0) return;
  // The counts make trimming indexed reads of the oldest rows, never a count.
  PgArray trim_products, trim_devices, strips, drops, n_reports, n_entries;
  for (int i = 0; i < over.rows(); ++i) {
    const int64_t reports = over.int_at(i, 2);
    const int64_t entries = over.int_at(i, 3);
    trim_products.add(over.text_at(i, 0));
    trim_devices.add(over.text_at(i, 1));
    strips.add(std::max<int64_t>(0, reports - keep_reports_));
    drops.add(std::max<int64_t>(0, entries - keep_entries_));
    n_reports.add(std::min(reports, keep_reports_));
    n_entries.add(std::min(entries, keep_entries_));
  }
  db_.query_direct(kTrim, trim_products.value(), trim_devices.value(), strips.value(), drops.value(),
                   n_reports.value(), n_entries.value());
}

void PgProgress::discard() {
  held_.clear();
  held_devices_.clear();
}

void PgProgress::flush_for(const DeviceKey& device) {
  if (held_devices_.count(device)) flush();
}

// Both reads need only this device's reports: those of others stay held back.
std::vector<ProgressRecord> PgProgress::recent_progress(const DeviceKey& device, int limit) {
  flush_for(device);
  PgResult r = db_.query_direct(
      "SELECT message_id, type, version, progress, description, at FROM progress_reports "
      "WHERE product = $1 AND device = $2 AND whole ORDER BY id DESC LIMIT $3",
      device.product, device.device, limit);
  return pg_read_all(r, [](const PgResult& res, int i) {
    return ProgressRecord{res.text_at(i, 0), res.text_at(i, 1), res.text_at(i, 2),
                          static_cast<int>(res.int_at(i, 3)), res.text_at(i, 4), res.int_at(i, 5)};
  });
}

std::vector<std::string> PgProgress::recent_progress_ids(const DeviceKey& device, int limit) {
  flush_for(device);
  return pg_texts(db_.query_direct(
      "SELECT message_id FROM progress_reports WHERE product = $1 AND device = $2 ORDER BY id DESC LIMIT $3",
      device.product, device.device, limit));
}

std::vector<std::vector<std::string>> PgProgress::recent_progress_ids(const std::vector<DeviceKey>& devices,
                                                                    int limit) {
  std::vector<std::vector<std::string>> out(devices.size());
  PgDeviceArrays asked;
  std::vector<size_t> where;  // where each device asked is in `devices`
  for (size_t i = 0; i < devices.size(); ++i) {
    if (!asked.add(devices[i])) continue;  // none such
    flush_for(devices[i]);
    where.push_back(i);
  }
  if (where.empty()) return out;
  PgResult r = db_.query_direct(
      "SELECT w.n, r.message_id FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS w (product, device, n) "
      "CROSS JOIN LATERAL (SELECT id, message_id FROM progress_reports p WHERE p.product = w.product "
      "AND p.device = w.device ORDER BY id DESC LIMIT $3) r ORDER BY w.n, r.id DESC",
      asked.products.value(), asked.names.value(), limit);
  for (int i = 0; i < r.rows(); ++i) out[where[static_cast<size_t>(r.int_at(i, 0) - 1)]].push_back(r.text_at(i, 1));
  return out;
}

}  // namespace ota
