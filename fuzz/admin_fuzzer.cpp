// Admin request handling on any payload, against a real SQLite database with
// devices, their progress history, a job and executions in it. Each input runs
// in a transaction that is rolled back, so inputs do not pile up state.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "admin/admin_api.h"
#include "protocol/strict_json.h"
#include "ota/upgrades.h"
#include "storage/sqlite_store.h"

namespace {

struct World {
  World() : path("/tmp/ota-fuzz-" + std::to_string(getpid()) + ".db") {
    unlink(path.c_str());
    store = std::make_unique<ota::SqliteStore>(path);
    upgrades = std::make_unique<ota::Upgrades>(store->repositories(), presence, options);
    for (int i = 0; i < 20; ++i) {
      ota::DeviceKey d{"lamp", "d" + std::to_string(i)};
      store->devices().save_status(d, "boot", *ota::check_status(R"({"firmware_ver":"1.0"})").value, 1);
      if (i % 2) presence.opened(static_cast<uint64_t>(i), d, d.username());
      for (int chunk = 0; chunk < i % 4; ++chunk) {  // progress history in chunks, for getDevice
        store->database().begin();
        for (int k = 0; k < 3; ++k) {
          store->progress().append_progress(d, "p" + std::to_string(chunk * 3 + k), {"firmware", "1.1", k * 40, "step"}, 1);
        }
        store->database().commit();
      }
    }
    ota::JobSpec spec;
    spec.product = "lamp";
    spec.type = "firmware";
    spec.version = "1.1";
    spec.version_key = "firmware_ver";
    spec.url = "https://x/y";
    spec.md5 = std::string(32, 'a');
    spec.size = 1;
    ota::Effects out;
    upgrades->create(spec, 2, out);
  }
  ~World() {
    for (const char* suffix : {"", "-wal", "-shm"}) unlink((path + suffix).c_str());
  }
  std::string path;
  ota::Options options;
  ota::Presence presence;
  std::unique_ptr<ota::SqliteStore> store;
  std::unique_ptr<ota::Upgrades> upgrades;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  // A fresh Upgrades each time: its in-memory cache must not outlive a rolled-back transaction.
  ota::Upgrades upgrades(world.store->repositories(), world.presence, world.options);
  ota::Effects out;
  ota::AdminContext ctx{world.store->readers(), &upgrades, world.presence, 3, out};
  const ota::ParsedAdminRequest request(std::string_view(reinterpret_cast<const char*>(data), size));
  world.store->database().begin();
  std::string response = ota::handle_admin_request(ctx, request);
  world.store->database().rollback();
  if (response.rfind("{\"responses\":[", 0) != 0) __builtin_trap();
  // Every answer is valid UTF-8 JSON of at most 4 MiB (checked by RapidJSON's
  // own validation, iteratively: a stored status may nest the answer past 32).
  if (response.size() > ota::kMaxAdminResponseBytes || !ota::is_valid_utf8(response)) __builtin_trap();
  rapidjson::Document check;
  check.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(response.data(), response.size());
  if (check.HasParseError()) __builtin_trap();
  return 0;
}
