#include "protocol/names.h"

#include <gtest/gtest.h>

#include <string>

using namespace ota;

TEST(Names, DeviceNamesAllowLettersDigitsUnderscoreDotDash) {
  EXPECT_TRUE(is_valid_name("sensor-01.v2_A"));
  EXPECT_TRUE(is_valid_name(std::string(64, 'a')));
  EXPECT_FALSE(is_valid_name(""));
  EXPECT_FALSE(is_valid_name(std::string(65, 'a')));
  for (const char* bad : {"a/b", "a+", "#", "$sys", "a b", "a\tb", "é"}) EXPECT_FALSE(is_valid_name(bad)) << bad;
  EXPECT_FALSE(is_valid_name(std::string("a\0b", 3)));
}

TEST(Names, MessageIdsAllowNoDot) {
  EXPECT_TRUE(is_valid_message_id("5f1e8c2a9b3d4e6f7a8b9c0d"));
  EXPECT_TRUE(is_valid_message_id("req_1-2"));
  EXPECT_FALSE(is_valid_message_id("a.b"));
  EXPECT_FALSE(is_valid_message_id(""));
  EXPECT_FALSE(is_valid_message_id(std::string(65, '1')));
}

TEST(Names, UpgradeTypesAreLowercase) {
  EXPECT_TRUE(is_valid_upgrade_type("firmware"));
  EXPECT_TRUE(is_valid_upgrade_type("os_2"));
  EXPECT_FALSE(is_valid_upgrade_type("Firmware"));
  EXPECT_FALSE(is_valid_upgrade_type("fw-1"));
  EXPECT_FALSE(is_valid_upgrade_type(std::string(33, 'a')));
}
