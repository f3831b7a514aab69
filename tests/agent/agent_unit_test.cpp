// The agent's pieces: its config file, its state, command parsing and
// signature checks (against the worked example of docs/protocol.md 3.9), the
// image checks (3.10, keys made with OpenSSL), and the progress throttle.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "broker_process.h"
#include "command.h"
#include "config.h"
#include "keys.h"
#include "protocol/signatures.h"
#include "reports.h"
#include "state.h"
#include "test_keys.h"
#include "verify.h"

namespace ota_agent {
namespace {

using namespace std::chrono_literals;

const char* kBrokerPublicKey =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "-----END PUBLIC KEY-----\n";
const char* kTopic = "cmd/lamp/d1/$ota_upgrade/plain/5f2b8c0e9a1d4e7f6a3b2c1d";
const char* kSig = "tQNy7AQY4qHByrLoeF/ji02FBfpRe0j3OYAr+9ItFVWYNOD7p6ZZSS9hAGf1Jcm20BzCX3EtLsD1uDqzxwinDw==";

std::string example_payload(const std::string& sig = kSig, const std::string& key_id = "06e3fd8fda29bb60",
                            const std::string& version = "1.1") {
  return R"({"type":"firmware","version":")" + version +
         R"(","url":"https://files.example.com/fw-1.1.bin","md5":"9e107d9d372bb6826bd81d3542a419d6",)"
         R"("size":1048576,"sha256":"d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592",)"
         R"("keyId":")" + key_id + R"(","sig":")" + sig + "\"}";
}

Command parsed(const std::string& topic, const std::string& payload, const std::string& device = "d1") {
  auto p = parse_command("lamp", device, topic, payload);
  EXPECT_TRUE(p.command) << p.error;
  return p.command.value_or(Command{});
}

class Signatures : public ::testing::Test {
 protected:
  ota::VerifyingKeys keys = ota::VerifyingKeys::from_pem(kBrokerPublicKey);
  BrokerKey key{&keys, "06e3fd8fda29bb60"};
};

TEST_F(Signatures, TheWorkedExampleVerifies) {
  EXPECT_EQ(check_signature(parsed(kTopic, example_payload()), "lamp", "d1", key), "");
}

TEST_F(Signatures, AChangedFieldDoesNotVerify) {
  EXPECT_EQ(check_signature(parsed(kTopic, example_payload(kSig, "06e3fd8fda29bb60", "1.2")), "lamp", "d1", key),
            "signature does not verify with the broker key");
}

TEST_F(Signatures, ACommandForAnotherDeviceOrRequestOrExpiryDoesNotVerify) {
  const std::string other_device = "cmd/lamp/d2/$ota_upgrade/plain/5f2b8c0e9a1d4e7f6a3b2c1d";
  EXPECT_NE(check_signature(parsed(other_device, example_payload(), "d2"), "lamp", "d2", key), "");
  const std::string other_request = "cmd/lamp/d1/$ota_upgrade/plain/5f2b8c0e9a1d4e7f6a3b2c1e";
  EXPECT_NE(check_signature(parsed(other_request, example_payload()), "lamp", "d1", key), "");
  EXPECT_NE(check_signature(parsed(std::string(kTopic) + "/1767830400", example_payload()), "lamp", "d1", key), "");
}

TEST_F(Signatures, AnUnknownKeyIdAMalformedSigAndNoSignatureAreRefused) {
  EXPECT_EQ(check_signature(parsed(kTopic, example_payload(kSig, "0000000000000000")), "lamp", "d1", key),
            "command signed by unknown key 0000000000000000 (expected 06e3fd8fda29bb60)");
  EXPECT_EQ(check_signature(parsed(kTopic, example_payload("not base64!")), "lamp", "d1", key),
            "sig is not base64 of a 64-byte Ed25519 signature");
  EXPECT_EQ(check_signature(parsed(kTopic, example_payload("AAAA")), "lamp", "d1", key),
            "sig is not base64 of a 64-byte Ed25519 signature");
  EXPECT_EQ(check_signature(parsed(kTopic, R"({"type":"firmware","version":"1.1"})"), "lamp", "d1", key),
            "command not signed (no keyId/sig)");
}

