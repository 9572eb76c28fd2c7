// Unit tests of `opentrail validate-logs` (cli/validate_logs.h) without a server: times,
// the trail ARN, digest keys (marker, prefix, the AWS CLI's key regex), the listing filter,
// log-file checks, signature checks with integrity.md §11's test vector, the summary text,
// and whole runs over an in-memory fake S3 + key source (chains, gaps, tampering,
// deletions, backfill digests, aborts), whose expected output is what the AWS CLI's
// validation.py prints for the same bucket.
#include <gtest/gtest.h>

#include <libdeflate.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "auth/sigv4.h"
#include "cli/validate_logs.h"
#include "common/crypto.h"
#include "common/header.h"

namespace ot::cli::validate_logs {
namespace {

// ---- integrity.md §11 --------------------------------------------------------------------

constexpr const char* kVectorKey =
    "MIIBCgKCAQEAhdolNZ5esmIovTJci65RptWB7t19noGehnCJXaf+6n5VuR+hLxM1317RzQB2gX2kp7vsMkEnXaV1yISSIwv"
    "KyCbKU+ruDC3NmpEUi3w3u8x5CskpX9Uq4RqWJnIy2BAODooFYdfldeTNPMs6NzvypHS84upFfhVli4ePvAk+KHd18oDSUYV"
    "vymgWd5eFoOPtXTbxequ+ZQL98z+zx6IpVKGQBab/KNNUGKo8TLrMn2V93KCYF5dsuXq/KNLPTEX9VYn7xl/nQrmouHzioG1"
    "Mr5Vfh+11xm5LkBcP60tKtL+gvAOK0+ABn4sJ4+IJKl7eFSwJK5rC2HKQL7Op3zY3EwIDAQAB";
constexpr const char* kVectorFingerprint = "8a1f66dae4f6ade9078c916b0fa0a393";
constexpr const char* kVectorLog =
    R"({"Records":[{"eventVersion":"1.11","userIdentity":{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333","accessKeyId":"AKIAEXAMPLEROOTKEY01"},"eventTime":"2026-11-24T09:41:07Z","eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.10","userAgent":"aws-cli/1.45.11","requestParameters":null,"responseElements":null,"requestID":"0f3c5d2e-6a1b-4c8d-9e7f-1a2b3c4d5e6f","eventID":"5b0a3f4e-2c1d-4e6f-8a9b-0c1d2e3f4a5b","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}]})";
constexpr const char* kVectorLogKey =
    "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/24/"
    "111122223333_CloudTrail_us-east-1_20261124T0945Z_Q7pX2mVh9LcR4tWz.json.gz";
constexpr const char* kVectorDigestKey =
    "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/24/"
    "111122223333_CloudTrail-Digest_us-east-1_audit_us-east-1_20261124T100211Z.json.gz";
constexpr const char* kVectorDigest =
    R"({"awsAccountId":"111122223333","digestStartTime":"2026-11-24T09:02:11Z","digestEndTime":"2026-11-24T10:02:11Z","digestS3Bucket":"trail-bucket","digestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/24/111122223333_CloudTrail-Digest_us-east-1_audit_us-east-1_20261124T100211Z.json.gz","digestPublicKeyFingerprint":"8a1f66dae4f6ade9078c916b0fa0a393","digestSignatureAlgorithm":"SHA256withRSA","newestEventTime":"2026-11-24T09:41:07Z","oldestEventTime":"2026-11-24T09:41:07Z","previousDigestS3Bucket":null,"previousDigestS3Object":null,"previousDigestHashValue":null,"previousDigestHashAlgorithm":null,"previousDigestSignature":null,"logFiles":[{"s3Bucket":"trail-bucket","s3Object":"AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/24/111122223333_CloudTrail_us-east-1_20261124T0945Z_Q7pX2mVh9LcR4tWz.json.gz","hashValue":"07c972fcd4efb371fe97dff2fe5decd3c8d5403bc93bfec4f298dafa4b68741c","hashAlgorithm":"SHA-256","newestEventTime":"2026-11-24T09:41:07Z","oldestEventTime":"2026-11-24T09:41:07Z"}]})";
constexpr const char* kVectorSignature =
    "45b5568d4f75229db38507d86f6bf0b30562c0ee3fbedc926ef8e1fa2f56460ecc1a360314894a067e1e75df9266422753a2"
    "ce3f9f85de66fe14666047005d6219552cb8a08080513702ade1a2544113e9f3a4521fd245ba41f6910bed5d59820be9d5"
    "fadb503b07f27fa959f34d330e19c06b4c088ee3fe8c23c034681bee2be7c071e9a3932362287c9f57005ddfddd4ced165"
    "4d1ed0ec9aa2b041c19689e03284ac4b438cb5f28f615c21aedc58980d6859a4931583760ac13edad2f025681e39d011f2"
    "9e575dc7d9b6b0062de48f28082856b4b8017686bf37dbb0e91b3eb5e1a1f608c1a0b11d2341848b5824935413c68b9762"
    "1a816c3e196a727fbe64";

constexpr const char* kArn = "arn:aws:cloudtrail:us-east-1:111122223333:trail/audit";

std::string Gzip(std::string_view data) {
  libdeflate_compressor* c = libdeflate_alloc_compressor(6);
  std::string out(libdeflate_gzip_compress_bound(c, data.size()), '\0');
  size_t n = libdeflate_gzip_compress(c, data.data(), data.size(), out.data(), out.size());
  libdeflate_free_compressor(c);
  out.resize(n);
  return out;
}

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

TimeUs T(const char* text) {
  auto t = ParseTime(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t.value_or(0);
}

// ---- times ---------------------------------------------------------------------------------

TEST(ValidateLogsTime, ParsesTheFormsTheCliAccepts) {
  const TimeUs base = 1795478400LL * kSecond;  // 2026-11-24T00:00:00Z
  EXPECT_EQ(ParseTime("2026-11-24"), base);
  EXPECT_EQ(ParseTime("20261124"), base);
  EXPECT_EQ(ParseTime("2026-11-24T10:02:11Z"), base + 10 * kHour + 2 * kMinute + 11 * kSecond);
  EXPECT_EQ(ParseTime("2026-11-24T10:02:11"), base + 10 * kHour + 2 * kMinute + 11 * kSecond);
  EXPECT_EQ(ParseTime("2026-11-24 10:02"), base + 10 * kHour + 2 * kMinute);
  EXPECT_EQ(ParseTime("2026-11-24T10Z"), base + 10 * kHour);
  EXPECT_EQ(ParseTime("20261124T100211Z"), base + 10 * kHour + 2 * kMinute + 11 * kSecond);
  EXPECT_EQ(ParseTime("2026-11-24T10:02:11.25Z"), base + 10 * kHour + 2 * kMinute + 11 * kSecond + 250000);
  // The AWS CLI replaces the zone instead of converting: offsets are ignored.
  EXPECT_EQ(ParseTime("2026-11-24T10:02:11+02:00"), base + 10 * kHour + 2 * kMinute + 11 * kSecond);
  EXPECT_EQ(ParseTime("2026-11-24T10:02:11-0500"), base + 10 * kHour + 2 * kMinute + 11 * kSecond);
  // Epoch seconds.
  EXPECT_EQ(ParseTime("1795478400"), base);
  EXPECT_EQ(ParseTime("1795478400.5"), base + 500000);
  EXPECT_EQ(ParseTime("0"), 0);

  EXPECT_FALSE(ParseTime(""));
  EXPECT_FALSE(ParseTime("yesterday"));
  EXPECT_FALSE(ParseTime("2026-13-01"));
  EXPECT_FALSE(ParseTime("2026-02-30"));
  EXPECT_FALSE(ParseTime("2026-11-24T25:00:00Z"));
  EXPECT_FALSE(ParseTime("2026-11-24T10:00:00Q"));
}

TEST(ValidateLogsTime, Formats) {
  TimeUs t = T("2026-11-24T10:02:11.999Z");
  EXPECT_EQ(FormatDisplayTime(t), "2026-11-24T10:02:11Z");
  EXPECT_EQ(FormatKeyTime(t), "20261124T100211Z");
  EXPECT_EQ(FormatYmdPath(t), "2026/11/24");
  EXPECT_EQ(FormatDisplayTime(0), "1970-01-01T00:00:00Z");
}

// ---- ARN and keys ----------------------------------------------------------------------------

TEST(ValidateLogsArn, ParsesLikeTheCli) {
  auto a = ParseTrailArn(kArn);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->home_region, "us-east-1");
  EXPECT_EQ(a->account_id, "111122223333");
  EXPECT_EQ(a->name, "audit");
  auto b = ParseTrailArn("arn:aws-cn:cloudtrail:cn-north-1:123456789012:trail/my.trail_name-1");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->name, "my.trail_name-1");
  EXPECT_EQ(b->home_region, "cn-north-1");

