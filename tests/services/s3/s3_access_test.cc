// The bucket-policy decision CloudTrail delivery relies on (delivery.md §8): a service
// principal acting for a trail is admitted exactly where the policy says.
#include "services/s3/s3_access.h"

#include <gtest/gtest.h>

#include "objectstore/object_store.h"
#include "test_util.h"

namespace ot::services::s3 {

namespace {
const char* kMultiAccountPolicy = R"({"Version":"2012-10-17","Statement":[
 {"Sid":"AWSCloudTrailAclCheck20131101","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::central-trail",
  "Condition":{"StringEquals":{"aws:SourceArn":["arn:aws:cloudtrail:us-east-1:111111111111:trail/main",
                                                "arn:aws:cloudtrail:us-east-1:222222222222:trail/main"]}}},
 {"Sid":"AWSCloudTrailWrite20131101","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"s3:PutObject",
  "Resource":["arn:aws:s3:::central-trail/logs/AWSLogs/111111111111/*",
              "arn:aws:s3:::central-trail/logs/AWSLogs/222222222222/*"],
  "Condition":{"StringEquals":{"aws:SourceArn":["arn:aws:cloudtrail:us-east-1:111111111111:trail/main",
                                                "arn:aws:cloudtrail:us-east-1:222222222222:trail/main"],
                               "s3:x-amz-acl":"bucket-owner-full-control"}}}]})";

struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<storage::KvStore> kv;
  std::unique_ptr<objectstore::KeyProvider> keys;
  std::unique_ptr<objectstore::ObjectStore> store;
  Fixture() {
    kv = std::move(*storage::OpenRocksDb(dir.path() + "/db", std::vector<std::string>{objectstore::kObjectsFamily}));
    keys = std::move(*objectstore::OpenMasterKeyProvider(dir.path() + "/master.key"));
    store = std::move(*objectstore::OpenLocalStore(kv.get(), {dir.path() + "/objects"}, keys.get(), nullptr));
  }
};

auth::policy::RequestContext Put(const std::string& account, const std::string& prefix_account,
                                 const std::string& acl = "bucket-owner-full-control") {
  auth::policy::RequestContext rc;
  rc.action = "s3:PutObject";
  rc.resource = "arn:aws:s3:::central-trail/logs/AWSLogs/" + prefix_account + "/CloudTrail/us-east-1/x.json.gz";
  rc.principal = S3Access::ServicePrincipal("cloudtrail.amazonaws.com");
  rc.keys["aws:SourceArn"] = {"arn:aws:cloudtrail:us-east-1:" + account + ":trail/main"};
  rc.keys["aws:SourceAccount"] = {account};
  if (!acl.empty()) rc.keys["s3:x-amz-acl"] = {acl};
  return rc;
}
}  // namespace

TEST(S3AccessTest, MultiAccountPolicyAdmitsExactlyTheListedAccounts) {
  Fixture fx;
  objectstore::BucketInfo bucket{"central-trail", "999999999999", "us-east-1", 0};
  ASSERT_TRUE(fx.store->CreateBucket(bucket).ok());
  ASSERT_TRUE(fx.store->PutBucketDocument("central-trail", "policy", kMultiAccountPolicy).ok());
  S3Access access(fx.store.get());
  EXPECT_TRUE(access.Authorize(bucket, Put("111111111111", "111111111111")).ok());
  EXPECT_TRUE(access.Authorize(bucket, Put("222222222222", "222222222222")).ok());
  EXPECT_FALSE(access.Authorize(bucket, Put("333333333333", "333333333333")).ok()) << "not listed";
  // The example's conditions are lists, not pairs: a listed trail may write under another
  // listed account's prefix, at AWS too. Delivery always writes under its own account.
  EXPECT_TRUE(access.Authorize(bucket, Put("111111111111", "222222222222")).ok());
  EXPECT_FALSE(access.Authorize(bucket, Put("111111111111", "111111111111", "")).ok()) << "acl required";
  auto acl = Put("111111111111", "111111111111");
  acl.action = "s3:GetBucketAcl";
  acl.resource = "arn:aws:s3:::central-trail";
  EXPECT_TRUE(access.Authorize(bucket, acl).ok());
  // A signed caller from a listed account gets nothing from statements for the service.
  auth::Principal other;
  other.type = "Root";
  other.account_id = "111111111111";
  other.arn = "arn:aws:iam::111111111111:root";
  auto direct = Put("111111111111", "111111111111");
  direct.principal = S3Access::PrincipalOf(other);
  EXPECT_FALSE(access.Authorize(bucket, direct).ok());
  // The owner account always may.
  other.account_id = "999999999999";
  other.arn = "arn:aws:iam::999999999999:root";
  direct.principal = S3Access::PrincipalOf(other);
  EXPECT_TRUE(access.Authorize(bucket, direct).ok());
}

}  // namespace ot::services::s3
