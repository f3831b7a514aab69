// job watch ID: the job's executions per state as progress bars, redrawn in
// place on a terminal as events arrive, until the job is no longer in_progress.
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "args.h"
#include "commands.h"
#include "errors.h"
#include "output.h"
#include "protocol/json.h"
#include "states.h"

namespace ota_cli {
namespace {

using Clock = std::chrono::steady_clock;

// Events come faster than it is worth asking: at most one getJob per this,
constexpr auto kMinRefresh = std::chrono::milliseconds(250);
// and one at least per this, for what no event tells (a cancel by someone
// else ends the job; a dynamic job's expiry completes it).
constexpr auto kMaxRefresh = std::chrono::seconds(2);
constexpr int kBarWidth = 30;

std::string bar(int64_t n, int64_t total) {
  int filled = total > 0 ? static_cast<int>(n * kBarWidth / total) : 0;
  return "[" + std::string(static_cast<size_t>(filled), '#') +
         std::string(static_cast<size_t>(kBarWidth - filled), '-') + "]";
}

std::vector<std::string> frame(const rapidjson::Value& job) {
  const auto& counts = member(job, "counts");
  int64_t total = integer(job, "total");
  std::vector<std::string> lines;
  for (const char* state : kExecutionStates) {
    int64_t n = integer(counts, state);
    char line[128];
    std::snprintf(line, sizeof line, "%-12s %s %lld/%lld", state, bar(n, total).c_str(), static_cast<long long>(n),
                  static_cast<long long>(total));
    lines.push_back(line);
  }
  lines.push_back("job " + text(job, "state") + ": " + std::to_string(finished_count(counts)) + "/" +
                  std::to_string(total) + " finished" +
                  (member(job, "filling").IsTrue() ? " (still creating executions)" : ""));
  return lines;
}

class Screen {
 public:
  Screen(std::ostream& out, bool tty) : out_(out), tty_(tty) {}
  // On a terminal, over the previous frame; otherwise after it.
  void draw(const rapidjson::Value& job) {
    std::vector<std::string> lines = frame(job);
    if (tty_ && drawn_ > 0) out_ << "\x1b[" << drawn_ << "A";
    for (const auto& line : lines) out_ << (tty_ ? "\r\x1b[2K" : "") << line << "\n";
    drawn_ = static_cast<int>(lines.size());
    out_.flush();
  }

 private:
  std::ostream& out_;
  bool tty_;
  int drawn_ = 0;
};

rapidjson::Document get_job(Api& api, const std::string& id) {
  Command command("getJob");
  command.str("jobId", id);
  return api.call(command);
}

bool in_progress(const rapidjson::Value& job) { return text(job, "state") == "in_progress"; }

}  // namespace

void watch_command(Context& ctx, const Tokens& tokens) {
  Args args(tokens, {{}, {}, 1, 1, "job watch ID"});
  const std::string id = args.positional()[0];
  Api& api = ctx.api();
  rapidjson::Document job = get_job(api, id);
  // Subscribed before the counts it starts from are read, so no change falls in between.
  if (in_progress(job)) {
    api.connection().subscribe("$CONTROL/ota/v1/events/" + text(job, "product") + "/+");
    job = get_job(api, id);
  }
  const bool tty = !ctx.json() && isatty(STDOUT_FILENO);
  Screen screen(ctx.out(), tty);
  if (!ctx.json()) {
    ctx.out() << "Watching job " << id << ": " << text(job, "product") << " " << text(job, "type") << " "
              << text(job, "version") << "\n";
    screen.draw(job);
  }
  auto refreshed = Clock::now();
  bool changed = false;
  while (in_progress(job)) {
    for (const Message& m : api.connection().poll(std::chrono::milliseconds(100))) {
      rapidjson::Document event;
      event.Parse(m.payload.c_str(), m.payload.size());
      if (text(event, "jobId") != id) continue;
      changed = true;
      if (ctx.json()) {
        ctx.out() << ota::to_json(event) << std::endl;
      } else if (!tty) {
        ctx.out() << text(event, "at") << "  " << text(event, "product") << "/" << text(event, "device") << "  "
                  << text(event, "state") << std::endl;
      }
    }
    auto since = Clock::now() - refreshed;
    if ((changed && since >= kMinRefresh) || since >= kMaxRefresh) {
      job = get_job(api, id);
      refreshed = Clock::now();
      changed = false;
      if (tty) screen.draw(job);
    }
  }
  if (ctx.json()) {
    ctx.out() << pretty_json(job) << "\n";
    return;
  }
  if (!tty) screen.draw(job);
  ctx.out() << "Job " << id << " " << text(job, "state") << "\n";
}

}  // namespace ota_cli
