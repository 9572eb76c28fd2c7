#include "services/cloudtrail/trail_validation.h"

#include <gtest/gtest.h>

#include <vector>

namespace ot::services::trailapi {
namespace {

std::string NameError(std::string_view name) {
  auto s = ValidateTrailName(name);
  if (s.ok()) return "";
  EXPECT_EQ(s.code(), "InvalidTrailNameException");
  EXPECT_EQ(s.http_status(), 400);
  return s.message();
}

const char* kBadChars =
    "Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), "
    "and underscores (_).";

TEST(TrailNameTest, ValidNames) {
  for (std::string name : std::vector<std::string>{"abc", "my-trail", "My_Trail.v2", "a.b_c-d", "123", "a1b", "1.2.3",
                           "1.2.3.4.5", std::string(128, 'a')})
    EXPECT_EQ(NameError(name), "") << name;
}

TEST(TrailNameTest, Messages) {
  EXPECT_EQ(NameError("ab"),
            "Trail name too short. Minimum allowed length: 3 characters. Specified name length: 2 characters.");
  EXPECT_EQ(NameError(""),
            "Trail name too short. Minimum allowed length: 3 characters. Specified name length: 0 characters.");
  EXPECT_EQ(NameError(std::string(129, 'a')),
            "Trail name too long. Maximum allowed length: 128 characters. Specified name length: 129 characters.");
  EXPECT_EQ(NameError("-abc"), "Trail name must starts with a letter or number.");
  EXPECT_EQ(NameError("_abc"), "Trail name must starts with a letter or number.");
  EXPECT_EQ(NameError("abc."), "Trail name must ends with a letter or number.");
  EXPECT_EQ(NameError("abc-"), "Trail name must ends with a letter or number.");
  for (const char* bad : {"my-_namespace", "my--namespace", "a..b", "a._b", "a b", "a/b", "a:b", "tra!il",
                          "tråil", "192.168.5.4", "1.2.3.4", "arn:aws:cloudtrail:us-east-1:111122223333:trail/x"})
    EXPECT_EQ(NameError(bad), kBadChars) << bad;
}

TEST(TrailArnTest, Parses) {
  auto a = ParseTrailArn("arn:aws:cloudtrail:us-east-2:111122223333:trail/my-trail");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->partition, "aws");
  EXPECT_EQ(a->region, "us-east-2");
  EXPECT_EQ(a->account, "111122223333");
  EXPECT_EQ(a->name, "my-trail");
  EXPECT_TRUE(ParseTrailArn("arn:aws-cn:cloudtrail:cn-north-1:111122223333:trail/abc").ok());
  EXPECT_EQ(TrailArnOf("us-east-2", "111122223333", "my-trail"),
            "arn:aws:cloudtrail:us-east-2:111122223333:trail/my-trail");
}

TEST(TrailArnTest, Rejects) {
  for (const char* bad : {"arn:", "arn:aws", "arn:aws:cloudtrail:us-east-1:111122223333",
                          "arn:aws:s3:us-east-1:111122223333:trail/abc",
                          "arn:aws:cloudtrail:us-east-1:11112222333:trail/abc",
                          "arn:aws:cloudtrail:us-east-1:11112222333a:trail/abc",
                          "arn:aws:cloudtrail::111122223333:trail/abc",
                          "arn:aws:cloudtrail:US-EAST-1:111122223333:trail/abc",
                          "arn::cloudtrail:us-east-1:111122223333:trail/abc",
                          "arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/abc",
                          "arn:aws:cloudtrail:us-east-1:111122223333:trail/ab",
                          "arn:aws:cloudtrail:us-east-1:111122223333:trail/a--b",
                          "arn:aws:cloudtrail:us-east-1:111122223333:trail/",
                          "arn:aws:cloudtrail:us-east-1:111122223333:trail",
                          "arn:aws:cloudtrail:us-east-1:111122223333:trail/abc:def"}) {
    auto a = ParseTrailArn(bad);
    ASSERT_FALSE(a.ok()) << bad;
    EXPECT_EQ(a.status().code(), "CloudTrailARNInvalidException") << bad;
    EXPECT_EQ(a.status().http_status(), 400);
  }
}

TEST(TrailArnTest, SplitKeepsColonsInResource) {
  auto p = SplitArn("arn:aws:logs:us-east-1:111122223333:log-group:CloudTrail/logs:*");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->service, "logs");
  EXPECT_EQ(p->resource, "log-group:CloudTrail/logs:*");
  auto s3 = SplitArn("arn:aws:s3:::bucket");
  ASSERT_TRUE(s3);
  EXPECT_EQ(s3->region, "");
  EXPECT_EQ(s3->account, "");
  EXPECT_FALSE(SplitArn("arn:aws:s3"));
  EXPECT_FALSE(SplitArn("nra:aws:s3:::b"));
}

