// Signed commands and signed images on a real broker (docs/protocol.md 3.9, 3.10).
#include <openssl/pem.h>

#include <fstream>

#include "protocol/command_signing.h"
#include "protocol/signatures.h"
#include "upgrade_fixture.h"

namespace ota_test {
namespace {

struct KeyPair {
  ota::Pkey key;
  std::string private_pem, public_pem;
};

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

KeyPair make_key(const char* type, const char* curve = nullptr) {
  KeyPair k;
  k.key.reset(curve ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, curve) : EVP_PKEY_Q_keygen(nullptr, nullptr, type));
  std::unique_ptr<BIO, decltype(&BIO_free)> priv(BIO_new(BIO_s_mem()), BIO_free), pub(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(priv.get(), k.key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_PUBKEY(pub.get(), k.key.get());
  k.private_pem = bio_text(priv.get());
  k.public_pem = bio_text(pub.get());
  return k;
}

std::string write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

// The signing string a device rebuilds from the command it received.
std::string device_signing_string(const OtaCommand& cmd, const std::string& device) {
  return ota::signing_string_of({"p1", device, cmd.kind, cmd.request_id, cmd.expires_at, {}}, parse(cmd.payload));
}

std::string member(const std::string& json, const char* name) {
  auto doc = parse(json);
  return doc.HasMember(name) && doc[name].IsString() ? doc[name].GetString() : "";
}

class SignedCommands : public UpgradeTest {
 protected:
  BrokerConfig config() override {
    auto c = UpgradeTest::config();
    c.plugin_opts.push_back({"signing_key", write_file(dir.path() + "/broker-signing.pem", broker_key.private_pem)});
    return c;
  }
  KeyPair broker_key = make_key("ED25519");
};

TEST_F(SignedCommands, EachCommandIsSignedForItsDeviceAndRequestAndVerifiesWithTheKeyGetSigningKeyGives) {
  auto key = admin_command(R"({"command":"getSigningKey"})");
  ASSERT_TRUE(key.HasMember("data")) << to_string(key);
  EXPECT_EQ(key["data"]["publicKeyPem"].GetString(), broker_key.public_pem);
  const std::string key_id = key["data"]["keyId"].GetString();
  EXPECT_EQ(key_id, ota::key_id(broker_key.key.get()));
  const auto verifier = ota::VerifyingKeys::from_pem(key["data"]["publicKeyPem"].GetString());

  auto& d1 = booted("d1");
  auto& d2 = booted("d2");
  const std::string id = create_job(R"(,"expiresAt":4102444800000)");
  auto c1 = d1.wait_command();
  auto c2 = d2.wait_command();
  ASSERT_TRUE(c1 && c2);
  EXPECT_EQ(c1->expires_at, "4102444800");
  for (const auto& [cmd, device] : {std::pair{*c1, "d1"}, std::pair{*c2, "d2"}}) {
    EXPECT_EQ(member(cmd.payload, "keyId"), key_id);
    const auto sig = ota::base64_decode(member(cmd.payload, "sig"));
    ASSERT_TRUE(sig) << cmd.payload;
    EXPECT_EQ(verifier.verify_message(device_signing_string(cmd, device), *sig), key_id) << cmd.payload;
  }
  // d1's command is no good to d2: not for its name, nor for its request id.
  EXPECT_EQ(verifier.verify_message(device_signing_string(*c1, "d2"), *ota::base64_decode(member(c1->payload, "sig"))),
            std::nullopt);
  OtaCommand replayed = *c1;
  replayed.request_id = c2->request_id;
  EXPECT_EQ(verifier.verify_message(device_signing_string(replayed, "d1"),
                                    *ota::base64_decode(member(c1->payload, "sig"))),
            std::nullopt);

  // The payload keeps IotHub's fields first and in their order: a device that ignores the signature still reads it.
  EXPECT_EQ(c1->payload.rfind(R"({"type":"firmware","version":"1.1","url":"https://files.example.com/fw-1.1.bin",)", 0),
            0u);

  ASSERT_TRUE(admin_command(R"({"command":"cancelJob","jobId":")" + id + "\"}").HasMember("data"));
  auto cancel = d1.wait_command(0, "$ota_cancel");
  ASSERT_TRUE(cancel);
  EXPECT_EQ(verifier.verify_message(device_signing_string(*cancel, "d1"),
                                    *ota::base64_decode(member(cancel->payload, "sig"))),
            key_id)
      << cancel->payload;
}

class UnsignedCommands : public UpgradeTest {};

TEST_F(UnsignedCommands, WithoutASigningKeyCommandsAreAsIotHubSendsThemAndThereIsNoKeyToGet) {
  EXPECT_EQ(error_code(admin_command(R"({"command":"getSigningKey"})")), "not_found");
  auto& d1 = booted("d1");
  create_job();
  auto cmd = d1.wait_command();
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->payload, R"({"type":"firmware","version":"1.1","url":"https://files.example.com/fw-1.1.bin",)"
                          R"("md5":"9e107d9d372bb6826bd81d3542a419d6","size":1048576})");
}

// A broker given `path` for plugin_opt_`option` does not start, and says why.
void expect_refused_key_file(const std::string& option, const std::string& path, const std::string& reason) {
  TempDir broker_dir;
  auto config = default_config(broker_dir.path());
  config.plugin_opts.push_back({option, path});
  BrokerProcess broker(broker_dir.path(), config);
  EXPECT_FALSE(broker.start()) << path;
  EXPECT_NE(broker.log().find("mosquitto_ota: bad configuration: plugin_opt_" + option + " " + path + ": " + reason),
            std::string::npos)
      << broker.log();
}

TEST(SigningKeyOption, ABadKeyStopsTheBrokerWithALineNamingTheOption) {
  TempDir dir;
  const KeyPair ecdsa = make_key("EC", "P-256");
  expect_refused_key_file("signing_key", dir.path() + "/missing.pem", "cannot read key file");
  expect_refused_key_file("signing_key", write_file(dir.path() + "/garbage.pem", "not a key\n"),
                          "not a PEM private key");
  expect_refused_key_file("signing_key", write_file(dir.path() + "/ecdsa.pem", ecdsa.private_pem),
                          "not an Ed25519 private key");
}

TEST(ImageKeysOption, ABadKeyFileStopsTheBrokerWithALineNamingTheOption) {
  TempDir dir;
  const KeyPair ed = make_key("ED25519");
  const KeyPair p384 = make_key("EC", "P-384");
  expect_refused_key_file("image_keys", dir.path() + "/missing.pem", "cannot read key file");
  expect_refused_key_file("image_keys", write_file(dir.path() + "/garbage.pem", "not a key\n"),
                          "no PEM public key in it");
  // A vendor's private key where its public key belongs.
  expect_refused_key_file("image_keys", write_file(dir.path() + "/private.pem", ed.private_pem),
                          "no PEM public key in it");
  expect_refused_key_file("image_keys", write_file(dir.path() + "/p384.pem", ed.public_pem + p384.public_pem),
                          "key 2 is neither Ed25519 nor ECDSA P-256");
}

// A vendor's image keys: an Ed25519 and an ECDSA P-256 one.
class SignedImages : public UpgradeTest {
 protected:
  BrokerConfig config() override {
    auto c = UpgradeTest::config();
    c.plugin_opts.push_back(
        {"image_keys", write_file(dir.path() + "/vendor-keys.pem", vendor_ed.public_pem + vendor_ec.public_pem)});
    return c;
  }

