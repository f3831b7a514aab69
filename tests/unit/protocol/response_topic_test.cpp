// The Response Topic check and the answer to a rejected request (SPEC "Response Topic is checked").
#include "protocol/response_topic.h"

#include <gtest/gtest.h>

#include "admin/admin_api.h"
#include "protocol/strict_json.h"

namespace ota {
namespace {

TEST(ResponseTopic, OrdinaryTopicsAndTheAdminResponseTopicAreFine) {
  for (const char* ok : {"replies/ops", "a", "business/system/1/responses", "$CONTROL/ota/v1/response",
                         "$CONTROL/ota/v1/response/ops", "caf\xc3\xa9/\xe2\x82\xac", "/leading/slash", "cmds/x",
                         "update_statuses/x", "x/cmd/y", "x/update_status"}) {
    EXPECT_EQ(response_topic_error(ok), "") << ok;
  }
  EXPECT_EQ(response_topic_error(std::string(65535, 'a')), "");
}

TEST(ResponseTopic, InvalidTopicNamesAreRefused) {
  EXPECT_NE(response_topic_error(""), "");
  EXPECT_NE(response_topic_error(std::string(65536, 'a')), "");
  for (const char* wildcard : {"replies/+", "replies/#", "+", "#", "a+b"}) {
    EXPECT_NE(response_topic_error(wildcard).find("wildcard"), std::string::npos) << wildcard;
  }
  EXPECT_NE(response_topic_error(std::string("a\0b", 3)), "");
  for (const char* bad_utf8 : {"replies/\xff", "replies/\xc0\xaf", "replies/\xed\xa0\x80", "replies/\xe2\x82"}) {
    EXPECT_NE(response_topic_error(bad_utf8).find("UTF-8"), std::string::npos) << bad_utf8;
  }
  // Valid UTF-8 that Mosquitto refuses in a topic: controls and non-characters.
  for (const char* refused : {"a\x01", "a\x7f", "a\xc2\x85", "a\xef\xbf\xbf", "a\xef\xb7\x90", "a\xf0\x9f\xbf\xbe"}) {
    EXPECT_NE(response_topic_error(refused), "") << refused;
  }
}

TEST(ResponseTopic, DollarTopicsOtherThanTheAdminResponseTopicAreRefused) {
  for (const char* dollar : {"$SYS/broker", "$CONTROL/ota/v1", "$CONTROL/ota/v1/events/lamp/d1", "$CONTROL/ota/v1/responses",
                             "$CONTROL/dynamic-security/v1", "$share/g/replies", "$"}) {
    EXPECT_NE(response_topic_error(dollar).find("starts with $"), std::string::npos) << dollar;
  }
}

TEST(ResponseTopic, TopicsThePluginOwnsAreRefused) {
  for (const char* owned : {"update_status/lamp/d1/m1", "update_ota_status/lamp/d1/m1", "cmd/lamp/d1/$ota_upgrade/plain/1",
                            "cmd", "update_status", "cmd/"}) {
    EXPECT_NE(response_topic_error(owned).find("the plugin's own"), std::string::npos) << owned;
  }
}

TEST(RejectedAdminRequest, IsOneInvalidRequestResponseWithTheReason) {
  std::string text = rejected_admin_request("Response Topic holds a wildcard (+ or #)");
  EXPECT_EQ(text,
            R"x({"responses":[{"command":"","error":"Response Topic holds a wildcard (+ or #)","errorCode":"invalid_request"}]})x");
  // Whatever the reason holds, the answer is valid UTF-8 JSON.
  std::string mended = rejected_admin_request("bad \xff \"quoted\"");
  EXPECT_TRUE(is_valid_utf8(mended));
  rapidjson::Document doc;
  ASSERT_EQ(parse_strict_json(mended, doc), "");
  EXPECT_STREQ(doc["responses"][0]["error"].GetString(), "bad \xef\xbf\xbd \"quoted\"");
}

}  // namespace
}  // namespace ota
