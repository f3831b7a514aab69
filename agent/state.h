#pragma once
// What the agent keeps across restarts, in {state_dir}/state.json: the
// versions it reports, the request ids it has handled, and the upgrade it is
// working on (so a download interrupted by a restart resumes).
#include <deque>
#include <map>
#include <optional>
#include <string>

namespace ota_agent {

// The upgrade command being worked on, as received.
struct CurrentUpgrade {
  std::string topic;
  std::string payload;
  bool installing = false;  // the install command was started
};

class State {
 public:
  // Reads the state file if there is one; versions it lacks come from `initial_versions`
  // (type -> version). Throws std::runtime_error when the file exists but is unreadable.
  static State load(const std::string& state_dir, const std::map<std::string, std::string>& initial_versions);

  // Status members: "{type}_ver" -> version.
  const std::map<std::string, std::string>& versions() const { return versions_; }
  void set_version(const std::string& type, const std::string& version);

  bool handled(const std::string& request_id) const;
  void mark_handled(const std::string& request_id);  // the newest kHandledKept are kept

  const std::optional<CurrentUpgrade>& current() const { return current_; }
  void set_current(std::optional<CurrentUpgrade> current) { current_ = std::move(current); }

  // Writes the file atomically (temporary file, fsync, rename). Throws std::runtime_error.
  void save() const;

  // The whole status report: {"firmware_ver":"1.0",...}.
  std::string status_json() const;

  static constexpr size_t kHandledKept = 256;

 private:
  std::string path_;
  std::map<std::string, std::string> versions_;
  std::deque<std::string> handled_;
  std::optional<CurrentUpgrade> current_;
};

}  // namespace ota_agent