TEST_F(Signatures, TheKeyIdOfAKeyFileIsTheDocumentedOne) {
  ota_test::TempDir dir;
  std::ofstream(dir.path() + "/broker.pub") << kBrokerPublicKey;
  const TrustedKeys trusted = load_trusted_keys(dir.path() + "/broker.pub");
  EXPECT_EQ(trusted.ids, std::vector<std::string>{"06e3fd8fda29bb60"});
  std::ofstream(dir.path() + "/bad.pub") << "not a key";
  EXPECT_THROW(load_trusted_keys(dir.path() + "/bad.pub"), std::runtime_error);
}

TEST(Commands, TopicsThatAreNotThisDevicesCommandsAreRejected) {
  const std::string payload = R"({"type":"firmware","version":"1.1"})";
  EXPECT_FALSE(parse_command("lamp", "d1", "cmd/lamp/d2/$ota_upgrade/plain/r1", payload).command);
  EXPECT_FALSE(parse_command("lamp", "d1", "cmd/lamp/d1/$ota_reboot/plain/r1", payload).command);
  EXPECT_FALSE(parse_command("lamp", "d1", "cmd/lamp/d1/$ota_upgrade/plain", payload).command);
  EXPECT_FALSE(parse_command("lamp", "d1", "cmd/lamp/d1/$ota_upgrade/plain/r1/soon", payload).command);
  EXPECT_FALSE(parse_command("lamp", "d1", "cmd/lamp/d1/$ota_upgrade/plain/r1", "[]").command);
  EXPECT_FALSE(parse_command("lamp", "d1", "cmd/lamp/d1/$ota_upgrade/plain/r1", R"({"type":"firmware"})").command);
  auto cancel = parse_command("lamp", "d1", "cmd/lamp/d1/$ota_cancel/plain/r1", payload);
  ASSERT_TRUE(cancel.command);
  EXPECT_FALSE(cancel.command->is_upgrade());
  EXPECT_EQ(cancel.command->request_id, "r1");
}

TEST(Commands, UpgradeFieldsAreChecked) {
  Command c = parsed(kTopic, example_payload());
  EXPECT_EQ(check_upgrade_fields(c), "");
  c.url = "ftp://x/y";
  EXPECT_EQ(check_upgrade_fields(c), "\"url\" must be http:// or https://");
  c = parsed(kTopic, example_payload());
  c.md5 = "9E107D9D372BB6826BD81D3542A419D6";
  EXPECT_NE(check_upgrade_fields(c), "");
  c = parsed(kTopic, example_payload());
  c.size.reset();
  EXPECT_EQ(check_upgrade_fields(c), "\"size\" must be a positive integer");
}

TEST(Commands, ExpiryIsInSecondsAndPassesAfterIt) {
  Command c = parsed(std::string(kTopic) + "/1767830400", example_payload());
  EXPECT_FALSE(expired(c, 1767830400000));
  EXPECT_TRUE(expired(c, 1767830400001));
  EXPECT_FALSE(expired(parsed(kTopic, example_payload()), 1767830400001));
}

