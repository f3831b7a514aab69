#pragma once
// The admin API over a real SQLite file, without a broker.
#include <gtest/gtest.h>

#include "admin/admin_api.h"
#include "storage/sqlite_store.h"
#include "test_db.h"

namespace ota {

class AdminFixture : public ::testing::Test {
 protected:
  AdminFixture() : store(f.path), upgrades(store.repositories(), presence, options) {}

  rapidjson::Document call(const std::string& request) {
    AdminContext ctx{store.readers(), &upgrades, presence, now, out};
    ctx.caller = caller;
    ctx.options = &options;
    rapidjson::Document doc;
    doc.Parse(handle_admin_request(ctx, request).c_str());
    return doc;
  }

  rapidjson::Document one(const std::string& command) {
    auto doc = call("{\"commands\":[" + command + "]}");
    EXPECT_EQ(doc["responses"].Size(), 1u);
    rapidjson::Document r;
    r.CopyFrom(doc["responses"][0], r.GetAllocator());
    return r;
  }

  void report_status(const std::string& device, const std::string& json, const std::string& product = "lamp") {
    auto status = *check_status(json).value;
    store.devices().save_status({product, device}, next_message_id(), status, now);
    upgrades.on_status({product, device}, status, now, out);
  }

  TestDbFile f;
  Options options;
  SqliteStore store;
  Presence presence;
  Upgrades upgrades;
  Effects out;
  AdminCaller caller{"ops", "biz-1"};
  int64_t now = 1700000000000;
};

inline std::string error_code(const rapidjson::Value& r) {
  return r.HasMember("errorCode") ? r["errorCode"].GetString() : "";
}

}  // namespace ota
