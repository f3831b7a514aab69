#include <gtest/gtest.h>

#include "admin_fixture.h"

using namespace ota;

namespace {

class AdminDevices : public AdminFixture {
 protected:
  AdminDevices() {
    for (int i = 1; i <= 5; ++i) {
      std::string ver = i <= 2 ? "1.0" : "2.0";
      store.devices().save_status({"lamp", "d" + std::to_string(i)}, next_message_id(),
                        *check_status(R"({"firmware_ver":")" + ver + R"("})").value, 1000 + i);
    }
    store.devices().save_status({"fan", "f1"}, next_message_id(), *check_status(R"({"firmware_ver":"1.0"})").value, 1);
    store.progress().append_progress({"lamp", "d1"}, "m1", {"firmware", "2.0", 30, "downloading"}, 2000);
  }
};

}  // namespace

TEST_F(AdminDevices, GetDeviceShowsStatusPresenceAndProgress) {
  presence.opened(1, {"lamp", "d1"}, "lamp/d1");
  auto r = one(R"({"command":"getDevice","correlationData":"c-1","product":"lamp","device":"d1"})");
  ASSERT_TRUE(r.HasMember("data")) << error_code(r);
  EXPECT_STREQ(r["command"].GetString(), "getDevice");
  EXPECT_STREQ(r["correlationData"].GetString(), "c-1");
  const auto& d = r["data"];
  EXPECT_STREQ(d["status"]["firmware_ver"].GetString(), "1.0");
  EXPECT_EQ(d["statusAt"].GetInt64(), 1001);
  EXPECT_TRUE(d["online"].GetBool());
  ASSERT_EQ(d["recentProgress"].Size(), 1u);
  EXPECT_EQ(d["recentProgress"][0]["progress"].GetInt(), 30);
  EXPECT_FALSE(one(R"({"command":"getDevice","product":"lamp","device":"d2"})")["data"]["online"].GetBool());
}

TEST_F(AdminDevices, GetDeviceErrors) {
  EXPECT_EQ(error_code(one(R"({"command":"getDevice","product":"lamp","device":"nope"})")), "not_found");
  EXPECT_EQ(error_code(one(R"({"command":"getDevice","product":"lamp"})")), "invalid_request");
  EXPECT_EQ(error_code(one(R"({"command":"getDevice","product":"lamp","device":"a/b"})")), "invalid_request");
  EXPECT_EQ(error_code(one(R"({"command":"getDevice","product":7,"device":"d1"})")), "invalid_request");
}

TEST_F(AdminDevices, ListDevicesPagesWithACursor) {
  auto first = one(R"({"command":"listDevices","product":"lamp","limit":2})");
  ASSERT_TRUE(first.HasMember("data"));
  ASSERT_EQ(first["data"]["devices"].Size(), 2u);
  EXPECT_STREQ(first["data"]["devices"][0]["device"].GetString(), "d1");
  std::string cursor = first["data"]["cursor"].GetString();
  auto second = one(R"({"command":"listDevices","product":"lamp","limit":2,"cursor":")" + cursor + "\"}");
  EXPECT_STREQ(second["data"]["devices"][0]["device"].GetString(), "d3");
  auto last = one(R"({"command":"listDevices","product":"lamp","limit":2,"cursor":")" +
                  std::string(second["data"]["cursor"].GetString()) + "\"}");
  ASSERT_EQ(last["data"]["devices"].Size(), 1u);
  EXPECT_FALSE(last["data"].HasMember("cursor"));
}

TEST_F(AdminDevices, ListDevicesFiltersByVersion) {
  auto r = one(R"({"command":"listDevices","product":"lamp","versionKey":"firmware_ver","version":"2.0"})");
  ASSERT_EQ(r["data"]["devices"].Size(), 3u);
  EXPECT_STREQ(r["data"]["devices"][0]["device"].GetString(), "d3");
  EXPECT_EQ(error_code(one(R"({"command":"listDevices","product":"lamp","versionKey":"firmware_ver"})")),
            "invalid_request");
}

TEST_F(AdminDevices, LimitsAreEnforced) {
  for (const char* limit : {"0", "1001", "\"10\"", "2.5"}) {
    EXPECT_EQ(error_code(one(std::string(R"({"command":"listDevices","product":"lamp","limit":)") + limit + "}")),
              "invalid_request")
        << limit;
  }
  EXPECT_TRUE(one(R"({"command":"listDevices","product":"lamp","limit":1000})").HasMember("data"));
}

TEST_F(AdminDevices, EveryCommandGetsOneResponseInOrder) {
  auto doc = call(R"({"commands":[{"command":"listDevices","product":"fan"},{"command":"bogus"},42,
                     {"command":"getDevice","product":"lamp","device":"d5"}]})");
  const auto& r = doc["responses"];
  ASSERT_EQ(r.Size(), 4u);
  EXPECT_STREQ(r[0]["command"].GetString(), "listDevices");
  EXPECT_EQ(error_code(r[1]), "unknown_command");
  EXPECT_EQ(error_code(r[2]), "invalid_request");
  EXPECT_STREQ(r[3]["data"]["device"].GetString(), "d5");
}

TEST_F(AdminDevices, MalformedEnvelopesGetOneInvalidRequest) {
  for (const char* bad : {"", "nope", "[]", R"({"commands":{}})", R"({"cmds":[]})"}) {
    auto doc = call(bad);
    ASSERT_TRUE(doc.IsObject()) << bad;
    ASSERT_EQ(doc["responses"].Size(), 1u) << bad;
    EXPECT_EQ(error_code(doc["responses"][0]), "invalid_request") << bad;
  }
}