TEST(Config, EveryKeyIsReadAndUnknownKeysAreErrors) {
  const Config c = parse_config(
      "# comment\n"
      "broker_host = mqtt.example.com\nbroker_port = 8883\ntls_ca_file = /etc/ca.pem\n"
      "product = lamp\ndevice = d1\npassword = s3cret = yes\n"
      "state_dir = /var/lib/ota\ndownload_dir = /var/cache/ota\ninstall_command = /usr/bin/flash --now\n"
      "broker_key_file = /etc/broker.pub\nvendor_keys_file = /etc/vendors.pem\nhttps_ca_file = /etc/https.pem\n"
      "stall_timeout_seconds = 5\nkeepalive_seconds = 30\nversion.firmware = 1.0\nversion.app = 2.3\n");
  EXPECT_EQ(c.broker_host, "mqtt.example.com");
  EXPECT_EQ(c.broker_port, 8883);
  EXPECT_EQ(c.password, "s3cret = yes");
  EXPECT_EQ(c.install_command, "/usr/bin/flash --now");
  EXPECT_EQ(c.stall_timeout_seconds, 5);
  EXPECT_EQ(c.client_id(), "lamp/d1/agent");
  EXPECT_EQ(c.initial_versions, (std::map<std::string, std::string>{{"app", "2.3"}, {"firmware", "1.0"}}));

  const std::string base = "product = lamp\ndevice = d1\nstate_dir = s\ndownload_dir = d\ninstall_command = i\n";
  EXPECT_NO_THROW(parse_config(base));
  EXPECT_THROW(parse_config(base + "colour = blue\n"), std::runtime_error);
  EXPECT_THROW(parse_config(base + "broker_port = 0\n"), std::runtime_error);
  EXPECT_THROW(parse_config(base + "no equals sign\n"), std::runtime_error);
  EXPECT_THROW(parse_config("product = lamp/x\ndevice = d1\nstate_dir = s\ndownload_dir = d\ninstall_command = i\n"),
               std::runtime_error);
  EXPECT_THROW(parse_config("product = lamp\ndevice = d1\nstate_dir = s\ndownload_dir = d\n"), std::runtime_error);
}

TEST(State, VersionsHandledRequestsAndTheCurrentUpgradeSurviveAReload) {
  ota_test::TempDir dir;
  State s = State::load(dir.path(), {{"firmware", "1.0"}});
  EXPECT_EQ(s.status_json(), R"({"firmware_ver":"1.0"})");
  s.set_version("firmware", "1.1");
  s.mark_handled("r1");
  s.set_current(CurrentUpgrade{"cmd/t", R"({"a":"\"quoted\""})", true});
  s.save();

  State again = State::load(dir.path(), {{"firmware", "1.0"}, {"app", "2.3"}});
  EXPECT_EQ(again.status_json(), R"({"app_ver":"2.3","firmware_ver":"1.1"})");
  EXPECT_TRUE(again.handled("r1"));
  EXPECT_FALSE(again.handled("r2"));
  ASSERT_TRUE(again.current());
  EXPECT_EQ(again.current()->payload, R"({"a":"\"quoted\""})");
  EXPECT_TRUE(again.current()->installing);
}

TEST(State, OnlyTheNewestHandledRequestsAreKept) {
  ota_test::TempDir dir;
  State s = State::load(dir.path(), {});
  for (size_t i = 0; i <= State::kHandledKept; ++i) s.mark_handled("r" + std::to_string(i));
  EXPECT_FALSE(s.handled("r0"));
  EXPECT_TRUE(s.handled("r1"));
  EXPECT_TRUE(s.handled("r" + std::to_string(State::kHandledKept)));
}

TEST(State, AnUnreadableStateFileIsAnError) {
  ota_test::TempDir dir;
  std::ofstream(dir.path() + "/state.json") << "{not json";
  EXPECT_THROW(State::load(dir.path(), {}), std::runtime_error);
}

TEST(Reports, MessageIdsAreFreshHexAndProgressFitsTheProtocol) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(new_message_id());
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_EQ(ids.begin()->size(), 24u);
  EXPECT_EQ(progress_json("firmware", "1.1", 40, "downloading"),
            R"({"type":"firmware","version":"1.1","progress":40,"desc":"downloading"})");
  // desc is cut to 1,024 bytes, never inside a UTF-8 character.
  const std::string long_desc = std::string(1023, 'x') + "\xC3\xA9" + "tail";
  EXPECT_EQ(progress_json("a", "1", -1, long_desc),
            R"({"type":"a","version":"1","progress":-1,"desc":")" + std::string(1023, 'x') + "\"}");
}

