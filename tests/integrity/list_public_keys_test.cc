// ListPublicKeys through the CloudTrail service, called directly (integrity.md §6).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "common/crypto.h"
#include "common/time.h"
#include "integrity/integrity.h"
#include "services/cloudtrail/cloudtrail_service.h"
#include "test_util.h"

namespace ot::services {
namespace {

namespace json = boost::json;

constexpr int64_t kHour = 3'600'000;

class IntegrityListPublicKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kv = storage::OpenRocksDb(dir_.path() + "/db", std::vector<std::string>{"meta"});
    ASSERT_TRUE(kv.ok());
    kv_ = std::move(*kv);
    auto p = objectstore::OpenMasterKeyProvider(dir_.path() + "/master.key");
    ASSERT_TRUE(p.ok());
    master_ = std::move(*p);
    auto keys = integrity::SigningKeys::Open(kv_.get(), "meta", master_.get(), 30 * 24 * kHour);
    ASSERT_TRUE(keys.ok());
    keys_ = std::move(*keys);
    principal_.type = "Root";
    principal_.account_id = "111122223333";
    CloudTrailDeps deps;
    deps.signing_keys = keys_.get();
    deps.regions = {"us-east-1", "eu-west-1"};
    service_ = std::make_unique<CloudTrailService>(std::move(deps));
  }

  struct Outcome {
    Status status;
    json::value out;
    json::value request_parameters;
    json::value response_elements;
  };

  Outcome Do(json::object input, const std::string& region = "us-east-1", CloudTrailService* svc = nullptr) {
    Call call;
    call.operation = "ListPublicKeys";
    call.region = region;
    call.request_id = "req";
    call.principal = &principal_;
    call.json_input = std::move(input);
    Outcome o;
    o.status = (svc ? svc : service_.get())->Handle(call);
    if (o.status.ok()) {
      EXPECT_FALSE(call.json_output_text.empty());
      o.out = json::parse(call.json_output_text);
    }
    o.request_parameters = call.request_parameters;
    o.response_elements = call.response_elements;
    return o;
  }

  testing::TempDir dir_;
  std::unique_ptr<storage::KvStore> kv_;
  std::unique_ptr<objectstore::KeyProvider> master_;
  std::unique_ptr<integrity::SigningKeys> keys_;
  auth::Principal principal_;
  std::unique_ptr<CloudTrailService> service_;
};

TEST_F(IntegrityListPublicKeysTest, Served) {
  EXPECT_TRUE(service_->Serves("ListPublicKeys"));
  auto ops = service_->Operations();
  EXPECT_NE(std::find(ops.begin(), ops.end(), "ListPublicKeys"), ops.end());
}

TEST_F(IntegrityListPublicKeysTest, NoRangeReturnsTheCurrentKeyOfTheRegion) {
  int64_t before = NowMillis();
  auto o = Do({});
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_TRUE(o.request_parameters.is_null());
  EXPECT_TRUE(o.response_elements.is_null());
  const auto& list = o.out.at("PublicKeyList").as_array();
  ASSERT_EQ(list.size(), 1u);
  const auto& k = list[0].as_object();
  EXPECT_EQ(k.size(), 4u);
  std::string value(k.at("Value").as_string());
  std::string fp(k.at("Fingerprint").as_string());
  std::string der;
  ASSERT_TRUE(Base64Decode(value, &der));
  EXPECT_EQ(der.size(), 270u);
  EXPECT_EQ(Md5Hex(der), fp);
  ASSERT_TRUE(k.at("ValidityStartTime").is_double());
  ASSERT_TRUE(k.at("ValidityEndTime").is_double());
  double start = k.at("ValidityStartTime").as_double();
  EXPECT_GE(start * 1000, static_cast<double>(before) - 1);
  EXPECT_LE(start * 1000, static_cast<double>(NowMillis()) + 1);
  EXPECT_GT(k.at("ValidityEndTime").as_double(), start + 30 * 86400 - 1);

  // The same key is used for signing in that region.
  auto current = keys_->Current("us-east-1", NowMillis());
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(*current, fp);
  std::string sig;
  ASSERT_TRUE(keys_->Sign(fp, "hello", &sig).ok());
  EXPECT_TRUE(integrity::VerifySignature(value, "hello", sig));

  // A second call does not create another key.
  auto again = Do({});
  ASSERT_TRUE(again.status.ok());
  EXPECT_EQ(again.out, o.out);
}