  EXPECT_FALSE(ParseTrailArn("audit"));
  EXPECT_FALSE(ParseTrailArn("arn:aws:cloudtrail:us-east-1:1111:trail/audit"));
  EXPECT_FALSE(ParseTrailArn("arn:aws:s3:us-east-1:111122223333:trail/audit"));
  EXPECT_FALSE(ParseTrailArn("arn:aws:cloudtrail:us-east-1:111122223333:trail/"));
  EXPECT_FALSE(ParseTrailArn(" arn:aws:cloudtrail:us-east-1:111122223333:trail/a"));
}

DigestScope Scope(std::string prefix = "", std::string org = "") {
  DigestScope s;
  s.prefix = std::move(prefix);
  s.organization_id = std::move(org);
  s.account_id = "111122223333";
  s.source_region = "us-east-1";
  s.trail_name = "audit";
  s.home_region = "us-east-1";
  return s;
}

TEST(ValidateLogsKeys, PrefixAndMarker) {
  EXPECT_EQ(DigestListPrefix(Scope()), "AWSLogs/111122223333/CloudTrail-Digest/us-east-1");
  EXPECT_EQ(DigestListPrefix(Scope("logs")), "logs/AWSLogs/111122223333/CloudTrail-Digest/us-east-1");
  EXPECT_EQ(DigestListPrefix(Scope("logs/", "o-abc123")),
            "logs//AWSLogs/o-abc123/111122223333/CloudTrail-Digest/us-east-1");
  // Marker: a standard digest key at start - 1 minute (date folders of that instant).
  EXPECT_EQ(DigestMarker(Scope(), T("2026-11-24T00:00:30Z")),
            "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/23/"
            "111122223333_CloudTrail-Digest_us-east-1_audit_us-east-1_20261123T235930Z.json.gz");
  EXPECT_EQ(DigestMarker(Scope("p", "o-x"), T("2026-11-24T10:00:00Z")),
            "p/AWSLogs/o-x/111122223333/CloudTrail-Digest/us-east-1/2026/11/24/"
            "111122223333_CloudTrail-Digest_us-east-1_audit_us-east-1_20261124T095900Z.json.gz");
}

TEST(ValidateLogsKeys, KeyRegex) {
  DigestScope s = Scope();
  EXPECT_TRUE(MatchesDigestKey(s, kVectorDigestKey));
  EXPECT_TRUE(MatchesDigestKey(
      s, "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/24/"
         "111122223333_CloudTrail-Digest_us-east-1_audit_us-east-1_20261124T100211Z_backfill.json.gz"));
  // `.+` accepts any timestamp text, and \d+ any number of digits.
  EXPECT_TRUE(MatchesDigestKey(s, "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/1/2/3/"
                                  "111122223333_CloudTrail-Digest_us-east-1_audit_us-east-1_x.json.gz"));
  // Another trail whose name starts the same, another home region, another account.
  EXPECT_FALSE(MatchesDigestKey(s, "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/24/"
                                   "111122223333_CloudTrail-Digest_us-east-1_audit2_us-east-1_20261124T100211Z.json.gz"));
  EXPECT_FALSE(MatchesDigestKey(s, "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/24/"
                                   "111122223333_CloudTrail-Digest_us-east-1_audit_eu-west-1_20261124T100211Z.json.gz"));
  EXPECT_FALSE(MatchesDigestKey(s, "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/24/"
                                   "999922223333_CloudTrail-Digest_us-east-1_audit_us-east-1_20261124T100211Z.json.gz"));
  EXPECT_FALSE(MatchesDigestKey(s, "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/"
                                   "111122223333_CloudTrail-Digest_us-east-1_audit_us-east-1_20261124T100211Z.json.gz"));
  EXPECT_FALSE(MatchesDigestKey(s, "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/1a/24/"
                                   "111122223333_CloudTrail-Digest_us-east-1_audit_us-east-1_20261124T100211Z.json.gz"));
  EXPECT_FALSE(MatchesDigestKey(s, "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/24/"
                                   "111122223333_CloudTrail-Digest_us-east-1_audit_us-east-1_.json.gz"));
  EXPECT_FALSE(MatchesDigestKey(s, "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/24/"
                                   "111122223333_CloudTrail-Digest_us-east-1_audit_us-east-1_20261124T100211Z.json"));
  EXPECT_FALSE(MatchesDigestKey(Scope("p"), kVectorDigestKey));
  EXPECT_TRUE(MatchesDigestKey(Scope("p"), std::string("p/") + kVectorDigestKey));
  // Regex metacharacters in the prefix or trail name are literal (re.escape).
  DigestScope dots = Scope("a.b");
  dots.trail_name = "my.trail";
  EXPECT_TRUE(MatchesDigestKey(dots, "a.b/AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/24/"
                                     "111122223333_CloudTrail-Digest_us-east-1_my.trail_us-east-1_20261124T100211Z.json.gz"));
  EXPECT_FALSE(MatchesDigestKey(dots, "aXb/AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/24/"
                                      "111122223333_CloudTrail-Digest_us-east-1_myXtrail_us-east-1_20261124T100211Z.json.gz"));
  EXPECT_TRUE(MatchesDigestKey(Scope("", "o-abc"),
                               "AWSLogs/o-abc/111122223333/CloudTrail-Digest/us-east-1/2026/11/24/"
                               "111122223333_CloudTrail-Digest_us-east-1_audit_us-east-1_20261124T100211Z.json.gz"));
}

TEST(ValidateLogsKeys, TimestampByPosition) {
  EXPECT_EQ(DigestKeyTimestamp(kVectorDigestKey), "20261124T100211Z");
  EXPECT_TRUE(IsBackfillDigestKey("x_20261124T100211Z_backfill.json.gz"));
  EXPECT_FALSE(IsBackfillDigestKey(kVectorDigestKey));
  EXPECT_EQ(DigestKeyTimestamp("abc_20261124T100211Z_backfill.json.gz"), "20261124T100211Z");
  EXPECT_EQ(DigestKeyTimestamp("short"), "");
}

std::string DigestKeyAt(const DigestScope& s, const char* when, bool backfill = false) {
  TimeUs t = T(when);
  return (s.prefix.empty() ? "" : s.prefix + "/") + "AWSLogs/" + s.account_id + "/CloudTrail-Digest/" +
         s.source_region + "/" + FormatYmdPath(t) + "/" + s.account_id + "_CloudTrail-Digest_" +
         s.source_region + "_" + s.trail_name + "_" + s.home_region + "_" + FormatKeyTime(t) +
         (backfill ? "_backfill.json.gz" : ".json.gz");
}

TEST(ValidateLogsKeys, CollectorKeepsTheRangeAndStopsPastEndPlusOneHour) {
  DigestScope s = Scope();
  DigestKeyCollector c(s, T("2026-11-24T01:00:00Z"), T("2026-11-24T05:00:00Z"));
  EXPECT_TRUE(c.Add(DigestKeyAt(s, "2026-11-24T00:59:59Z")));   // before start: skipped
  EXPECT_TRUE(c.Add("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/other.txt"));  // no match
  EXPECT_TRUE(c.Add(DigestKeyAt(s, "2026-11-24T01:00:00Z")));
  EXPECT_TRUE(c.Add(DigestKeyAt(s, "2026-11-24T03:00:00Z", true)));
  EXPECT_TRUE(c.Add(DigestKeyAt(s, "2026-11-24T06:00:00Z")));   // = end + 1 h: kept
  EXPECT_FALSE(c.Add(DigestKeyAt(s, "2026-11-24T06:00:01Z")));  // past: stop
  ASSERT_EQ(c.standard.size(), 2u);
  EXPECT_EQ(c.standard[0], DigestKeyAt(s, "2026-11-24T01:00:00Z"));
  ASSERT_EQ(c.backfill.size(), 1u);
}

// ---- content checks --------------------------------------------------------------------------

