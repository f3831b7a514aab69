#include "runtime/cluster_codec.h"

#include <cstdint>
#include <cstring>

namespace ota {
namespace {

enum Kind : char {
  kReport = 'R',
  kOpened = 'O',
  kClosed = 'C',
  kAdmin = 'A',
  kStarted = 'S',
  kOutgoing = 'P',
};

class FieldWriter {
 public:
  explicit FieldWriter(Kind kind) { out_.push_back(kind); }
  FieldWriter& text(std::string_view s) {
    const uint32_t n = static_cast<uint32_t>(s.size());
    out_.append(reinterpret_cast<const char*>(&n), sizeof n);
    out_.append(s);
    return *this;
  }
  FieldWriter& number(int64_t n) { return text(std::to_string(n)); }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class FieldReader {
 public:
  explicit FieldReader(std::string_view body) : rest_(body) {}
  std::optional<char> kind() {
    if (rest_.empty()) return std::nullopt;
    const char k = rest_[0];
    rest_.remove_prefix(1);
    return k;
  }
  // Each read after a failed one fails too; ok() says whether all succeeded.
  std::string text() {
    uint32_t n = 0;
    if (!ok_ || rest_.size() < sizeof n) return fail();
    std::memcpy(&n, rest_.data(), sizeof n);
    rest_.remove_prefix(sizeof n);
    if (rest_.size() < n) return fail();
    std::string s(rest_.substr(0, n));
    rest_.remove_prefix(n);
    return s;
  }
  int64_t number() {
    const std::string s = text();
    if (!ok_ || s.empty()) return fail(), 0;
    char* end = nullptr;
    const long long n = std::strtoll(s.c_str(), &end, 10);
    if (*end != '\0') return fail(), 0;
    return n;
  }
  bool ok() const { return ok_ && rest_.empty(); }

 private:
  std::string fail() {
    ok_ = false;
    return {};
  }
  std::string_view rest_;
  bool ok_ = true;
};

std::string encode_report(const Report& r) {
  FieldWriter w(kReport);
  w.number(r.kind == ReportKind::Status ? 0 : 1).text(r.device.product).text(r.device.device).text(r.message_id);
  w.number(r.at);
  if (r.kind == ReportKind::Status) return w.text(r.status.json).take();
  return w.text(r.progress.type).text(r.progress.version).number(r.progress.progress).text(r.progress.desc).take();
}

std::optional<Report> decode_report(FieldReader& in) {
  ReportView view;
  const int64_t kind = in.number();
  view.topic.kind = kind == 0 ? ReportKind::Status : ReportKind::Progress;
  const std::string product = in.text(), device = in.text(), message_id = in.text();
  const int64_t at = in.number();
  view.topic.product = product;
  view.topic.device = device;
  view.topic.message_id = message_id;
  std::string status, type, version, desc;
  if (view.topic.kind == ReportKind::Status) {
    status = in.text();
    view.status_json = status;
  } else {
    type = in.text();
    version = in.text();
    view.progress = static_cast<int>(in.number());
    desc = in.text();
    view.type = type;
    view.version = version;
    view.desc = desc;
  }
  if (!in.ok() || kind < 0 || kind > 1) return std::nullopt;
  return to_report(view, at);
}

}  // namespace

std::string encode_event(const Event& event) {
  if (const auto* r = std::get_if<Report>(&event)) return encode_report(*r);
  if (const auto* o = std::get_if<ConnectionOpened>(&event)) {
    return FieldWriter(kOpened)
        .number(static_cast<int64_t>(o->conn))
        .text(o->device.product)
        .text(o->device.device)
        .text(o->client_id)
        .take();
  }
  if (const auto* c = std::get_if<ConnectionClosed>(&event)) {
    return FieldWriter(kClosed).number(static_cast<int64_t>(c->conn)).take();
  }
  const auto& a = std::get<AdminRequest>(event);
  return FieldWriter(kAdmin)
      .text(a.username)
      .text(a.payload)
      .text(a.response_topic)
      .number(a.correlation_data ? 1 : 0)
      .text(a.correlation_data.value_or(""))
      .text(a.client_id)
      .number(a.qos)
      .take();
}

std::string encode_broker_started() { return FieldWriter(kStarted).take(); }

std::optional<RelayedEvent> decode_event(std::string_view body) {
  FieldReader in(body);
  const auto kind = in.kind();
  if (!kind) return std::nullopt;
  RelayedEvent out;
  switch (*kind) {
    case kReport: {
      auto report = decode_report(in);
      if (!report) return std::nullopt;
      out.event = std::move(*report);
      return out;
    }
    case kOpened: {
      ConnectionOpened o;
      o.conn = static_cast<uint64_t>(in.number());
      o.device.product = in.text();
      o.device.device = in.text();
      o.client_id = in.text();
      out.event = std::move(o);
      break;
    }
    case kClosed:
      out.event = ConnectionClosed{static_cast<uint64_t>(in.number())};
      break;
    case kAdmin: {
      AdminRequest a;
      a.username = in.text();
      a.payload = in.text();
      a.response_topic = in.text();
      const bool correlated = in.number() == 1;
      std::string correlation = in.text();
      if (correlated) a.correlation_data = std::move(correlation);
      a.client_id = in.text();
      a.qos = static_cast<int>(in.number());
      out.event = std::move(a);
      break;
    }
    case kStarted:
      out.broker_started = true;
      break;
    default:
      return std::nullopt;
  }
  if (!in.ok()) return std::nullopt;
  return out;
}

std::string encode_outgoing(const Outgoing& m) {
  return FieldWriter(kOutgoing)
      .text(m.client_id)
      .text(m.topic)
      .text(m.payload)
      .number(m.qos)
      .number(m.correlation_data ? 1 : 0)
      .text(m.correlation_data.value_or(""))
      .take();
}

std::optional<Outgoing> decode_outgoing(std::string_view body) {
  FieldReader in(body);
  if (in.kind() != kOutgoing) return std::nullopt;
  Outgoing m;
  m.client_id = in.text();
  m.topic = in.text();
  m.payload = in.text();
  m.qos = static_cast<int>(in.number());
  const bool correlated = in.number() == 1;
  std::string correlation = in.text();
  if (correlated) m.correlation_data = std::move(correlation);
  if (!in.ok()) return std::nullopt;
  return m;
}

}  // namespace ota