TEST(Reports, ProgressAtEveryTenPercentStepAtMostOnceASecond) {
  ProgressThrottle throttle(1000);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  EXPECT_EQ(throttle.update(5, t0), 0);
  EXPECT_EQ(throttle.update(90, t0 + 2s), std::nullopt);     // same step
  EXPECT_EQ(throttle.update(150, t0 + 500ms), std::nullopt);  // new step, too soon
  EXPECT_EQ(throttle.update(160, t0 + 1s), 16);
  EXPECT_EQ(throttle.update(190, t0 + 3s), std::nullopt);
  EXPECT_EQ(throttle.update(1000, t0 + 4s), 99);  // never 100 while downloading
}

// Image checks, with vendor keys made by OpenSSL.
class ImageChecks : public ::testing::Test {
 protected:
  void SetUp() override { std::ofstream(path, std::ios::binary) << bytes; }
  ImageExpectation expected() const {
    unsigned char md5[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(bytes.data(), bytes.size(), md5, &length, EVP_md5(), nullptr);
    return {bytes.size(), ota::to_hex(std::string(reinterpret_cast<char*>(md5), length)),
            ota::to_hex(ota::sha256(bytes)), ""};
  }
  ota_test::TempDir dir;
  std::string bytes = std::string(100000, 'a') + "end";
  std::string path = dir.path() + "/image";
};

TEST_F(ImageChecks, SizeMd5AndSha256MustMatch) {
  EXPECT_EQ(check_image(path, expected(), nullptr), "");
  auto e = expected();
  e.size += 1;
  EXPECT_EQ(check_image(path, e, nullptr), "size mismatch: got 100003 bytes, expected 100004");
  e = expected();
  e.md5[0] = e.md5[0] == '0' ? '1' : '0';
  EXPECT_EQ(check_image(path, e, nullptr).rfind("md5 mismatch: got ", 0), 0u);
  e = expected();
  e.sha256[5] = e.sha256[5] == '0' ? '1' : '0';
  EXPECT_EQ(check_image(path, e, nullptr).rfind("sha256 mismatch: got ", 0), 0u);
  e = expected();
  e.sha256.clear();  // not given: not checked
  EXPECT_EQ(check_image(path, e, nullptr), "");
  EXPECT_EQ(check_image(dir.path() + "/missing", expected(), nullptr).rfind("cannot read ", 0), 0u);
}

TEST_F(ImageChecks, TheSignatureMustVerifyWithATrustedVendorKey) {
  using ota_test::sign_digest;
  const auto ed = ota_test::generate_key(EVP_PKEY_ED25519);
  const auto ec = ota_test::generate_key(EVP_PKEY_EC);
  const auto stranger = ota_test::generate_key(EVP_PKEY_ED25519);
  const auto vendors =
      ota::VerifyingKeys::from_pem(ota_test::public_pem(ed.get()) + ota_test::public_pem(ec.get()));
  const std::string digest = ota::sha256(bytes);

  auto e = expected();
  e.image_signature = sign_digest(ed.get(), digest);
  EXPECT_EQ(check_image(path, e, &vendors), "");
  e.image_signature = sign_digest(ec.get(), digest);
  EXPECT_EQ(check_image(path, e, &vendors), "");
  e.image_signature = sign_digest(stranger.get(), digest);
  EXPECT_EQ(check_image(path, e, &vendors), "image signature verifies with no trusted vendor key");
  e.image_signature = "%%%";
  EXPECT_EQ(check_image(path, e, &vendors), "imageSignature is not base64");
  e.image_signature.clear();
  EXPECT_EQ(check_image(path, e, &vendors), "image not signed: the command has no imageSignature");
  e.image_signature = sign_digest(stranger.get(), digest);
  EXPECT_EQ(check_image(path, e, nullptr), "");  // no vendor keys: not checked
}

}  // namespace
}  // namespace ota_agent