TEST(ValidateLogsContent, LogFileVerdicts) {
  const std::string hash = Sha256Hex(kVectorLog);
  EXPECT_EQ(hash, "07c972fcd4efb371fe97dff2fe5decd3c8d5403bc93bfec4f298dafa4b68741c");
  const std::string gz = Gzip(kVectorLog);
  EXPECT_EQ(VerifyLogFile(gz, hash), LogVerdict::kValid);
  EXPECT_EQ(VerifyLogFile(gz, std::string(hash.size(), '0')), LogVerdict::kHashMismatch);
  // Uppercase hex is a different string: the CLI compares strings.
  std::string upper = hash;
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(ch));
  EXPECT_EQ(VerifyLogFile(gz, upper), LogVerdict::kHashMismatch);
  EXPECT_EQ(VerifyLogFile(kVectorLog, hash), LogVerdict::kInvalidFormat);  // not gzip
  EXPECT_EQ(VerifyLogFile(gz + "junk", hash), LogVerdict::kTrailingData);
  EXPECT_EQ(VerifyLogFile(gz + Gzip("x"), hash), LogVerdict::kTrailingData);  // second member
  // Truncated: Python's stream decoder hashes what came out → mismatch, not a format error;
  // with only the gzip trailer cut, all the data came out: valid, as for the AWS CLI.
  EXPECT_EQ(VerifyLogFile(gz.substr(0, gz.size() / 2), hash), LogVerdict::kHashMismatch);
  EXPECT_EQ(VerifyLogFile(gz.substr(0, gz.size() - 6), hash), LogVerdict::kValid);
  // Empty body: the CLI hashes nothing.
  EXPECT_EQ(VerifyLogFile("", Sha256Hex("")), LogVerdict::kValid);
  // Corrupt deflate data.
  std::string bad = gz;
  bad[12] = static_cast<char>(bad[12] ^ 0xff);
  bad[13] = static_cast<char>(bad[13] ^ 0xff);
  auto v = VerifyLogFile(bad, hash);
  EXPECT_TRUE(v == LogVerdict::kInvalidFormat || v == LogVerdict::kHashMismatch);
  // Large file (output size from the gzip trailer; also wrong trailers grow the buffer).
  std::string big(3 << 20, 'a');
  for (size_t i = 0; i < big.size(); i += 97) big[i] = static_cast<char>('a' + i % 26);
  EXPECT_EQ(VerifyLogFile(Gzip(big), Sha256Hex(big)), LogVerdict::kValid);
}

TEST(ValidateLogsContent, GunzipFirstMemberIgnoresTrailingData) {
  std::string out;
  size_t consumed = 0;
  std::string gz = Gzip("hello");
  ASSERT_TRUE(GunzipFirstMember(gz + "garbage", &out, &consumed));
  EXPECT_EQ(out, "hello");
  EXPECT_EQ(consumed, gz.size());
  EXPECT_FALSE(GunzipFirstMember(gz.substr(0, gz.size() - 3), &out));
  EXPECT_FALSE(GunzipFirstMember("not gzip at all, not at all", &out));
}

TEST(ValidateLogsContent, SignatureOfTheTestVector) {
  const std::string digest_hash = Sha256Hex(kVectorDigest);
  EXPECT_EQ(digest_hash, "bb6b01e14ddc36ea01e3fa771d627c1115ab92c933ebb23116eaecaebd031ba3");
  const std::string to_sign = std::string("2026-11-24T10:02:11Z\ntrail-bucket/") + kVectorDigestKey +
                              "\n" + digest_hash + "\nnull";
  EXPECT_EQ(Sha256Hex(to_sign), "81dc7eb6b12077f780b1cc1ca37dbd9c652ff369e17065536e0f8a37bea3a8fd");
  PublicKeyCache keys;
  EXPECT_EQ(keys.Verify(kVectorKey, to_sign, Unhex(kVectorSignature)), PublicKeyCache::kValid);
  EXPECT_EQ(keys.Verify(kVectorKey, to_sign + "x", Unhex(kVectorSignature)), PublicKeyCache::kBadSignature);
  EXPECT_EQ(keys.Verify(kVectorKey, to_sign, Unhex(kVectorSignature).substr(1)), PublicKeyCache::kBadSignature);
  EXPECT_EQ(keys.Verify("bm90IGEga2V5", to_sign, Unhex(kVectorSignature)), PublicKeyCache::kLoadFailed);
  EXPECT_EQ(keys.Verify("", to_sign, Unhex(kVectorSignature)), PublicKeyCache::kLoadFailed);
  EXPECT_EQ(Md5Hex(Unhex("")), Md5Hex(""));  // (helper sanity)
  std::string der;
  ASSERT_TRUE(Base64Decode(kVectorKey, &der));
  EXPECT_EQ(der.size(), 270u);
  EXPECT_EQ(Md5Hex(der), kVectorFingerprint);
}

// ---- summary ---------------------------------------------------------------------------------

class StringOutput : public Output {
 public:
  void Out(std::string_view t) override {
    std::lock_guard<std::mutex> l(mu);
    out += t;
  }
  void Err(std::string_view t) override {
    std::lock_guard<std::mutex> l(mu);
    err += t;
  }
  std::mutex mu;
  std::string out, err;
};

TEST(ValidateLogsReport, SummaryLikeTheCli) {
  const TimeUs start = T("2026-11-24T00:00:00Z"), end = T("2026-11-24T12:00:00Z");
  {
    StringOutput o;
    Report r(&o, false);
    r.Summary(start, end);
    EXPECT_EQ(o.out, "Results requested for 2026-11-24T00:00:00Z to 2026-11-24T12:00:00Z\nNo digests found\n");
    EXPECT_EQ(r.ExitCode(), 0);
  }
  {
    StringOutput o;
    Report r(&o, false);
    r.counts.valid_digests = 3;
    r.counts.invalid_digests = 1;
    r.counts.valid_logs = 5;
    r.counts.invalid_logs = 2;
    r.TrackFound(T("2026-11-23T23:30:00Z"), T("2026-11-24T00:30:00Z"), start, end);
    r.TrackFound(T("2026-11-24T11:30:00Z"), T("2026-11-24T12:30:00Z"), start, end);
    r.Error("Log file\ts3://b/k\tINVALID: not found");
    r.Summary(start, end);
    EXPECT_EQ(o.err, "Log file\ts3://b/k\tINVALID: not found\n\n");
    EXPECT_EQ(o.out,
              "Results requested for 2026-11-24T00:00:00Z to 2026-11-24T12:00:00Z\n"
              "Results found for 2026-11-24T00:00:00Z to 2026-11-24T12:00:00Z:\n"
              "\n3/4 digest files valid, 1/4 digest files INVALID"
              "\n5/7 log files valid, 2/7 log files INVALID\n");
    EXPECT_EQ(r.ExitCode(), 1);
  }
  {
    // Only invalid digests; verbose spacing (an error after a valid line starts with "\n").
    StringOutput o;
    Report r(&o, true);
    r.Valid("Digest file\ts3://b/a\tvalid");
    r.Error("Digest file\ts3://b/c\tINVALID: not found");
    r.Valid("Log file\ts3://b/l\tvalid");
    r.counts.invalid_backfill = 1;
    r.Summary(start, end);
    EXPECT_EQ(o.err, "\nDigest file\ts3://b/c\tINVALID: not found\n\n");
    EXPECT_EQ(o.out,
              "Digest file\ts3://b/a\tvalid\n"
              "Log file\ts3://b/l\tvalid\n"
              "\n"
              "Results requested for 2026-11-24T00:00:00Z to 2026-11-24T12:00:00Z\n"
              "No valid digests found in range\n"
              "\n0/1 backfill digest files valid, 1/1 backfill digest files INVALID\n");
    EXPECT_EQ(r.ExitCode(), 1);
  }
}

// ---- whole runs over a fake S3 -----------------------------------------------------------------

class FakeBackend : public Backend {
 public:
  Result<std::vector<TrailInfo>> DescribeTrails() override {
    ++describe_calls;
    return trails;
  }
  Result<std::string> DescribeOrganizationId() override { return std::string("o-test123"); }
  Result<std::vector<PublicKeyInfo>> ListPublicKeys(int64_t s, int64_t e) override {
    std::lock_guard<std::mutex> l(mu);
    key_ranges.emplace_back(s, e);
    return keys;
  }
  Result<std::string> GetBucketLocation(const std::string& bucket) override {
    std::lock_guard<std::mutex> l(mu);
    ++location_calls;
    if (!buckets.count(bucket)) return Status::Error("NoSuchBucket", "The specified bucket does not exist", 404);
    return buckets.at(bucket);
  }
  Result<ListPage> ListObjects(const std::string& bucket, const std::string& region,
                               const std::string& prefix, const std::string& marker) override {
    std::lock_guard<std::mutex> l(mu);
    markers.push_back(marker);
    if (!buckets.count(bucket)) return Status::Error("NoSuchBucket", "The specified bucket does not exist", 404);
    EXPECT_EQ(region, buckets.at(bucket).empty() ? "us-east-1" : buckets.at(bucket));
    ListPage page;
    for (auto it = objects.upper_bound({bucket, marker}); it != objects.end() && it->first.first == bucket; ++it) {
      if (!it->first.second.starts_with(prefix)) continue;
      if (page.keys.size() == page_size) {
        page.truncated = true;
        break;
      }
      page.keys.push_back(it->first.second);
    }
    return page;
  }
  Result<S3Object> GetObject(const std::string& bucket, const std::string& region,
                             const std::string& key) override {
    ++get_calls;
    std::lock_guard<std::mutex> l(mu);
    if (auto e = errors.find({bucket, key}); e != errors.end()) return e->second;
    auto it = objects.find({bucket, key});
    if (it == objects.end()) return Status::Error("NoSuchKey", "The specified key does not exist.", 404);
    return it->second;
  }

