#include "state.h"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ota_agent {
namespace {

std::string json_of(const std::map<std::string, std::string>& versions) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  for (const auto& [key, value] : versions) {
    w.Key(key.c_str(), static_cast<rapidjson::SizeType>(key.size()));
    w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
  }
  w.EndObject();
  return buffer.GetString();
}

void write_all(int fd, const std::string& text, const std::string& path) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
}

}  // namespace

State State::load(const std::string& state_dir, const std::map<std::string, std::string>& initial_versions) {
  State s;
  s.path_ = state_dir + "/state.json";
  std::ifstream in(s.path_);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    rapidjson::Document doc;
    doc.Parse(text.str().c_str());
    if (doc.HasParseError() || !doc.IsObject()) throw std::runtime_error(s.path_ + " is not a JSON object");
    if (doc.HasMember("versions") && doc["versions"].IsObject()) {
      for (const auto& m : doc["versions"].GetObject()) {
        if (m.value.IsString()) s.versions_[m.name.GetString()] = m.value.GetString();
      }
    }
    if (doc.HasMember("handled") && doc["handled"].IsArray()) {
      for (const auto& id : doc["handled"].GetArray()) {
        if (id.IsString()) s.handled_.push_back(id.GetString());
      }
    }
    if (doc.HasMember("current") && doc["current"].IsObject()) {
      const auto& c = doc["current"];
      if (c.HasMember("topic") && c["topic"].IsString() && c.HasMember("payload") && c["payload"].IsString()) {
        CurrentUpgrade current{c["topic"].GetString(), c["payload"].GetString(), false};
        current.installing = c.HasMember("installing") && c["installing"].IsBool() && c["installing"].GetBool();
        s.current_ = current;
      }
    }
  }
  for (const auto& [type, version] : initial_versions) s.versions_.emplace(type + "_ver", version);
  return s;
}

void State::set_version(const std::string& type, const std::string& version) { versions_[type + "_ver"] = version; }

bool State::handled(const std::string& request_id) const {
  return std::find(handled_.begin(), handled_.end(), request_id) != handled_.end();
}

void State::mark_handled(const std::string& request_id) {
  if (handled(request_id)) return;
  handled_.push_back(request_id);
  while (handled_.size() > kHandledKept) handled_.pop_front();
}

std::string State::status_json() const { return json_of(versions_); }

void State::save() const {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("versions");
  w.StartObject();
  for (const auto& [key, value] : versions_) {
    w.Key(key.c_str());
    w.String(value.c_str());
  }
  w.EndObject();
  w.Key("handled");
  w.StartArray();
  for (const auto& id : handled_) w.String(id.c_str());
  w.EndArray();
  if (current_) {
    w.Key("current");
    w.StartObject();
    w.Key("topic");
    w.String(current_->topic.c_str(), static_cast<rapidjson::SizeType>(current_->topic.size()));
    w.Key("payload");
    w.String(current_->payload.c_str(), static_cast<rapidjson::SizeType>(current_->payload.size()));
    w.Key("installing");
    w.Bool(current_->installing);
    w.EndObject();
  }
  w.EndObject();

  // A crash leaves either the old file or the new one, never half of one.
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
  try {
    write_all(fd, buffer.GetString(), tmp);
    if (::fsync(fd) != 0) throw std::runtime_error("cannot sync " + tmp + ": " + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) {
    throw std::runtime_error("cannot rename " + tmp + ": " + std::strerror(errno));
  }
}

}  // namespace ota_agent
