#include "reports.h"

#include <openssl/rand.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <stdexcept>

#include "protocol/signatures.h"

namespace ota_agent {

std::string new_message_id() {
  unsigned char bytes[12];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  return ota::to_hex(std::string(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

std::string status_topic(const std::string& product, const std::string& device) {
  return "update_status/" + product + "/" + device + "/" + new_message_id();
}

std::string progress_topic(const std::string& product, const std::string& device) {
  return "update_ota_status/" + product + "/" + device + "/" + new_message_id();
}

std::string progress_json(const std::string& type, const std::string& version, int progress,
                          const std::string& desc) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("type");
  w.String(type.c_str(), static_cast<rapidjson::SizeType>(type.size()));
  w.Key("version");
  w.String(version.c_str(), static_cast<rapidjson::SizeType>(version.size()));
  w.Key("progress");
  w.Int(progress);
  w.Key("desc");
  // The broker refuses a desc over 1,024 bytes; cut at a UTF-8 character boundary.
  size_t length = std::min<size_t>(desc.size(), 1024);
  while (length < desc.size() && length > 0 && (static_cast<unsigned char>(desc[length]) & 0xC0) == 0x80) --length;
  w.String(desc.c_str(), static_cast<rapidjson::SizeType>(length));
  w.EndObject();
  return buffer.GetString();
}

std::optional<int> ProgressThrottle::update(uint64_t have, std::chrono::steady_clock::time_point now) {
  const int percent = total_ == 0 ? 0 : static_cast<int>(std::min<uint64_t>(99, have * 100 / total_));
  const int step = percent / 10;
  if (last_step_ >= 0 && (step <= last_step_ || now - last_at_ < std::chrono::seconds(1))) return std::nullopt;
  last_step_ = step;
  last_at_ = now;
  return percent;
}

}  // namespace ota_agent
