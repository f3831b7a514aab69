// Signed commands and images (docs/protocol.md 3.9, 3.10): the signing string
// against the documented worked example, keys and signatures on OpenSSL.
#include <gtest/gtest.h>

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <rapidjson/document.h>

#include <cstdio>
#include <fstream>

#include "protocol/command_signing.h"
#include "protocol/image_digest.h"
#include "protocol/signatures.h"

using namespace ota;

namespace {

// RFC 8032's test key 1, as in docs/protocol.md's worked example.
const char* kBrokerKey =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";
const char* kBrokerPublicKey =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "-----END PUBLIC KEY-----\n";

CommandToSign example() {
  return {"lamp",
          "d1",
          "$ota_upgrade",
          "5f2b8c0e9a1d4e7f6a3b2c1d",
          "",
          {{"type", "firmware"},
           {"version", "1.1"},
           {"url", "https://files.example.com/fw-1.1.bin"},
           {"md5", "9e107d9d372bb6826bd81d3542a419d6"},
           {"size", "1048576"},
           {"sha256", "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"},
           {"imageSignature", ""}}};
}

std::string pem_of_private(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

std::string pem_of_public(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), key);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace

TEST(CommandSigning, TheSigningStringOfTheWorkedExample) {
  EXPECT_EQ(signing_string(example()),
            "ota-command-v1\n"
            "product=lamp\n"
            "device=d1\n"
            "command=$ota_upgrade\n"
            "requestId=5f2b8c0e9a1d4e7f6a3b2c1d\n"
            "expiresAt=\n"
            "type=firmware\n"
            "version=1.1\n"
            "url=https://files.example.com/fw-1.1.bin\n"
            "md5=9e107d9d372bb6826bd81d3542a419d6\n"
            "size=1048576\n"
            "sha256=d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592\n"
            "imageSignature=\n");
}

TEST(CommandSigning, AValueWithALineBreakCannotBeSigned) {
  auto command = example();
  command.fields[1].second = "1.1\nurl=https://evil.example/";
  EXPECT_THROW(signing_string(command), std::invalid_argument);
  command = example();
  command.device = "d1\r";
  EXPECT_THROW(signing_string(command), std::invalid_argument);
}

TEST(CommandSigning, TheSigningStringOfAPayloadReadsItsFieldsAsTheWorkedExampleLists) {
  rapidjson::Document payload;
  payload.Parse(R"({"type":"firmware","version":"1.1","url":"https://files.example.com/fw-1.1.bin",)"
                R"("md5":"9e107d9d372bb6826bd81d3542a419d6","size":1048576,)"
                R"("sha256":"d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592","other":true})");
  auto command = example();
  command.fields.clear();
  EXPECT_EQ(signing_string_of(command, payload), signing_string(example()));

  command.command = "$ota_cancel";  // signs type and version only
  EXPECT_EQ(signed_fields_of(command.command, payload),
            (std::vector<std::pair<std::string_view, std::string>>{{"type", "firmware"}, {"version", "1.1"}}));
}

TEST(CommandSigning, ASignedFieldThatIsNeitherAStringNorAnIntegerCannotBeSigned) {
  for (const char* json : {R"({"type":"firmware","version":1.5})", R"({"type":"firmware","version":null})",
                           R"({"type":["firmware"],"version":"1.1"})", "[]"}) {
    rapidjson::Document payload;
    payload.Parse(json);
    EXPECT_THROW(signed_fields_of("$ota_cancel", payload), std::invalid_argument) << json;
  }
  rapidjson::Document big;
  big.Parse(R"({"size":18446744073709551615})");
  EXPECT_EQ(signed_fields_of("$ota_upgrade", big)[4],
            (std::pair<std::string_view, std::string>{"size", "18446744073709551615"}));
}

TEST(CommandSigning, TheWorkedExamplesKeyIdAndSignature) {
  const SigningKey key = SigningKey::from_pem(kBrokerKey);
  EXPECT_EQ(key.id(), "06e3fd8fda29bb60");
  EXPECT_EQ(key.public_key_pem(), kBrokerPublicKey);
  const std::string sig = base64_encode(key.sign(signing_string(example())));
  EXPECT_EQ(sig, "tQNy7AQY4qHByrLoeF/ji02FBfpRe0j3OYAr+9ItFVWYNOD7p6ZZSS9hAGf1Jcm20BzCX3EtLsD1uDqzxwinDw==");
}

TEST(CommandSigning, ASignatureVerifiesForItsCommandOnlyAndOnlyWithItsKey) {
  const SigningKey key = SigningKey::from_pem(kBrokerKey);
  const VerifyingKeys verifier = VerifyingKeys::from_pem(kBrokerPublicKey);
  const std::string sig = key.sign(signing_string(example()));
  EXPECT_EQ(verifier.verify_message(signing_string(example()), sig), "06e3fd8fda29bb60");
  // Another device, request, expiry or field: the same signature no longer verifies.
  for (int change = 0; change < 4; ++change) {
    auto other = example();
    if (change == 0) other.device = "d2";
    if (change == 1) other.request_id = "5f2b8c0e9a1d4e7f6a3b2c1e";
    if (change == 2) other.expires_at = "1767225600";
    if (change == 3) other.fields[2].second = "https://evil.example/fw.bin";
    EXPECT_EQ(verifier.verify_message(signing_string(other), sig), std::nullopt) << change;
  }
  // Another broker's key.
  Pkey other_key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  const SigningKey other = SigningKey::from_pem(pem_of_private(other_key.get()));
  EXPECT_NE(other.id(), key.id());
  EXPECT_EQ(verifier.verify_message(signing_string(example()), other.sign(signing_string(example()))), std::nullopt);
  EXPECT_EQ(verifier.verify_message(signing_string(example()), "short"), std::nullopt);
}

TEST(ImageSigning, Ed25519AndEcdsaP256SignaturesOverTheDigestVerifyWithTheRightKey) {
  const std::string digest = sha256("the image");
  Pkey ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  Pkey ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  const VerifyingKeys both = VerifyingKeys::from_pem(pem_of_public(ed.get()) + pem_of_public(ec.get()));
  ASSERT_EQ(both.size(), 2u);

  const std::string ed_sig = sign_image_digest(pem_of_private(ed.get()), digest);
  EXPECT_EQ(ed_sig, SigningKey::from_pem(pem_of_private(ed.get())).sign(digest));  // the digest is the message
  EXPECT_EQ(both.verify_digest(digest, ed_sig), key_id(ed.get()));

  const std::string ec_sig = sign_image_digest(pem_of_private(ec.get()), digest);
  EXPECT_EQ(both.verify_digest(digest, ec_sig), key_id(ec.get()));

  // Another image, or a key not listed: nothing verifies.
  EXPECT_EQ(both.verify_digest(sha256("another image"), ed_sig), std::nullopt);
  EXPECT_EQ(both.verify_digest(sha256("another image"), ec_sig), std::nullopt);
  const VerifyingKeys broker_only = VerifyingKeys::from_pem(kBrokerPublicKey);
  EXPECT_EQ(broker_only.verify_digest(digest, ed_sig), std::nullopt);
  // Commands are Ed25519 only: an ECDSA key never verifies one.
  EXPECT_EQ(both.verify_message(digest, ec_sig), std::nullopt);
}

TEST(Signatures, BadKeyFilesAreRefusedWithAReason) {
  auto refusal = [](auto load) -> std::string {
    try {
      load();
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(refusal([] { SigningKey::from_pem("not a key"); }), "not a PEM private key");
  Pkey ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  EXPECT_EQ(refusal([&] { SigningKey::from_pem(pem_of_private(ec.get())); }), "not an Ed25519 private key");
  EXPECT_EQ(refusal([] { SigningKey::from_pem_file("/nonexistent/key.pem"); }),
            "cannot read key file /nonexistent/key.pem");
  EXPECT_EQ(refusal([] { VerifyingKeys::from_pem(kBrokerKey); }), "no PEM public key in it");
  // A damaged key after a good one is refused, not dropped: the vendor it names would silently not be trusted.
  EXPECT_EQ(refusal([] {
              VerifyingKeys::from_pem(std::string(kBrokerPublicKey) +
                                      "-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----\n");
            }),
            "key 2 is not a PEM public key");
  EXPECT_EQ(refusal([] {
              VerifyingKeys::from_pem(std::string(kBrokerPublicKey) + "-----BEGIN PUBLIC KEY-----\n" +
                                      std::string(kBrokerPublicKey).substr(27, 40) + "\n-----END PUBLIC KEY-----\n");
            }),
            "key 2 is not a PEM public key");
  // Text around the keys, as openssl writes with -text, is no key and no error.
  EXPECT_EQ(VerifyingKeys::from_pem("vendor A\n" + std::string(kBrokerPublicKey) + "the end\n").size(), 1u);
  Pkey rsa(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
  EXPECT_EQ(refusal([&] { sign_image_digest(pem_of_private(rsa.get()), sha256("x")); }),
            "neither an Ed25519 nor an ECDSA P-256 private key");
  Pkey p384(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  EXPECT_EQ(refusal([&] { VerifyingKeys::from_pem(std::string(kBrokerPublicKey) + pem_of_public(p384.get())); }),
            "key 2 is neither Ed25519 nor ECDSA P-256");
}

TEST(Base64, RoundTripsAndRefusesAnythingButOneCanonicalText) {
  for (const std::string& bytes : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar",
                                                          std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes);
  }
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  for (const char* bad : {"Zm8", "Zm8=\n", "Zm 8=", "Zm9=", "Z===", "=Zm8", "Zm=8", "Zm8=Zm8=", "Zm-_"}) {
    EXPECT_EQ(base64_decode(bad), std::nullopt) << bad;
  }
}

TEST(ImageDigest, SizeMd5AndSha256OfAFileReadInMoreThanOneBuffer) {
  const std::string path = ::testing::TempDir() + "/image_digest_test.bin";
  {
    std::ofstream out(path, std::ios::binary);
    out << "abc";
  }
  ImageDigest abc = digest_file(path);
  EXPECT_EQ(abc.size, 3);
  EXPECT_EQ(abc.md5_hex, "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(abc.sha256_hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(abc.sha256, *from_hex(abc.sha256_hex));

  std::string large(300000, '\0');
  for (size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>(i * 7 % 251);
  {
    std::ofstream out(path, std::ios::binary);
    out << large;
  }
  ImageDigest d = digest_file(path);
  EXPECT_EQ(d.size, 300000);
  EXPECT_EQ(d.sha256, sha256(large));
  std::remove(path.c_str());
  EXPECT_THROW(digest_file(path), std::runtime_error);
}