  std::mutex mu;
  std::vector<TrailInfo> trails;
  std::vector<PublicKeyInfo> keys;
  std::map<std::string, std::string> buckets{{"trail-bucket", ""}};
  std::map<std::pair<std::string, std::string>, S3Object> objects;
  std::map<std::pair<std::string, std::string>, Status> errors;
  size_t page_size = 1000;
  std::vector<std::string> markers;
  std::vector<std::pair<int64_t, int64_t>> key_ranges;
  std::atomic<int> get_calls{0}, describe_calls{0};
  int location_calls = 0;
};

// An RSA-2048 signing key, as the server's (Value = base64 PKCS#1 DER, MD5 fingerprint).
class Signer {
 public:
  Signer() {
    static EVP_PKEY* shared = EVP_RSA_gen(2048);  // one per test binary: keygen is slow
    key_ = shared;
    unsigned char* der = nullptr;
    int n = i2d_PublicKey(key_, &der);
    std::string bytes(reinterpret_cast<char*>(der), static_cast<size_t>(n));
    OPENSSL_free(der);
    value = Base64Encode(bytes);
    fingerprint = Md5Hex(bytes);
  }
  std::string Sign(std::string_view data) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t len = 0;
    EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_);
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(data.data()), data.size());
    EVP_MD_CTX_free(ctx);
    sig.resize(len);
    return HexEncode(sig);
  }
  std::string value, fingerprint;

 private:
  EVP_PKEY* key_;
};

std::string Q(std::string_view s) { return boost::json::serialize(boost::json::string(s)); }

struct LogRef {
  std::string bucket, key, hash;
};

// Writes log files and a signed digest chain into the fake, as the server would.
class TrailWriter {
 public:
  TrailWriter(FakeBackend* s3, const Signer* signer) : s3_(s3), signer_(signer) {}

  std::string bucket = "trail-bucket";
  std::string prefix;  // "" none
  std::string account = "111122223333", region = "us-east-1", trail = "audit";

  LogRef PutLog(const char* when, int n) {
    TimeUs t = T(when);
    std::string content = R"({"Records":[{"eventVersion":"1.11","eventTime":")" +
                          FormatDisplayTime(t) + R"(","eventName":"E)" + std::to_string(n) + R"("}]})";
    std::string key = (prefix.empty() ? "" : prefix + "/") + "AWSLogs/" + account + "/CloudTrail/" + region +
                      "/" + FormatYmdPath(t) + "/" + account + "_CloudTrail_" + region + "_" +
                      FormatKeyTime(t).substr(0, 13) + "Z_log" + std::to_string(n) + ".json.gz";
    s3_->objects[{bucket, key}] = S3Object{{}, Gzip(content)};
    return {bucket, key, Sha256Hex(content)};
  }

  std::string KeyFor(TimeUs end, bool backfill) const {
    return (prefix.empty() ? "" : prefix + "/") + "AWSLogs/" + account + "/CloudTrail-Digest/" + region + "/" +
           FormatYmdPath(end) + "/" + account + "_CloudTrail-Digest_" + region + "_" + trail + "_" +
           region + "_" + FormatKeyTime(end) + (backfill ? "_backfill.json.gz" : ".json.gz");
  }

  // A digest for [start, end) listing `logs`, chained to the previous one unless `starting`.
  std::string PutDigest(const char* start_text, const char* end_text, const std::vector<LogRef>& logs,
                        bool starting = false, bool backfill = false) {
    TimeUs start = T(start_text), end = T(end_text);
    std::string key = KeyFor(end, backfill);
    auto& prev = backfill ? prev_backfill_ : prev_;
    if (starting) prev = {};
    std::string json = "{\"awsAccountId\":" + Q(account) + ",\"digestStartTime\":" + Q(FormatDisplayTime(start)) +
                       ",\"digestEndTime\":" + Q(FormatDisplayTime(end)) + ",\"digestS3Bucket\":" + Q(bucket) +
                       ",\"digestS3Object\":" + Q(key) + ",\"digestPublicKeyFingerprint\":" +
                       Q(signer_->fingerprint) +
                       ",\"digestSignatureAlgorithm\":\"SHA256withRSA\",\"newestEventTime\":null,"
                       "\"oldestEventTime\":null";
    if (prev.key.empty()) {
      json += ",\"previousDigestS3Bucket\":null,\"previousDigestS3Object\":null,\"previousDigestHashValue\":null,"
              "\"previousDigestHashAlgorithm\":null,\"previousDigestSignature\":null";
    } else {
      json += ",\"previousDigestS3Bucket\":" + Q(prev.bucket) + ",\"previousDigestS3Object\":" + Q(prev.key) +
              ",\"previousDigestHashValue\":" + Q(prev.hash) +
              ",\"previousDigestHashAlgorithm\":\"SHA-256\",\"previousDigestSignature\":" + Q(prev.signature);
    }
    json += ",\"logFiles\":[";
    for (size_t i = 0; i < logs.size(); ++i) {
      if (i) json += ",";
      json += "{\"s3Bucket\":" + Q(logs[i].bucket) + ",\"s3Object\":" + Q(logs[i].key) +
              ",\"hashValue\":" + Q(logs[i].hash) + ",\"hashAlgorithm\":\"SHA-256\"}";
    }
    json += "]}";
    std::string hash = Sha256Hex(json);
    std::string to_sign = FormatDisplayTime(end) + "\n" + bucket + "/" + key + "\n" + hash + "\n" +
                          (prev.key.empty() ? std::string("null") : prev.signature);
    std::string signature = signer_->Sign(to_sign);
    S3Object object{{{"signature", signature}, {"signature-algorithm", "SHA256withRSA"}}, Gzip(json)};
    if (backfill) object.metadata["backfill-generation-timestamp"] = FormatDisplayTime(end + 2 * kHour);
    s3_->objects[{bucket, key}] = object;
    prev = {bucket, key, hash, signature};
    json_[key] = json;
    return key;
  }

  const std::string& JsonOf(const std::string& key) { return json_[key]; }

 private:
  struct Prev {
    std::string bucket, key, hash, signature;
  };
  FakeBackend* s3_;
  const Signer* signer_;
  Prev prev_, prev_backfill_;
  std::map<std::string, std::string> json_;
};

struct RunResult {
  int code;
  std::string out, err;
};

Options BaseOptions(const char* start = "2026-11-24T00:00:00Z", const char* end = "2026-11-24T06:00:00Z") {
  Options o;
  o.trail_arn = kArn;
  o.start = T(start);
  o.end = T(end);
  o.s3_bucket = "trail-bucket";
  o.concurrency = 4;
  return o;
}

RunResult RunWith(const Options& options, FakeBackend* backend) {
  StringOutput out;
  int code = Run(options, backend, &out);
  return {code, out.out, out.err};
}

std::string Header(const char* start = "2026-11-24T00:00:00Z", const char* end = "2026-11-24T06:00:00Z") {
  return std::string("Validating log files for trail ") + kArn + " between " + start + " and " + end + "\n\n";
}

std::string S3Url(const std::string& key) { return "s3://trail-bucket/" + key; }

