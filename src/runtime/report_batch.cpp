#include "runtime/report_batch.h"

#include <cstring>

namespace ota {
namespace {

// A record: this header, then the texts it gives the lengths of, in order.
struct RecordHeader {
  int64_t at_ms;
  int32_t progress;
  uint8_t kind;
  // product, device, message id, then the status JSON or the progress's type, version, desc.
  uint32_t lengths[6];
};

constexpr size_t kTexts = sizeof(RecordHeader::lengths) / sizeof(uint32_t);

void texts_of(const ReportView& r, std::string_view (&texts)[kTexts]) {
  const bool status = r.topic.kind == ReportKind::Status;
  texts[0] = r.topic.product;
  texts[1] = r.topic.device;
  texts[2] = r.topic.message_id;
  texts[3] = status ? r.status_json : r.type;
  texts[4] = status ? std::string_view() : r.version;
  texts[5] = status ? std::string_view() : r.desc;
}

}  // namespace

size_t ReportBatch::record_bytes(const ReportView& report) {
  std::string_view texts[kTexts];
  texts_of(report, texts);
  size_t n = sizeof(RecordHeader);
  for (auto t : texts) n += t.size();
  return n;
}

void ReportBatch::append(const ReportView& report, int64_t at_ms) {
  std::string_view texts[kTexts];
  texts_of(report, texts);
  RecordHeader h{};
  h.at_ms = at_ms;
  h.progress = report.progress;
  h.kind = static_cast<uint8_t>(report.topic.kind);
  for (size_t i = 0; i < kTexts; ++i) h.lengths[i] = static_cast<uint32_t>(texts[i].size());
  bytes_.append(reinterpret_cast<const char*>(&h), sizeof h);
  for (auto t : texts) bytes_.append(t.data(), t.size());
  ++count_;
}

void ReportBatch::append(const ReportBatch& other) {
  bytes_.append(other.bytes_);
  count_ += other.count_;
}

void ReportBatch::clear() {
  bytes_.clear();
  count_ = 0;
}

ReportView ReportBatch::Reader::next(int64_t& at_ms) {
  RecordHeader h;
  std::memcpy(&h, batch_.bytes_.data() + offset_, sizeof h);
  offset_ += sizeof h;
  std::string_view texts[kTexts];
  for (size_t i = 0; i < kTexts; ++i) {
    texts[i] = std::string_view(batch_.bytes_.data() + offset_, h.lengths[i]);
    offset_ += h.lengths[i];
  }
  at_ms = h.at_ms;
  ReportView view;
  view.topic = {static_cast<ReportKind>(h.kind), texts[0], texts[1], texts[2]};
  if (view.topic.kind == ReportKind::Status) {
    view.status_json = texts[3];
  } else {
    view.type = texts[3];
    view.version = texts[4];
    view.desc = texts[5];
    view.progress = h.progress;
  }
  return view;
}

}  // namespace ota
