#include "api.h"

#include <unistd.h>

#include "errors.h"
#include "protocol/json.h"

namespace ota_cli {

using rapidjson::Value;

Command::Command(const char* name) : name_(name) {
  doc_.SetObject();
  doc_.AddMember("command", Value(name, doc_.GetAllocator()), doc_.GetAllocator());
}

Command& Command::str(const char* field, const std::string& value) {
  doc_.RemoveMember(field);
  doc_.AddMember(Value(field, doc_.GetAllocator()), ota::json_string(value, doc_.GetAllocator()), doc_.GetAllocator());
  return *this;
}

Command& Command::integer(const char* field, int64_t value) {
  doc_.AddMember(Value(field, doc_.GetAllocator()), Value(value), doc_.GetAllocator());
  return *this;
}

Command& Command::number(const char* field, double value) {
  doc_.AddMember(Value(field, doc_.GetAllocator()), Value(value), doc_.GetAllocator());
  return *this;
}

Command& Command::boolean(const char* field, bool value) {
  doc_.AddMember(Value(field, doc_.GetAllocator()), Value(value), doc_.GetAllocator());
  return *this;
}

Command& Command::strings(const char* field, const std::vector<std::string>& values) {
  Value array(rapidjson::kArrayType);
  for (const auto& v : values) array.PushBack(ota::json_string(v, doc_.GetAllocator()), doc_.GetAllocator());
  doc_.AddMember(Value(field, doc_.GetAllocator()), array, doc_.GetAllocator());
  return *this;
}

rapidjson::Document Api::call(Command& command) {
  // Unique per run and request, so an MQTT 3.1.1 client can tell its answers
  // from other admins' on the shared response topic.
  std::string correlation = "mosquitto_ota-" + std::to_string(getpid()) + "-" + std::to_string(++next_);
  command.str("correlationData", correlation);
  std::string request = "{\"commands\":[" + ota::to_json(command.doc()) + "]}";
  std::string answer = connection_.request(request, correlation);

  rapidjson::Document envelope;
  envelope.Parse(answer.c_str(), answer.size());
  if (envelope.HasParseError() || !envelope.IsObject() || !envelope.HasMember("responses") ||
      !envelope["responses"].IsArray() || envelope["responses"].Size() != 1 || !envelope["responses"][0].IsObject()) {
    throw CliError(kBrokerError, command.name() + ": unexpected answer: " + answer, answer);
  }
  Value& response = envelope["responses"][0];
  if (response.HasMember("error")) {
    std::string message = response["error"].IsString() ? response["error"].GetString() : "error";
    std::string code =
        response.HasMember("errorCode") && response["errorCode"].IsString() ? response["errorCode"].GetString() : "";
    throw CliError(kBrokerError, command.name() + ": " + message + (code.empty() ? "" : " (" + code + ")"),
                   ota::to_json(response));
  }
  rapidjson::Document data;
  if (response.HasMember("data")) {
    data.CopyFrom(response["data"], data.GetAllocator());
  } else {
    data.SetObject();
  }
  return data;
}

rapidjson::Document Api::call_all(Command& command, const char* items, int page_size) {
  command.integer("limit", page_size);
  rapidjson::Document all = call(command);
  auto& alloc = all.GetAllocator();
  if (!all.HasMember(items) || !all[items].IsArray()) {
    all.RemoveMember(items);
    all.AddMember(Value(items, alloc), Value(rapidjson::kArrayType), alloc);
  }
  while (all.HasMember("cursor") && all["cursor"].IsString()) {
    command.str("cursor", all["cursor"].GetString());
    rapidjson::Document page = call(command);
    if (page.HasMember(items) && page[items].IsArray()) {
      for (auto& item : page[items].GetArray()) all[items].PushBack(Value(item, alloc), alloc);
    }
    all.RemoveMember("cursor");
    if (page.HasMember("cursor")) all.AddMember("cursor", Value(page["cursor"], alloc), alloc);
  }
  return all;
}

}  // namespace ota_cli