  // The image's signature by `key`, base64, as docs/protocol.md 3.10 makes it.
  static std::string image_signature(const KeyPair& key, const std::string& digest) {
    return ota::base64_encode(ota::sign_image_digest(key.private_pem, digest));
  }

  rapidjson::Document create_signed(const std::string& sha256_hex, const std::string& signature) {
    std::string extra;
    if (!sha256_hex.empty()) extra += R"(,"sha256":")" + sha256_hex + "\"";
    if (!signature.empty()) extra += R"(,"imageSignature":")" + signature + "\"";
    return create_upgrade(extra);
  }

  int job_count() {
    auto r = admin_command(R"({"command":"listJobs","product":"p1"})");
    return r.HasMember("data") ? static_cast<int>(r["data"]["jobs"].Size()) : -1;
  }

  KeyPair vendor_ed = make_key("ED25519");
  KeyPair vendor_ec = make_key("EC", "P-256");
  const std::string digest = ota::sha256("firmware 1.1 image bytes");
  const std::string digest_hex = ota::to_hex(digest);
};

TEST_F(SignedImages, AnUpgradeNeedsAnImageSignatureThatAVendorKeyVerifiesAndNothingElseIsCreated) {
  const KeyPair stranger = make_key("ED25519");
  struct Refused {
    std::string sha256, signature, error;
  };
  const Refused refused[] = {
      {"", image_signature(vendor_ed, digest), "\"sha256\" is required"},
      {digest_hex, "", "\"imageSignature\" is required"},
      {digest_hex, "not base64!", "\"imageSignature\" must be base64"},
      // The wrong length: too long to be a signature, or too short for any key to verify.
      {digest_hex, ota::base64_encode(std::string(513, 'x')), "of a signature of at most 512 bytes"},
      {digest_hex, "AAAA", "does not verify"},
      {digest_hex, image_signature(stranger, digest), "does not verify"},
      {ota::to_hex(ota::sha256("another image")), image_signature(vendor_ed, digest), "does not verify"},
      {digest_hex, image_signature(vendor_ed, digest).replace(0, 4, "AAAA"), "does not verify"},
  };
  for (const auto& r : refused) {
    auto answer = create_signed(r.sha256, r.signature);
    EXPECT_EQ(error_code(answer), "invalid_request") << to_string(answer);
    ASSERT_TRUE(answer.HasMember("error"));
    EXPECT_NE(std::string(answer["error"].GetString()).find(r.error), std::string::npos) << to_string(answer);
  }
  EXPECT_EQ(job_count(), 0);
}

TEST_F(SignedImages, ASignatureByEitherVendorKeyCreatesTheJobAndTravelsToTheDevice) {
  auto& d1 = booted("d1");
  size_t sent = 0;
  for (const KeyPair* vendor : {&vendor_ed, &vendor_ec}) {
    const std::string signature = image_signature(*vendor, digest);
    auto created = create_signed(digest_hex, signature);
    ASSERT_TRUE(created.HasMember("data")) << to_string(created);
    const std::string id = created["data"]["jobId"].GetString();
    auto job = get_job(id);
    EXPECT_EQ(std::string(job["data"]["imageSignature"].GetString()), signature);
    auto cmd = d1.wait_command(sent++);
    ASSERT_TRUE(cmd);
    EXPECT_EQ(member(cmd->payload, "imageSignature"), signature);
    EXPECT_EQ(member(cmd->payload, "sha256"), digest_hex);
    ASSERT_TRUE(admin_command(R"({"command":"cancelJob","jobId":")" + id + "\"}").HasMember("data"));
  }
}

}  // namespace
}  // namespace ota_test
