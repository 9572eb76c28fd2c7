// Digest files: key layout, content, string to sign (integrity.md §2–§5) and the test vector
// of integrity.md §11.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "common/crypto.h"
#include "common/time.h"
#include "integrity/integrity.h"

namespace ot::integrity {
namespace {

constexpr const char* kVectorPublicKey =
    "MIIBCgKCAQEAhdolNZ5esmIovTJci65RptWB7t19noGehnCJXaf+6n5VuR+hLxM1317RzQB2gX2kp7vsMkEnXaV1yISSIwvKyCbKU+"
    "ruDC3NmpEUi3w3u8x5CskpX9Uq4RqWJnIy2BAODooFYdfldeTNPMs6NzvypHS84upFfhVli4ePvAk+KHd18oDSUYVvymgWd5eFoOPtXTbx"
    "equ+ZQL98z+zx6IpVKGQBab/KNNUGKo8TLrMn2V93KCYF5dsuXq/KNLPTEX9VYn7xl/nQrmouHzioG1Mr5Vfh+11xm5LkBcP60tKtL+gvA"
    "OK0+ABn4sJ4+IJKl7eFSwJK5rC2HKQL7Op3zY3EwIDAQAB";
constexpr const char* kVectorFingerprint = "8a1f66dae4f6ade9078c916b0fa0a393";

constexpr const char* kVectorLogFile =
    R"({"Records":[{"eventVersion":"1.11","userIdentity":{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333","accessKeyId":"AKIAEXAMPLEROOTKEY01"},"eventTime":"2026-11-24T09:41:07Z","eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.10","userAgent":"aws-cli/1.45.11","requestParameters":null,"responseElements":null,"requestID":"0f3c5d2e-6a1b-4c8d-9e7f-1a2b3c4d5e6f","eventID":"5b0a3f4e-2c1d-4e6f-8a9b-0c1d2e3f4a5b","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}]})";
constexpr const char* kVectorLogSha = "07c972fcd4efb371fe97dff2fe5decd3c8d5403bc93bfec4f298dafa4b68741c";

constexpr const char* kVectorDigest =
    R"({"awsAccountId":"111122223333","digestStartTime":"2026-11-24T09:02:11Z","digestEndTime":"2026-11-24T10:02:11Z","digestS3Bucket":"trail-bucket","digestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/24/111122223333_CloudTrail-Digest_us-east-1_audit_us-east-1_20261124T100211Z.json.gz","digestPublicKeyFingerprint":"8a1f66dae4f6ade9078c916b0fa0a393","digestSignatureAlgorithm":"SHA256withRSA","newestEventTime":"2026-11-24T09:41:07Z","oldestEventTime":"2026-11-24T09:41:07Z","previousDigestS3Bucket":null,"previousDigestS3Object":null,"previousDigestHashValue":null,"previousDigestHashAlgorithm":null,"previousDigestSignature":null,"logFiles":[{"s3Bucket":"trail-bucket","s3Object":"AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/24/111122223333_CloudTrail_us-east-1_20261124T0945Z_Q7pX2mVh9LcR4tWz.json.gz","hashValue":"07c972fcd4efb371fe97dff2fe5decd3c8d5403bc93bfec4f298dafa4b68741c","hashAlgorithm":"SHA-256","newestEventTime":"2026-11-24T09:41:07Z","oldestEventTime":"2026-11-24T09:41:07Z"}]})";
constexpr const char* kVectorDigestSha = "bb6b01e14ddc36ea01e3fa771d627c1115ab92c933ebb23116eaecaebd031ba3";
constexpr const char* kVectorStringToSignSha = "81dc7eb6b12077f780b1cc1ca37dbd9c652ff369e17065536e0f8a37bea3a8fd";
constexpr const char* kVectorSignature =
    "45b5568d4f75229db38507d86f6bf0b30562c0ee3fbedc926ef8e1fa2f56460ecc1a360314894a067e1e75df9266422753a2ce3f9f85de"
    "66fe14666047005d6219552cb8a08080513702ade1a2544113e9f3a4521fd245ba41f6910bed5d59820be9d5fadb503b07f27fa959f34d"
    "330e19c06b4c088ee3fe8c23c034681bee2be7c071e9a3932362287c9f57005ddfddd4ced1654d1ed0ec9aa2b041c19689e03284ac4b43"
    "8cb5f28f615c21aedc58980d6859a4931583760ac13edad2f025681e39d011f29e575dc7d9b6b0062de48f28082856b4b8017686bf37db"
    "b0e91b3eb5e1a1f608c1a0b11d2341848b5824935413c68b97621a816c3e196a727fbe64";

int64_t Ms(const char* iso) {
  auto t = ParseIso8601Millis(iso);
  EXPECT_TRUE(t.has_value()) << iso;
  return t.value_or(0);
}

Digest VectorDigest() {
  Digest d;
  d.account = "111122223333";
  d.source_region = "us-east-1";
  d.trail_name = "audit";
  d.home_region = "us-east-1";
  d.bucket = "trail-bucket";
  d.start_ms = Ms("2026-11-24T09:02:11Z");
  d.end_ms = Ms("2026-11-24T10:02:11Z");
  LogFileEntry f;
  f.bucket = "trail-bucket";
  f.key = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/24/"
          "111122223333_CloudTrail_us-east-1_20261124T0945Z_Q7pX2mVh9LcR4tWz.json.gz";
  f.sha256_hex = Sha256Hex(kVectorLogFile);
  f.oldest_event_ms = Ms("2026-11-24T09:41:07Z");
  f.newest_event_ms = Ms("2026-11-24T09:41:07Z");
  d.log_files.push_back(f);
  return d;
}

TEST(IntegrityDigestTest, VectorLogFileHash) { EXPECT_EQ(Sha256Hex(kVectorLogFile), kVectorLogSha); }

TEST(IntegrityDigestTest, VectorDigestBytesHashAndStringToSign) {
  Digest d = VectorDigest();
  EXPECT_EQ(DigestKey(d),
            "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/24/"
            "111122223333_CloudTrail-Digest_us-east-1_audit_us-east-1_20261124T100211Z.json.gz");
  std::string json = DigestJson(d, kVectorFingerprint);
  EXPECT_EQ(json, kVectorDigest);
  std::string sha = Sha256Hex(json);
  EXPECT_EQ(sha, kVectorDigestSha);
  std::string sts = StringToSign(d, sha);
  EXPECT_EQ(sts,
            "2026-11-24T10:02:11Z\n"
            "trail-bucket/AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/24/"
            "111122223333_CloudTrail-Digest_us-east-1_audit_us-east-1_20261124T100211Z.json.gz\n"
            "bb6b01e14ddc36ea01e3fa771d627c1115ab92c933ebb23116eaecaebd031ba3\n"
            "null");
  EXPECT_EQ(Sha256Hex(sts), kVectorStringToSignSha);
}

TEST(IntegrityDigestTest, VectorSignatureVerifies) {
  Digest d = VectorDigest();
  std::string sts = StringToSign(d, Sha256Hex(DigestJson(d, kVectorFingerprint)));
  EXPECT_TRUE(VerifySignature(kVectorPublicKey, sts, kVectorSignature));
  // Upper-case hex is still the same signature (the CLI's unhexlify accepts it).
  std::string upper = kVectorSignature;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(VerifySignature(kVectorPublicKey, sts, upper));

  // One changed byte anywhere: data, signature, key.
  std::string data = sts;
  data[5] ^= 1;
  EXPECT_FALSE(VerifySignature(kVectorPublicKey, data, kVectorSignature));
  EXPECT_FALSE(VerifySignature(kVectorPublicKey, sts + "\n", kVectorSignature));
  std::string sig = kVectorSignature;
  sig[100] = sig[100] == '0' ? '1' : '0';
  EXPECT_FALSE(VerifySignature(kVectorPublicKey, sts, sig));
  std::string der;
  ASSERT_TRUE(Base64Decode(kVectorPublicKey, &der));
  der[100] ^= 1;
  EXPECT_FALSE(VerifySignature(Base64Encode(der), sts, kVectorSignature));

  // Malformed inputs are false, never a crash.
  EXPECT_FALSE(VerifySignature(kVectorPublicKey, sts, std::string(kVectorSignature).substr(2)));  // short
  EXPECT_FALSE(VerifySignature(kVectorPublicKey, sts, "00" + std::string(kVectorSignature)));     // long
  EXPECT_FALSE(VerifySignature(kVectorPublicKey, sts, "zz"));
  EXPECT_FALSE(VerifySignature(kVectorPublicKey, sts, ""));
  EXPECT_FALSE(VerifySignature("not base64!", sts, kVectorSignature));
  EXPECT_FALSE(VerifySignature("", sts, kVectorSignature));
  EXPECT_FALSE(VerifySignature(Base64Encode(Base64Encode(der)), sts, kVectorSignature));  // double base64
}

TEST(IntegrityDigestTest, VectorPublicKeyShape) {
  std::string der;
  ASSERT_TRUE(Base64Decode(kVectorPublicKey, &der));
  EXPECT_EQ(der.size(), 270u);
  EXPECT_EQ(Md5Hex(der), kVectorFingerprint);
}

TEST(IntegrityDigestTest, SubjectPublicKeyInfoIsNotAcceptedAsValue) {
  // SPKI wrapping of the vector key (what a PEM "PUBLIC KEY" holds): the CLI rejects it.
  std::string der;
  ASSERT_TRUE(Base64Decode(kVectorPublicKey, &der));
  std::string spki_prefix("\x30\x82\x01\x22\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00\x03\x82\x01\x0f\x00",
                          24);
  std::string spki = spki_prefix + der;
  Digest d = VectorDigest();
  std::string sts = StringToSign(d, kVectorDigestSha);
  EXPECT_FALSE(VerifySignature(Base64Encode(spki), sts, kVectorSignature));
}

TEST(IntegrityDigestTest, KeyWithPrefixBackfillAndOddTrailNames) {
  Digest d = VectorDigest();
  d.prefix = "logs/prod";
  d.trail_name = "my_trail.v2-final";
  d.source_region = "eu-west-1";
  d.home_region = "us-east-2";
  d.end_ms = Ms("2027-01-02T03:04:05Z") + 999;  // sub-second part dropped
  std::string key = DigestKey(d);
  EXPECT_EQ(key,
            "logs/prod/AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2027/01/02/"
            "111122223333_CloudTrail-Digest_eu-west-1_my_trail.v2-final_us-east-2_20270102T030405Z.json.gz");
  // The validator reads the timestamp by position.
  EXPECT_EQ(key.substr(key.size() - 24, 16), "20270102T030405Z");

  d.backfill = true;
  key = DigestKey(d);
  EXPECT_EQ(key,
            "logs/prod/AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2027/01/02/"
            "111122223333_CloudTrail-Digest_eu-west-1_my_trail.v2-final_us-east-2_20270102T030405Z_backfill.json.gz");
  EXPECT_EQ(key.substr(key.size() - 33, 16), "20270102T030405Z");

  // A prefix ending in '/' is used literally (the validator builds prefix + "/").
  d.backfill = false;
  d.prefix = "p/";
  EXPECT_EQ(DigestKey(d).substr(0, 12), "p//AWSLogs/1");

  // Organization trails: AWSLogs/ORG/ACCOUNT/.
  d.prefix = "";
  d.organization_id = "o-abc123def4";
  EXPECT_EQ(DigestKey(d),
            "AWSLogs/o-abc123def4/111122223333/CloudTrail-Digest/eu-west-1/2027/01/02/"
            "111122223333_CloudTrail-Digest_eu-west-1_my_trail.v2-final_us-east-2_20270102T030405Z.json.gz");
}

TEST(IntegrityDigestTest, DateFoldersFollowTheEndTime) {
  Digest d = VectorDigest();
  d.start_ms = Ms("2026-12-31T23:30:00Z");
  d.end_ms = Ms("2027-01-01T00:30:00Z");
  std::string key = DigestKey(d);
  EXPECT_NE(key.find("/us-east-1/2027/01/01/"), std::string::npos) << key;
  EXPECT_NE(key.find("_20270101T003000Z.json.gz"), std::string::npos) << key;
  std::string json = DigestJson(d, "f");
  EXPECT_NE(json.find(R"("digestStartTime":"2026-12-31T23:30:00Z","digestEndTime":"2027-01-01T00:30:00Z")"),
            std::string::npos);
}

TEST(IntegrityDigestTest, EmptyDigestAndChainedFields) {
  Digest d = VectorDigest();
  d.log_files.clear();
  d.previous = PreviousDigest{"trail-bucket", "AWSLogs/prev.json.gz", std::string(64, 'a'), std::string(512, 'b')};
  std::string json = DigestJson(d, kVectorFingerprint);
  EXPECT_NE(json.find(R"("newestEventTime":null,"oldestEventTime":null,)"
                      R"("previousDigestS3Bucket":"trail-bucket","previousDigestS3Object":"AWSLogs/prev.json.gz",)"
                      R"("previousDigestHashValue":")" +
                      std::string(64, 'a') + R"(","previousDigestHashAlgorithm":"SHA-256","previousDigestSignature":")" +
                      std::string(512, 'b') + R"(","logFiles":[]})"),
            std::string::npos)
      << json;
  std::string sts = StringToSign(d, "abc");
  EXPECT_EQ(sts.substr(sts.rfind('\n') + 1), std::string(512, 'b'));
  EXPECT_EQ(std::count(sts.begin(), sts.end(), '\n'), 3);
}

TEST(IntegrityDigestTest, EventTimesSpanAllLogFiles) {
  Digest d = VectorDigest();
  LogFileEntry g = d.log_files[0];
  g.key = "AWSLogs/other.json.gz";
  g.oldest_event_ms = Ms("2026-11-24T08:59:59Z");  // before the window (late delivery)
  g.newest_event_ms = Ms("2026-11-24T09:00:30Z");
  d.log_files.push_back(g);
  LogFileEntry h = d.log_files[0];
  h.oldest_event_ms = Ms("2026-11-24T09:50:00Z");
  h.newest_event_ms = Ms("2026-11-24T10:01:00Z") + 500;
  d.log_files.push_back(h);
  std::string json = DigestJson(d, "f");
  EXPECT_NE(json.find(R"("newestEventTime":"2026-11-24T10:01:00Z","oldestEventTime":"2026-11-24T08:59:59Z")"),
            std::string::npos)
      << json;
  // Per-file times and the listed order are kept.
  EXPECT_LT(json.find("AWSLogs/111122223333/CloudTrail/"), json.find("AWSLogs/other.json.gz"));
}

}  // namespace
}  // namespace ot::integrity
