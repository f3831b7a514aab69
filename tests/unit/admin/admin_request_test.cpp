// An admin request envelope is parsed and checked once: what it holds, whether
// it writes, and why it is refused whole.
#include <gtest/gtest.h>

#include "admin/admin_request.h"

using namespace ota;

TEST(ParsedAdminRequest, HoldsItsCommandsAndWritesWhenAnyCommandChangesState) {
  ParsedAdminRequest queries(R"({"commands":[{"command":"getJob","jobId":"j"},{"command":"listDevices"}]})");
  EXPECT_EQ(queries.refusal(), "");
  EXPECT_EQ(queries.commands().Size(), 2u);
  EXPECT_FALSE(queries.writes());

  for (const char* writer : {"createUpgrade", "cancelJob"}) {
    ParsedAdminRequest mixed(std::string(R"({"commands":[{"command":"getJob"},{"command":")") + writer + "\"}]}");
    EXPECT_EQ(mixed.commands().Size(), 2u);
    EXPECT_TRUE(mixed.writes()) << writer;
  }
}

TEST(ParsedAdminRequest, CommandsThatCannotRunDoNotMakeItWrite) {
  // Unknown names, a name in the wrong case, no name, a name that is not a string, not an object.
  ParsedAdminRequest odd(
      R"({"commands":[{"command":"CreateUpgrade"},{"command":"dropDatabase"},{},{"command":["createUpgrade"]},"createUpgrade",7]})");
  EXPECT_EQ(odd.refusal(), "");
  EXPECT_EQ(odd.commands().Size(), 6u);
  EXPECT_FALSE(odd.writes());
}

TEST(ParsedAdminRequest, AnEnvelopeThatIsNotARequestIsRefusedWholeWithItsReason) {
  struct Case {
    std::string payload, reason;
  };
  std::string too_many = R"({"commands":[)";
  for (int i = 0; i < 101; ++i) too_many += std::string(i ? "," : "") + R"({"command":"createUpgrade"})";
  too_many += "]}";
  const Case cases[] = {
      {"not json", "request refused: "},
      {"[]", "request must be an object with a \"commands\" array"},
      {R"({"commands":{}})", "request must be an object with a \"commands\" array"},
      {R"({"commands":[],"commands":[{"command":"cancelJob"}]})", "duplicate member name"},
      {too_many, "request has 101 commands: at most 100 per request"},
      {std::string(16u * 1024 * 1024 + 1, ' '), "request is over 16777216 bytes"},
  };
  for (const auto& c : cases) {
    ParsedAdminRequest request(c.payload);
    EXPECT_NE(request.refusal().find(c.reason), std::string::npos) << request.refusal();
    EXPECT_EQ(request.commands().Size(), 0u);  // nothing of it runs
    EXPECT_FALSE(request.writes());             // so it needs no worker and holds up no report
  }
}