TEST(ValidateLogsRun, TestVectorIsValid) {
  FakeBackend s3;
  s3.objects[{"trail-bucket", kVectorLogKey}] = S3Object{{}, Gzip(kVectorLog)};
  s3.objects[{"trail-bucket", kVectorDigestKey}] =
      S3Object{{{"signature", kVectorSignature}, {"signature-algorithm", "SHA256withRSA"}}, Gzip(kVectorDigest)};
  Options o = BaseOptions("2026-11-24T00:00:00Z", "2026-11-24T12:00:00Z");
  o.test_public_keys = std::vector<PublicKeyInfo>{{kVectorFingerprint, kVectorKey}};
  o.verbose = true;
  auto r = RunWith(o, &s3);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, Header("2026-11-24T00:00:00Z", "2026-11-24T12:00:00Z") + "Digest file\t" +
                       S3Url(kVectorDigestKey) + "\tvalid\nLog file\t" + S3Url(kVectorLogKey) +
                       "\tvalid\n\n"
                       "Results requested for 2026-11-24T00:00:00Z to 2026-11-24T12:00:00Z\n"
                       "Results found for 2026-11-24T09:02:11Z to 2026-11-24T10:02:11Z:\n"
                       "\n1/1 digest files valid\n1/1 log files valid\n");
  // The listing started at the marker for start - 1 minute.
  ASSERT_FALSE(s3.markers.empty());
  EXPECT_EQ(s3.markers[0], DigestMarker(Scope(), T("2026-11-24T00:00:00Z")));

  // The same with the key from ListPublicKeys (asked for [start, end + 2 h]).
  o.test_public_keys.reset();
  o.verbose = false;
  s3.keys = {{kVectorFingerprint, kVectorKey}};
  r = RunWith(o, &s3);
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(s3.key_ranges.size(), 1u);
  EXPECT_EQ(s3.key_ranges[0].first, T("2026-11-24T00:00:00Z") / kSecond);
  EXPECT_EQ(s3.key_ranges[0].second, T("2026-11-24T14:00:00Z") / kSecond);
  EXPECT_EQ(r.out, Header("2026-11-24T00:00:00Z", "2026-11-24T12:00:00Z") +
                       "Results requested for 2026-11-24T00:00:00Z to 2026-11-24T12:00:00Z\n"
                       "Results found for 2026-11-24T09:02:11Z to 2026-11-24T10:02:11Z:\n"
                       "\n1/1 digest files valid\n1/1 log files valid\n");
}

// Five hourly digests d0..d4 ([00:30, 01:30) ... [04:30, 05:30)), two log files each.
struct Chain {
  FakeBackend s3;
  Signer signer;
  TrailWriter w{&s3, &signer};
  std::vector<std::string> digests;
  std::vector<std::vector<LogRef>> logs;

  explicit Chain(int gap_at = -1) {
    s3.keys = {{signer.fingerprint, signer.value}};
    const char* starts[] = {"2026-11-24T00:30:00Z", "2026-11-24T01:30:00Z", "2026-11-24T02:30:00Z",
                            "2026-11-24T03:30:00Z", "2026-11-24T04:30:00Z", "2026-11-24T05:30:00Z"};
    const char* log_times[] = {"2026-11-24T00:40:00Z", "2026-11-24T01:40:00Z", "2026-11-24T02:40:00Z",
                               "2026-11-24T03:40:00Z", "2026-11-24T04:40:00Z"};
    for (int i = 0; i < 5; ++i) {
      std::vector<LogRef> l{w.PutLog(log_times[i], 2 * i), w.PutLog(log_times[i], 2 * i + 1)};
      digests.push_back(w.PutDigest(starts[i], starts[i + 1], l, i == 0 || i == gap_at));
      logs.push_back(l);
    }
  }
};

const char* kAllValidSummary =
    "Results requested for 2026-11-24T00:00:00Z to 2026-11-24T06:00:00Z\n"
    "Results found for 2026-11-24T00:30:00Z to 2026-11-24T05:30:00Z:\n"
    "\n5/5 digest files valid\n10/10 log files valid\n";

TEST(ValidateLogsRun, ValidChainVerboseInTheCliOrder) {
  Chain c;
  Options o = BaseOptions();
  o.verbose = true;
  auto r = RunWith(o, &c.s3);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::string expected = Header();
  for (int i = 4; i >= 0; --i) {
    expected += "Digest file\t" + S3Url(c.digests[i]) + "\tvalid\n";
    for (auto& l : c.logs[i]) expected += "Log file\t" + S3Url(l.key) + "\tvalid\n";
  }
  expected += std::string("\n") + kAllValidSummary;
  EXPECT_EQ(r.out, expected);
}

TEST(ValidateLogsRun, SameOutputWhateverTheConcurrencyAndPaging) {
  Chain c;
  c.w.PutLog("2026-11-24T03:41:00Z", 99);  // unrelated objects in the bucket
  std::string reference;
  for (size_t conc : {1u, 2u, 8u, 32u}) {
    for (size_t page : {1000u, 1u, 3u}) {
      c.s3.page_size = page;
      Options o = BaseOptions();
      o.verbose = true;
      o.concurrency = conc;
      c.s3.get_calls = 0;
      auto r = RunWith(o, &c.s3);
      EXPECT_EQ(r.code, 0);
      EXPECT_EQ(c.s3.get_calls, 15);  // each digest and log file fetched once
      if (reference.empty()) reference = r.out;
      EXPECT_EQ(r.out, reference) << conc << " " << page;
    }
  }
}

TEST(ValidateLogsRun, ModifiedAndDeletedLogFiles) {
  Chain c;
  c.s3.objects[{"trail-bucket", c.logs[3][1].key}].body = Gzip(R"({"Records":[]})");
  c.s3.objects.erase({"trail-bucket", c.logs[1][0].key});
  auto r = RunWith(BaseOptions(), &c.s3);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "Log file\t" + S3Url(c.logs[3][1].key) + "\tINVALID: hash value doesn't match\n\n" +
                       "Log file\t" + S3Url(c.logs[1][0].key) + "\tINVALID: not found\n\n");
  EXPECT_EQ(r.out, Header() +
                       "Results requested for 2026-11-24T00:00:00Z to 2026-11-24T06:00:00Z\n"
                       "Results found for 2026-11-24T00:30:00Z to 2026-11-24T05:30:00Z:\n"
                       "\n5/5 digest files valid\n8/10 log files valid, 2/10 log files INVALID\n");
}

TEST(ValidateLogsRun, VerboseErrorSpacing) {
  Chain c;
  c.s3.objects.erase({"trail-bucket", c.logs[4][0].key});
  Options o = BaseOptions();
  o.verbose = true;
  auto r = RunWith(o, &c.s3);
  EXPECT_EQ(r.code, 1);
  // After a valid (stdout) line, an error line starts with a blank line.
  EXPECT_EQ(r.err, "\nLog file\t" + S3Url(c.logs[4][0].key) + "\tINVALID: not found\n\n");
  EXPECT_TRUE(r.out.starts_with(Header() + "Digest file\t" + S3Url(c.digests[4]) + "\tvalid\nLog file\t" +
                                S3Url(c.logs[4][1].key) + "\tvalid\nDigest file"));
}

TEST(ValidateLogsRun, DeletedDigestContinuesWithTheListing) {
  Chain c;
  c.s3.objects.erase({"trail-bucket", c.digests[2]});
  auto r = RunWith(BaseOptions(), &c.s3);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "Digest file\t" + S3Url(c.digests[2]) + "\tINVALID: not found\n\n");
  EXPECT_EQ(r.out, Header() +
                       "Results requested for 2026-11-24T00:00:00Z to 2026-11-24T06:00:00Z\n"
                       "Results found for 2026-11-24T00:30:00Z to 2026-11-24T05:30:00Z:\n"
                       "\n4/5 digest files valid, 1/5 digest files INVALID\n8/8 log files valid\n");
}

TEST(ValidateLogsRun, ModifiedDigestFailsItsSignature) {
  Chain c;
  std::string json = c.w.JsonOf(c.digests[3]);
  json.replace(json.find("SHA256withRSA"), 13, "SHA256withRSX");
  c.s3.objects[{"trail-bucket", c.digests[3]}].body = Gzip(json);
  auto r = RunWith(BaseOptions(), &c.s3);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "Digest file\t" + S3Url(c.digests[3]) + "\tINVALID: signature verification failed\n\n");
  EXPECT_NE(r.out.find("\n4/5 digest files valid, 1/5 digest files INVALID\n8/8 log files valid\n"),
            std::string::npos);
}