TEST_F(IntegrityListPublicKeysTest, RangeReturnsKeysOfAllRegions) {
  int64_t now = NowMillis();
  auto west = keys_->Current("eu-west-1", now - 2 * kHour);
  ASSERT_TRUE(west.ok());
  // botocore sends integer seconds; other SDKs fractions.
  auto o = Do({{"StartTime", (now - 3 * kHour) / 1000}, {"EndTime", (now + 2 * kHour) / 1000.0}});
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  const auto& list = o.out.at("PublicKeyList").as_array();
  ASSERT_EQ(list.size(), 2u) << json::serialize(o.out);
  std::set<std::string> fps;
  for (const auto& k : list) fps.insert(std::string(k.at("Fingerprint").as_string()));
  EXPECT_TRUE(fps.count(*west));
  EXPECT_TRUE(fps.count(*keys_->Current("us-east-1", NowMillis())));
  ASSERT_TRUE(o.request_parameters.is_object());
  EXPECT_EQ(o.request_parameters.at("startTime"), json::value(FormatIso8601((now - 3 * kHour) / 1000)));
  EXPECT_EQ(o.request_parameters.at("endTime"), json::value(FormatIso8601((now + 2 * kHour) / 1000)));

  // The caller's region does not matter.
  auto other = Do({{"StartTime", (now - 3 * kHour) / 1000}, {"EndTime", (now + 2 * kHour) / 1000}}, "eu-west-1");
  ASSERT_TRUE(other.status.ok());
  EXPECT_EQ(other.out.at("PublicKeyList").as_array().size(), 2u);

  // A past range before any key: empty, and no key is created for it.
  auto past = Do({{"StartTime", 1000}, {"EndTime", 2000}});
  ASSERT_TRUE(past.status.ok());
  EXPECT_TRUE(past.out.at("PublicKeyList").as_array().empty());
  EXPECT_EQ(keys_->List(0, INT64_MAX).size(), 2u);
}

TEST_F(IntegrityListPublicKeysTest, InvalidInputs) {
  int64_t now_s = NowMillis() / 1000;
  auto o = Do({{"StartTime", now_s + 10}, {"EndTime", now_s}});
  EXPECT_EQ(o.status.code(), "InvalidTimeRangeException");
  EXPECT_EQ(o.status.http_status(), 400);
  ASSERT_TRUE(o.request_parameters.is_object()) << "logged even when the call fails";

  // Start in the future without an end (end = now).
  EXPECT_EQ(Do({{"StartTime", now_s + 3600}}).status.code(), "InvalidTimeRangeException");

  EXPECT_EQ(Do({{"StartTime", "yesterday"}}).status.code(), "SerializationException");
  EXPECT_EQ(Do({{"EndTime", true}}).status.code(), "SerializationException");
  EXPECT_EQ(Do({{"EndTime", json::array{1}}}).status.code(), "SerializationException");
  EXPECT_EQ(Do({{"NextToken", 5}}).status.code(), "SerializationException");
  // Nulls are absent members.
  EXPECT_TRUE(Do({{"StartTime", nullptr}, {"EndTime", nullptr}, {"NextToken", nullptr}}).status.ok());
}

TEST_F(IntegrityListPublicKeysTest, WithoutSigningKeysTheListIsEmpty) {
  CloudTrailService bare{CloudTrailDeps{}};
  auto o = Do({}, "us-east-1", &bare);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(json::serialize(o.out), R"({"PublicKeyList":[]})");
}

}  // namespace
}  // namespace ot::services
