#include "protocol/sessions.h"

#include <gtest/gtest.h>

using namespace ota;

namespace {
const DeviceKey kLamp1{"lamp", "d1"};
int a, b;  // stand-ins for the broker's client objects
}  // namespace

TEST(ClientIdFits, DeviceNameOrDeviceNameWithASuffix) {
  EXPECT_TRUE(client_id_fits(kLamp1, "lamp/d1"));
  EXPECT_TRUE(client_id_fits(kLamp1, "lamp/d1/app"));
  EXPECT_TRUE(client_id_fits(kLamp1, "lamp/d1/a/b"));
  EXPECT_FALSE(client_id_fits(kLamp1, "lamp/d1/"));
  EXPECT_FALSE(client_id_fits(kLamp1, "lamp/d2"));
  EXPECT_FALSE(client_id_fits(kLamp1, "lamp/d10"));
  EXPECT_FALSE(client_id_fits(kLamp1, "lamp/d"));
  EXPECT_FALSE(client_id_fits(kLamp1, "lamp"));
  EXPECT_FALSE(client_id_fits(kLamp1, "other/lamp/d1"));
  EXPECT_FALSE(client_id_fits(kLamp1, ""));
}

TEST(Sessions, ALoginIsNoSessionUntilProven) {
  Sessions s;
  EXPECT_FALSE(s.login_attempt(&a, kLamp1, "lamp/d1"));
  EXPECT_EQ(s.pending_count(), 1u);
  EXPECT_EQ(s.session_count(), 0u);
  // Refused: disconnected before any proof.
  EXPECT_FALSE(s.closed(&a));
  EXPECT_EQ(s.pending_count(), 0u);
  EXPECT_TRUE(s.prove_all_pending().empty());
  EXPECT_FALSE(s.proven(&a));
}

TEST(Sessions, AnAclCheckProvesTheLogin) {
  Sessions s;
  s.login_attempt(&a, kLamp1, "lamp/d1/x");
  EXPECT_FALSE(s.proven(&b));
  auto session = s.proven(&a);
  ASSERT_TRUE(session);
  EXPECT_EQ(session->device, kLamp1);
  EXPECT_EQ(session->client_id, "lamp/d1/x");
  EXPECT_FALSE(s.proven(&a));  // once
  EXPECT_EQ(s.closed(&a), session->conn);
  EXPECT_EQ(s.session_count(), 0u);
}

TEST(Sessions, ATickProvesEveryPendingLogin) {
  Sessions s;
  s.login_attempt(&a, kLamp1, "lamp/d1");
  s.login_attempt(&b, DeviceKey{"lamp", "d2"}, "lamp/d2");
  auto proven = s.prove_all_pending();
  ASSERT_EQ(proven.size(), 2u);
  EXPECT_NE(proven[0].conn, proven[1].conn);
  EXPECT_EQ(s.session_count(), 2u);
  EXPECT_TRUE(s.prove_all_pending().empty());
}

TEST(Sessions, AReusedClientObjectIsANewSession) {
  Sessions s;
  s.login_attempt(&a, kLamp1, "lamp/d1");
  auto first = s.prove_all_pending().at(0).conn;
  // A second login on the same client object closes the first session.
  EXPECT_EQ(s.login_attempt(&a, kLamp1, "lamp/d1"), first);
  auto second = s.prove_all_pending().at(0).conn;
  EXPECT_NE(first, second);
}