TEST(ValidateLogsRun, DigestProblemsAndTheirMessages) {
  struct Case {
    std::function<void(Chain&)> tamper;
    std::string message;
  };
  std::vector<Case> cases = {
      {[](Chain& c) { c.s3.objects[{"trail-bucket", c.digests[4]}].body = "plain"; }, "INVALID: invalid format"},
      {[](Chain& c) { c.s3.objects[{"trail-bucket", c.digests[4]}].body = Gzip("{not json"); },
       "INVALID: invalid format"},
      {[](Chain& c) { c.s3.objects[{"trail-bucket", c.digests[4]}].metadata.erase("signature"); },
       "INVALID: signature verification failed"},
      {[](Chain& c) { c.s3.objects[{"trail-bucket", c.digests[4]}].metadata.erase("signature-algorithm"); },
       "INVALID: signature verification failed"},
      {[](Chain& c) {
         auto& m = c.s3.objects[{"trail-bucket", c.digests[4]}].metadata;
         m["Signature"] = m["signature"];  // botocore keeps the case the server sent
         m.erase("signature");
       },
       "INVALID: signature verification failed"},
      {[](Chain& c) { c.s3.objects[{"trail-bucket", c.digests[4]}].metadata["signature"] = "abc"; },
       "INVALID: Odd-length string"},
      {[](Chain& c) { c.s3.objects[{"trail-bucket", c.digests[4]}].metadata["signature"] = "zz"; },
       "INVALID: Non-hexadecimal digit found"},
      {[](Chain& c) {
         std::string json = c.w.JsonOf(c.digests[4]);
         json.replace(json.find("\"digestStartTime\""), 17, "\"digestStartTimX\"");
         c.s3.objects[{"trail-bucket", c.digests[4]}].body = Gzip(json);
       },
       "INVALID: invalid format"},
      {[](Chain& c) {
         std::string json = c.w.JsonOf(c.digests[4]);
         json.replace(json.find("\"digestS3Bucket\":\"trail-bucket\""), 31, "\"digestS3Bucket\":\"other-bucket\"");
         c.s3.objects[{"trail-bucket", c.digests[4]}].body = Gzip(json);
       },
       "INVALID: has been moved from its original location"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    Chain c;
    cases[i].tamper(c);
    auto r = RunWith(BaseOptions(), &c.s3);
    EXPECT_EQ(r.code, 1) << i;
    EXPECT_EQ(r.err, "Digest file\t" + S3Url(c.digests[4]) + "\t" + cases[i].message + "\n\n") << i;
    // The walk continued with the next older listed digest.
    EXPECT_NE(r.out.find("\n4/5 digest files valid, 1/5 digest files INVALID\n8/8 log files valid\n"),
              std::string::npos)
        << i << r.out;
  }
  {
    // Unknown fingerprint: "public key not found in region <home>".
    Chain c;
    c.s3.keys = {{"0123456789abcdef0123456789abcdef", c.signer.value}};
    auto r = RunWith(BaseOptions(), &c.s3);
    EXPECT_EQ(r.code, 1);
    std::string expected;
    for (int i = 4; i >= 0; --i) {
      expected += "Digest file\t" + S3Url(c.digests[i]) +
                  "\tINVALID: public key not found in region us-east-1 for fingerprint " + c.signer.fingerprint +
                  "\n\n";
    }
    EXPECT_EQ(r.err, expected);
    EXPECT_EQ(r.out, Header() +
                         "Results requested for 2026-11-24T00:00:00Z to 2026-11-24T06:00:00Z\n"
                         "No valid digests found in range\n"
                         "\n0/5 digest files valid, 5/5 digest files INVALID\n");
  }
  {
    // A key that is not PKCS#1.
    Chain c;
    c.s3.keys = {{c.signer.fingerprint, "bm90IGEga2V5"}};
    auto r = RunWith(BaseOptions(), &c.s3);
    EXPECT_EQ(r.code, 1);
    EXPECT_TRUE(r.err.starts_with("Digest file\t" + S3Url(c.digests[4]) +
                                  "\tINVALID: Unable to load PKCS #1 key with fingerprint " + c.signer.fingerprint +
                                  "\n\n"));
  }
}

TEST(ValidateLogsRun, NewChainPrintsTheGapLine) {
  Chain c(/*gap_at=*/2);
  auto r = RunWith(BaseOptions(), &c.s3);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.err, "No log files were delivered by CloudTrail between 2026-11-24T02:30:00Z and 2026-11-24T02:30:00Z\n\n");
  EXPECT_EQ(r.out, Header() + kAllValidSummary);
}

TEST(ValidateLogsRun, RangeStopsAtTheDigestSpanningTheStart) {
  Chain c;
  // Start inside d1: d1 is still validated (its start is before), d0 is not.
  auto r = RunWith(BaseOptions("2026-11-24T02:00:00Z", "2026-11-24T06:00:00Z"), &c.s3);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, Header("2026-11-24T02:00:00Z", "2026-11-24T06:00:00Z") +
                       "Results requested for 2026-11-24T02:00:00Z to 2026-11-24T06:00:00Z\n"
                       "Results found for 2026-11-24T02:00:00Z to 2026-11-24T05:30:00Z:\n"
                       "\n4/4 digest files valid\n8/8 log files valid\n");
  // End before d4's end: d4 (end 05:30 <= end + 1 h) is listed and walked; found end clamps.
  r = RunWith(BaseOptions("2026-11-24T00:00:00Z", "2026-11-24T04:45:00Z"), &c.s3);
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("Results found for 2026-11-24T00:30:00Z to 2026-11-24T04:45:00Z:\n"
                       "\n5/5 digest files valid\n10/10 log files valid\n"),
            std::string::npos)
      << r.out;
  // End well before: d3 and d4 are past end + 1 h.
  r = RunWith(BaseOptions("2026-11-24T00:00:00Z", "2026-11-24T02:00:00Z"), &c.s3);
  EXPECT_NE(r.out.find("\n2/2 digest files valid\n4/4 log files valid\n"), std::string::npos) << r.out;
}

TEST(ValidateLogsRun, NoDigests) {
  FakeBackend s3;
  Signer signer;
  s3.keys = {{signer.fingerprint, signer.value}};
  auto r = RunWith(BaseOptions(), &s3);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, Header() +
                       "Results requested for 2026-11-24T00:00:00Z to 2026-11-24T06:00:00Z\n"
                       "No digests found\n");
}

TEST(ValidateLogsRun, Aborts) {
  {
    // No public keys (ListPublicKeys empty): after the header.
    Chain c;
    c.s3.keys.clear();
    auto r = RunWith(BaseOptions(), &c.s3);
    EXPECT_EQ(r.code, 255);
    EXPECT_EQ(r.out, Header());
    EXPECT_EQ(r.err, "\nNo public keys found between 2026-11-24T00:00:00Z and 2026-11-24T08:00:00Z\n");
  }
  {
    Chain c;
    Options o = BaseOptions();
    o.s3_bucket.reset();
    auto r = RunWith(o, &c.s3);
    EXPECT_EQ(r.code, 255);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, std::string("\nA trail could not be found for ") + kArn + "\n");
  }
  {
    Chain c;
    Options o = BaseOptions();
    o.trail_arn = "arn:aws:cloudtrail:us-east-1:1:trail/x";
    auto r = RunWith(o, &c.s3);
    EXPECT_EQ(r.code, 255);
    EXPECT_EQ(r.err, "\nInvalid trail ARN provided: arn:aws:cloudtrail:us-east-1:1:trail/x\n");
  }
  {
    Chain c;
    auto r = RunWith(BaseOptions("2026-11-24T06:00:00Z", "2026-11-24T00:00:00Z"), &c.s3);
    EXPECT_EQ(r.code, 255);
    EXPECT_EQ(r.err, "\nInvalid time range specified: start-time must occur before end-time\n");
  }
  {
    Chain c;
    Options o = BaseOptions();
    o.s3_bucket = "missing-bucket";
    auto r = RunWith(o, &c.s3);
    EXPECT_EQ(r.code, 255);
    EXPECT_EQ(r.err, "\nAn error occurred (NoSuchBucket) when calling the GetBucketLocation operation: "
                     "The specified bucket does not exist\n");
  }
  {
    // An S3 error other than NoSuchKey on a log file: what came before is printed first.
    Chain c;
    c.s3.objects.erase({"trail-bucket", c.logs[4][0].key});
    c.s3.errors[{"trail-bucket", c.logs[3][0].key}] = Status::Error("AccessDenied", "Access Denied", 403);
    auto r = RunWith(BaseOptions(), &c.s3);
    EXPECT_EQ(r.code, 255);
    EXPECT_EQ(r.out, Header());
    EXPECT_EQ(r.err, "Log file\t" + S3Url(c.logs[4][0].key) + "\tINVALID: not found\n\n" +
                         "\nAn error occurred (AccessDenied) when calling the GetObject operation: Access Denied\n");
  }
  {
    // ... and on a digest.
    Chain c;
    c.s3.errors[{"trail-bucket", c.digests[2]}] = Status::Error("InternalError", "boom", 500);
    Options o = BaseOptions();
    o.verbose = true;
    auto r = RunWith(o, &c.s3);
    EXPECT_EQ(r.code, 255);
    EXPECT_TRUE(r.out.find("Log file\t" + S3Url(c.logs[3][1].key) + "\tvalid\n") != std::string::npos);
    EXPECT_EQ(r.err, "\nAn error occurred (InternalError) when calling the GetObject operation: boom\n");
  }
}