TEST(BucketNameTest, Rules) {
  for (const char* ok : {"abc", "my-bucket", "my.bucket.1", "a1-b2", "123"})
    EXPECT_TRUE(ValidateBucketName(ok).ok()) << ok;
  for (std::string bad : std::vector<std::string>{"ab", std::string(64, 'a'), "My-Bucket", "-abc", "abc-", ".abc", "abc.", "a..b",
                          "a_b", "192.168.5.4", "", "abc def"}) {
    auto s = ValidateBucketName(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.code(), "InvalidS3BucketNameException");
  }
  EXPECT_TRUE(ValidateBucketName(std::string(63, 'a')).ok());
}

TEST(KeyPrefixTest, AtMost200) {
  EXPECT_TRUE(ValidateKeyPrefix("").ok());
  EXPECT_TRUE(ValidateKeyPrefix(std::string(200, 'p')).ok());
  auto s = ValidateKeyPrefix(std::string(201, 'p'));
  EXPECT_EQ(s.code(), "InvalidS3PrefixException");
}

TEST(TagTest, KeysAndValues) {
  EXPECT_TRUE(ValidTagKey("env"));
  EXPECT_TRUE(ValidTagKey("a b_c.d:e/f=g+h-i@j"));
  EXPECT_TRUE(ValidTagKey("ünïcödé"));
  EXPECT_TRUE(ValidTagKey("日本語"));
  EXPECT_TRUE(ValidTagKey(std::string(128, 'k')));
  EXPECT_FALSE(ValidTagKey(std::string(129, 'k')));
  EXPECT_FALSE(ValidTagKey(""));
  EXPECT_FALSE(ValidTagKey("a*b"));
  EXPECT_FALSE(ValidTagKey("a,b"));
  EXPECT_FALSE(ValidTagKey("a\nb"));
  EXPECT_FALSE(ValidTagKey("\xff"));
  EXPECT_FALSE(ValidTagKey("emoji\xF0\x9F\x98\x80"));
  EXPECT_TRUE(ValidTagValue(""));
  EXPECT_TRUE(ValidTagValue(std::string(256, 'v')));
  EXPECT_FALSE(ValidTagValue(std::string(257, 'v')));
  // 128 two-byte characters are 128 characters.
  std::string wide;
  for (int i = 0; i < 128; ++i) wide += "é";
  EXPECT_TRUE(ValidTagKey(wide));
  EXPECT_FALSE(ValidTagValue(kTagWithoutValue));
}

TEST(TimestampTest, EpochSecondsWithMillis) {
  EXPECT_EQ(FormatEpochSeconds(1454022144869), "1454022144.869");
  EXPECT_EQ(FormatEpochSeconds(1454022144000), "1454022144.0");
  EXPECT_EQ(FormatEpochSeconds(1454022144800), "1454022144.8");
  EXPECT_EQ(FormatEpochSeconds(1454022144005), "1454022144.005");
}

TEST(Ipv4Test, Form) {
  EXPECT_TRUE(LooksLikeIpv4("1.2.3.4"));
  EXPECT_TRUE(LooksLikeIpv4("999.999.999.999"));
  EXPECT_FALSE(LooksLikeIpv4("1.2.3"));
  EXPECT_FALSE(LooksLikeIpv4("1.2.3.4.5"));
  EXPECT_FALSE(LooksLikeIpv4("1234.2.3.4"));
  EXPECT_FALSE(LooksLikeIpv4("1.2.3.a"));
  EXPECT_FALSE(LooksLikeIpv4("1..3.4"));
}

}  // namespace
}  // namespace ot::services::trailapi
