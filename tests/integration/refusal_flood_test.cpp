// A flood of invalid reports on one raw connection, pipelined without waiting
// for acknowledgements: each is refused, the connection stays up, and the
// broker log does not grow with the flood.
#include <sstream>

#include "fixture.h"
#include "raw_mqtt.h"

namespace ota_test {
namespace {

class RefusalFlood : public BrokerTest {};

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_F(RefusalFlood, EveryInvalidReportIsRefusedTheConnectionStaysAndTheLogStaysSmall) {
  RawMqtt raw(broker->port());
  ASSERT_EQ(raw.connect(raw_login("p1/d1", "p1/d1")), 0);
  constexpr int kFlood = 5000;
  auto started = std::chrono::steady_clock::now();
  for (int i = 1; i <= kFlood; ++i) {
    raw.publish(RawPublish{"update_status/p1/d1/m" + std::to_string(i), "[1,2,3]", 1, static_cast<uint16_t>(i),
                           false, false, ""});
  }
  int refused = 0;
  for (int i = 0; i < kFlood; ++i) {
    auto ack = raw.read();
    ASSERT_TRUE(ack && ack->type == 4) << "PUBACK " << i << " missing";
    if (ack->body.size() > 2 && static_cast<uint8_t>(ack->body[2]) == kNotAuthorized) ++refused;
  }
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(refused, kFlood);
  // Still connected: a valid report is taken.
  raw.publish(RawPublish{"update_status/p1/d1/ok", R"({"firmware_ver":"1.0"})", 1, 9999, false, false, ""});
  auto ack = raw.read();
  ASSERT_TRUE(ack && ack->type == 4);
  EXPECT_TRUE(ack->body.size() <= 2 || static_cast<uint8_t>(ack->body[2]) < 128);

  ASSERT_TRUE(broker->wait_for_log("more refusals not logged"));
  size_t lines = count_of(broker->log(), "mosquitto_ota: refused publish to update_status/p1/d1/");
  EXPECT_LE(lines, static_cast<size_t>(20 * (seconds + 2))) << "the log grows with the flood";
  EXPECT_GE(lines, 1u);
}

}  // namespace
}  // namespace ota_test