TEST(ValidateLogsRun, DescribeTrailsGivesBucketAndPrefix) {
  FakeBackend s3;
  Signer signer;
  s3.keys = {{signer.fingerprint, signer.value}};
  s3.buckets = {{"logs-bucket", "eu-west-1"}};
  TrailWriter w(&s3, &signer);
  w.bucket = "logs-bucket";
  w.prefix = "team/a";
  auto l = w.PutLog("2026-11-24T01:10:00Z", 1);
  std::string d = w.PutDigest("2026-11-24T00:30:00Z", "2026-11-24T01:30:00Z", {l}, true);
  s3.trails = {{"arn:aws:cloudtrail:us-east-1:111122223333:trail/other", "x", std::nullopt, false},
               {kArn, "logs-bucket", std::string("team/a"), false}};
  Options o = BaseOptions();
  o.s3_bucket.reset();
  o.verbose = true;
  auto r = RunWith(o, &s3);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("Digest file\ts3://logs-bucket/" + d + "\tvalid\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n1/1 digest files valid\n1/1 log files valid\n"), std::string::npos);
  EXPECT_EQ(s3.markers[0], DigestMarker(Scope("team/a"), T("2026-11-24T00:00:00Z")));
  EXPECT_EQ(s3.location_calls, 1);  // cached per bucket

  // --s3-bucket without --s3-prefix: no prefix (the AWS CLI does not ask DescribeTrails).
  o.s3_bucket = "logs-bucket";
  r = RunWith(o, &s3);
  EXPECT_NE(r.out.find("No digests found"), std::string::npos);
  o.s3_prefix = "team/a";
  r = RunWith(o, &s3);
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("\n1/1 digest files valid\n"), std::string::npos);
}

TEST(ValidateLogsRun, OrganizationTrailNeedsAccountId) {
  FakeBackend s3;
  s3.trails = {{kArn, "trail-bucket", std::nullopt, true}};
  Options o = BaseOptions();
  o.s3_bucket.reset();
  auto r = RunWith(o, &s3);
  EXPECT_EQ(r.code, 255);
  EXPECT_EQ(r.err, "\nMissing required parameter for organization trail: '--account-id'\n");
  o.account_id = "444455556666";
  Signer signer;
  s3.keys = {{signer.fingerprint, signer.value}};
  r = RunWith(o, &s3);
  EXPECT_EQ(r.code, 0) << r.err;
  DigestScope scope = Scope("", "o-test123");
  scope.account_id = "444455556666";
  EXPECT_EQ(s3.markers.back(), DigestMarker(scope, T("2026-11-24T00:00:00Z")));
}

TEST(ValidateLogsRun, BackfillDigests) {
  Chain c;
  auto late = c.w.PutLog("2026-11-24T03:50:00Z", 50);
  std::string b = c.w.PutDigest("2026-11-24T03:30:00Z", "2026-11-24T04:30:00Z", {late}, true, /*backfill=*/true);
  Options o = BaseOptions();
  o.verbose = true;
  auto r = RunWith(o, &c.s3);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("(backfill) Digest file\t" + S3Url(b) + "\tvalid\nLog file\t" + S3Url(late.key) +
                       "\tvalid\n\n"),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(r.out.ends_with("\n5/5 digest files valid\n1/1 backfill digest files valid\n11/11 log files valid\n"))
      << r.out;
  // Backfill keys are looked up around the generation time (end + 2 h here), lazily.
  ASSERT_EQ(c.s3.key_ranges.size(), 2u);
  EXPECT_EQ(c.s3.key_ranges[1].first, T("2026-11-24T05:30:00Z") / kSecond);
  EXPECT_EQ(c.s3.key_ranges[1].second, T("2026-11-24T07:30:00Z") / kSecond);

  // Missing generation metadata: invalid format, prefixed "(backfill) ".
  c.s3.objects[{"trail-bucket", b}].metadata.erase("backfill-generation-timestamp");
  o.verbose = false;
  r = RunWith(o, &c.s3);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "(backfill) Digest file\t" + S3Url(b) + "\tINVALID: invalid format\n\n");
  EXPECT_TRUE(r.out.ends_with("\n5/5 digest files valid\n0/1 backfill digest files valid, 1/1 backfill digest "
                              "files INVALID\n10/10 log files valid\n"))
      << r.out;
}

TEST(ValidateLogsRun, TrailingDataOnALogFile) {
  Chain c;
  c.s3.objects[{"trail-bucket", c.logs[2][0].key}].body += "appended";
  auto r = RunWith(BaseOptions(), &c.s3);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "Log file\t" + S3Url(c.logs[2][0].key) +
                       "\tINVALID: unexpected data after end of compressed stream\n\n");
}

TEST(ValidateLogsRun, SourceRegionFromRegionOption) {
  FakeBackend s3;
  Signer signer;
  s3.keys = {{signer.fingerprint, signer.value}};
  TrailWriter w(&s3, &signer);
  w.region = "eu-west-1";  // a multi-region trail's chain for another source region
  // Home region stays us-east-1 in the key: build it by hand.
  auto l = w.PutLog("2026-11-24T01:10:00Z", 1);
  (void)l;
  Options o = BaseOptions();
  o.region = "eu-west-1";
  auto r = RunWith(o, &s3);
  EXPECT_EQ(r.code, 0);
  DigestScope scope = Scope();
  scope.source_region = "eu-west-1";
  EXPECT_EQ(s3.markers[0], DigestMarker(scope, T("2026-11-24T00:00:00Z")));
}

// ---- the HTTP backend against an in-process fake endpoint ---------------------------------------

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

constexpr const char* kAccessKey = "AKIAVALIDATELOGS0001";
constexpr const char* kSecretKey = "dmFsaWRhdGUtbG9ncy1zZWNyZXQtc2VjcmV0LTAx";

struct SeenRequest {
  std::string method, target, service, region, amz_target, body, signature_error;
};

struct Reply {
  int status = 200;
  std::vector<ot::Header> headers;
  std::string body;
};

// One thread per connection; every request's SigV4 signature is checked.
class FakeEndpoint {
 public:
  using Handler = std::function<Reply(const SeenRequest&)>;
  explicit FakeEndpoint(Handler handler) : handler_(std::move(handler)), acceptor_(ioc_) {
    tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] {
      for (;;) {
        auto socket = std::make_shared<tcp::socket>(ioc_);
        boost::system::error_code ec;
        acceptor_.accept(*socket, ec);
        if (stop_ || ec) return;
        std::lock_guard<std::mutex> l(mu_);
        sockets_.push_back(socket);
        threads_.emplace_back([this, socket] { Serve(*socket); });
      }
    });
  }
  ~FakeEndpoint() {
    stop_ = true;
    {
      net::io_context ioc;
      tcp::socket s(ioc);
      boost::system::error_code ec;
      s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ec);
    }
    accept_thread_.join();
    std::lock_guard<std::mutex> l(mu_);
    for (auto& s : sockets_) {
      boost::system::error_code ec;
      s->shutdown(tcp::socket::shutdown_both, ec);
    }
    for (auto& t : threads_) t.join();
  }
  Endpoint endpoint() const { return *ParseEndpoint("http://127.0.0.1:" + std::to_string(port_)); }
  std::vector<SeenRequest> seen() {
    std::lock_guard<std::mutex> l(mu_);
    return seen_;
  }

 private:
  void Serve(tcp::socket& socket) {
    beast::flat_buffer buffer;
    while (!stop_) {
      bhttp::request_parser<bhttp::string_body> parser;
      boost::system::error_code ec;
      bhttp::read(socket, buffer, parser, ec);
      if (ec) return;
      auto& req = parser.get();
      std::vector<ot::Header> headers;
      for (const auto& f : req) headers.push_back({std::string(f.name_string()), std::string(f.value())});
      SeenRequest r;
      r.method = std::string(req.method_string());
      r.target = std::string(req.target());
      r.body = req.body();
      r.amz_target = std::string(FindHeader(headers, "X-Amz-Target"));
      auth::RequestView view{r.method, r.target, &headers};
      auto params = auth::ExtractSigV4(view);
      if (!params.ok()) {
        r.signature_error = params.status().ToString();
      } else {
        r.service = params->service;
        r.region = params->region;
        auto hash = auth::PayloadHashFor(*params, r.body);
        Status v = hash.ok() ? auth::VerifySignature(view, *params, kSecretKey, params->service == "s3", *hash)
                             : hash.status();
        if (!v.ok()) r.signature_error = v.ToString();
      }
      {
        std::lock_guard<std::mutex> l(mu_);
        seen_.push_back(r);
      }
      Reply out = handler_(r);
      bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(out.status), 11};
      for (auto& h : out.headers) res.insert(h.name, h.value);
      res.body() = out.body;
      res.keep_alive(true);
      res.prepare_payload();
      bhttp::write(socket, res, ec);
      if (ec) return;
    }
  }

  Handler handler_;
  net::io_context ioc_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<SeenRequest> seen_;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
  std::vector<std::thread> threads_;
  std::thread accept_thread_;
};

