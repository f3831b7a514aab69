#pragma once
// An admin request envelope (SPEC "Admin request/response"), parsed and checked
// once where it arrives. Which thread answers it, whether reports wait for it,
// whether a QoS 2 retransmission is answered from memory, and the handlers that
// run its commands all read this one parse.
#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace ota {

class ParsedAdminRequest {
 public:
  explicit ParsedAdminRequest(std::string_view payload);

  // Not empty when the request is refused whole (too large, not strict JSON,
  // no "commands" array, too many commands): the reason, and nothing runs.
  const std::string& refusal() const { return refusal_; }
  // Its commands; an empty array when it is refused.
  const rapidjson::Value& commands() const { return *commands_; }
  // True when some command changes state (createUpgrade, cancelJob): it runs on
  // the worker, in order with the reports, and they wait for it.
  bool writes() const { return writes_; }

 private:
  rapidjson::Document doc_;
  rapidjson::Value none_{rapidjson::kArrayType};
  const rapidjson::Value* commands_ = &none_;
  std::string refusal_;
  bool writes_ = false;
};

}  // namespace ota