std::unique_ptr<Backend> BackendFor(const FakeEndpoint& server) {
  HttpBackendConfig config;
  config.cloudtrail_endpoint = server.endpoint();
  config.s3_endpoint = server.endpoint();
  config.credentials.access_key_id = kAccessKey;
  config.credentials.secret_access_key = kSecretKey;
  config.region = "eu-central-1";
  config.max_connections = 4;
  return MakeHttpBackend(config);
}

TEST(ValidateLogsHttp, CloudTrailCalls) {
  FakeEndpoint server([](const SeenRequest& r) {
    if (r.amz_target.ends_with(".DescribeTrails")) {
      return Reply{200, {}, R"({"trailList":[{"Name":"audit","TrailARN":"arn:aws:cloudtrail:us-east-1:111122223333:trail/audit","S3BucketName":"b","S3KeyPrefix":"p","IsOrganizationTrail":true}]})"};
    }
    if (r.amz_target.ends_with(".ListPublicKeys")) {
      return Reply{200, {}, R"({"PublicKeyList":[{"Value":"AAAA","ValidityStartTime":1.0,"ValidityEndTime":2.0,"Fingerprint":"ff"}]})"};
    }
    if (r.amz_target.ends_with(".DescribeOrganization")) return Reply{200, {}, R"({"Organization":{"Id":"o-abc"}})"};
    return Reply{400, {}, R"({"__type":"UnknownOperationException","message":"no"})"};
  });
  auto backend = BackendFor(server);
  auto trails = backend->DescribeTrails();
  ASSERT_TRUE(trails.ok()) << trails.status().ToString();
  ASSERT_EQ(trails->size(), 1u);
  EXPECT_EQ((*trails)[0].s3_bucket, "b");
  EXPECT_EQ((*trails)[0].s3_key_prefix, std::optional<std::string>("p"));
  EXPECT_TRUE((*trails)[0].is_organization_trail);
  auto keys = backend->ListPublicKeys(1795478400, 1795485600);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].fingerprint, "ff");
  EXPECT_EQ((*keys)[0].value, "AAAA");
  auto org = backend->DescribeOrganizationId();
  ASSERT_TRUE(org.ok());
  EXPECT_EQ(*org, "o-abc");

  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 3u);
  for (auto& r : seen) EXPECT_EQ(r.signature_error, "") << r.amz_target;
  EXPECT_EQ(seen[0].amz_target, "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails");
  EXPECT_EQ(seen[0].body, "{}");
  EXPECT_EQ(seen[0].service, "cloudtrail");
  EXPECT_EQ(seen[0].region, "eu-central-1");
  auto body = boost::json::parse(seen[1].body);
  EXPECT_EQ(body.at("StartTime").as_int64(), 1795478400);  // integers, as botocore sends
  EXPECT_EQ(body.at("EndTime").as_int64(), 1795485600);
  EXPECT_EQ(seen[2].service, "organizations");
}

TEST(ValidateLogsHttp, S3Calls) {
  std::atomic<int> failures{1};
  FakeEndpoint server([&](const SeenRequest& r) -> Reply {
    if (r.target == "/logs-bucket?location") {
      return Reply{200, {}, R"(<?xml version="1.0" encoding="UTF-8"?><LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">eu-west-1</LocationConstraint>)"};
    }
    if (r.target.starts_with("/logs-bucket?")) {
      // Page 1: truncated, no NextMarker (the next marker is the last key); keys URL-encoded.
      if (r.target.find("marker=AWSLogs%2Fa%20b") == std::string::npos) {
        return Reply{200, {}, R"(<ListBucketResult><Name>logs-bucket</Name><Prefix>AWSLogs</Prefix><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated><Contents><Key>AWSLogs/a%2Bx</Key></Contents><Contents><Key>AWSLogs/a%20b</Key></Contents></ListBucketResult>)"};
      }
      return Reply{200, {}, R"(<ListBucketResult><Name>logs-bucket</Name><IsTruncated>false</IsTruncated><Contents><Key>AWSLogs/z</Key></Contents></ListBucketResult>)"};
    }
    if (r.target == "/logs-bucket/AWSLogs/d%20e.json.gz") {
      if (failures-- > 0) return Reply{500, {}, "<Error><Code>InternalError</Code><Message>retry me</Message></Error>"};
      return Reply{200, {{"x-amz-meta-signature", "abcd"}, {"X-Amz-Meta-Other", "v"}, {"ETag", "\"1\""}}, "BODY"};
    }
    return Reply{404, {}, "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>"};
  });
  auto backend = BackendFor(server);
  auto loc = backend->GetBucketLocation("logs-bucket");
  ASSERT_TRUE(loc.ok()) << loc.status().ToString();
  EXPECT_EQ(*loc, "eu-west-1");

  auto page = backend->ListObjects("logs-bucket", "eu-west-1", "AWSLogs/x y", "");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_marker, "");
  EXPECT_EQ(page->keys, (std::vector<std::string>{"AWSLogs/a+x", "AWSLogs/a b"}));
  page = backend->ListObjects("logs-bucket", "eu-west-1", "AWSLogs/x y", page->keys.back());
  ASSERT_TRUE(page.ok());
  EXPECT_FALSE(page->truncated);
  EXPECT_EQ(page->keys, (std::vector<std::string>{"AWSLogs/z"}));

  auto object = backend->GetObject("logs-bucket", "eu-west-1", "AWSLogs/d e.json.gz");
  ASSERT_TRUE(object.ok()) << object.status().ToString();
  EXPECT_EQ(object->body, "BODY");
  EXPECT_EQ(object->metadata.at("signature"), "abcd");
  EXPECT_EQ(object->metadata.at("Other"), "v");  // case kept, as botocore does
  EXPECT_EQ(object->metadata.size(), 2u);

  auto missing = backend->GetObject("logs-bucket", "eu-west-1", "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), "NoSuchKey");
  EXPECT_EQ(missing.status().message(), "The specified key does not exist.");

  auto seen = server.seen();
  for (auto& r : seen) {
    EXPECT_EQ(r.signature_error, "") << r.target;
    EXPECT_EQ(r.service, "s3");
    EXPECT_EQ(r.method, "GET");
  }
  EXPECT_EQ(seen[0].region, "eu-central-1");  // GetBucketLocation: the CLI's region
  EXPECT_EQ(seen[1].region, "eu-west-1");     // then the bucket's region
  EXPECT_EQ(seen[1].target, "/logs-bucket?encoding-type=url&prefix=AWSLogs%2Fx%20y");
  EXPECT_EQ(seen[2].target, "/logs-bucket?encoding-type=url&marker=AWSLogs%2Fa%20b&prefix=AWSLogs%2Fx%20y");
  EXPECT_EQ(seen.size(), 6u);  // one GetObject retried after the 500
}

TEST(ValidateLogsHttp, WholeRunOverHttp) {
  // The §11 test vector served over HTTP, validated with the key from ListPublicKeys.
  FakeEndpoint server([](const SeenRequest& r) -> Reply {
    if (r.amz_target.ends_with(".ListPublicKeys")) {
      return Reply{200, {}, std::string(R"({"PublicKeyList":[{"Value":")") + kVectorKey + R"(","Fingerprint":")" +
                                kVectorFingerprint + R"("}]})"};
    }
    if (r.target == "/trail-bucket?location") return Reply{200, {}, "<LocationConstraint/>"};
    if (r.target.starts_with("/trail-bucket?")) {
      return Reply{200, {}, std::string("<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>") +
                                kVectorDigestKey + "</Key></Contents></ListBucketResult>"};
    }
    if (r.target == std::string("/trail-bucket/") + kVectorDigestKey) {
      return Reply{200, {{"x-amz-meta-signature", kVectorSignature}, {"x-amz-meta-signature-algorithm", "SHA256withRSA"}},
                   Gzip(kVectorDigest)};
    }
    if (r.target == std::string("/trail-bucket/") + kVectorLogKey) return Reply{200, {}, Gzip(kVectorLog)};
    return Reply{404, {}, "<Error><Code>NoSuchKey</Code><Message>no</Message></Error>"};
  });
  auto backend = BackendFor(server);
  Options o = BaseOptions("2026-11-24T00:00:00Z", "2026-11-24T12:00:00Z");
  StringOutput out;
  EXPECT_EQ(validate_logs::Run(o, backend.get(), &out), 0) << out.err;
  EXPECT_EQ(out.err, "");
  EXPECT_TRUE(out.out.ends_with("\n1/1 digest files valid\n1/1 log files valid\n")) << out.out;
  for (auto& r : server.seen()) EXPECT_EQ(r.signature_error, "") << r.target;
}

}  // namespace
}  // namespace ot::cli::validate_logs
