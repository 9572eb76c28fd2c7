// Tests for recorder/operation_table: spot checks of every classification rule of
// records.md §4 and structural invariants of the generated table.
#include "recorder/operation_table.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace ot::recorder {
namespace {

struct Expect {
  std::string_view service;
  std::string_view operation;
  std::string_view event_name;
  bool management;
  bool read_only;
  std::string_view resource_type;
};

void CheckOp(const Expect& e) {
  SCOPED_TRACE(std::string(e.service) + " " + std::string(e.operation));
  const OperationInfo* op = FindOperation(e.service, e.operation);
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(op->service, e.service);
  EXPECT_EQ(op->operation, e.operation);
  EXPECT_EQ(op->event_name, e.event_name);
  EXPECT_EQ(op->management, e.management);
  EXPECT_EQ(op->read_only, e.read_only);
  EXPECT_EQ(op->resource_type, e.resource_type);
}

constexpr std::string_view kBucket = "AWS::S3::Bucket";
constexpr std::string_view kObject = "AWS::S3::Object";

TEST(OperationTable, S3ManagementReadOnly) {
  // records.md §4.2 management, readOnly true.
  CheckOp({"s3", "ListBuckets", "ListBuckets", true, true, ""});
  CheckOp({"s3", "GetBucketLocation", "GetBucketLocation", true, true, kBucket});
  CheckOp({"s3", "GetBucketAcl", "GetBucketAcl", true, true, kBucket});
  CheckOp({"s3", "GetBucketPolicy", "GetBucketPolicy", true, true, kBucket});
  CheckOp({"s3", "GetBucketPolicyStatus", "GetBucketPolicyStatus", true, true, kBucket});
  CheckOp({"s3", "GetBucketCors", "GetBucketCors", true, true, kBucket});
  CheckOp({"s3", "GetBucketVersioning", "GetBucketVersioning", true, true, kBucket});
}

TEST(OperationTable, S3ManagementWrite) {
  CheckOp({"s3", "CreateBucket", "CreateBucket", true, false, kBucket});
  CheckOp({"s3", "DeleteBucket", "DeleteBucket", true, false, kBucket});
  CheckOp({"s3", "PutBucketPolicy", "PutBucketPolicy", true, false, kBucket});
  CheckOp({"s3", "DeleteBucketLifecycle", "DeleteBucketLifecycle", true, false, kBucket});
  CheckOp({"s3", "PutBucketVersioning", "PutBucketVersioning", true, false, kBucket});
}

TEST(OperationTable, S3EventNameRenames) {
  // records.md §4.2: CloudTrail's names differ from the SDK's.
  CheckOp({"s3", "GetBucketLifecycleConfiguration", "GetBucketLifecycle", true, true, kBucket});
  CheckOp({"s3", "PutBucketLifecycleConfiguration", "PutBucketLifecycle", true, false, kBucket});
  CheckOp({"s3", "GetBucketNotificationConfiguration", "GetBucketNotification", true, true,
           kBucket});
  CheckOp({"s3", "PutBucketNotificationConfiguration", "PutBucketNotification", true, false,
           kBucket});
  CheckOp({"s3", "GetObjectLockConfiguration", "GetBucketObjectLockConfiguration", true, true,
           kBucket});
  CheckOp({"s3", "PutObjectLockConfiguration", "PutBucketObjectLockConfiguration", true, false,
           kBucket});
  CheckOp({"s3", "GetPublicAccessBlock", "GetBucketPublicAccessBlock", true, true, kBucket});
  CheckOp({"s3", "PutPublicAccessBlock", "PutBucketPublicAccessBlock", true, false, kBucket});
  CheckOp({"s3", "DeletePublicAccessBlock", "DeleteBucketPublicAccessBlock", true, false,
           kBucket});
  CheckOp({"s3", "GetBucketAccelerateConfiguration", "GetAccelerateConfiguration", true, true,
           kBucket});
  CheckOp({"s3", "PutBucketAccelerateConfiguration", "PutAccelerateConfiguration", true, false,
           kBucket});
}

TEST(OperationTable, S3ObjectDataEvents) {
  // records.md §4.2 data events.
  CheckOp({"s3", "GetObject", "GetObject", false, true, kObject});
  CheckOp({"s3", "HeadObject", "HeadObject", false, true, kObject});
  CheckOp({"s3", "GetObjectAcl", "GetObjectAcl", false, true, kObject});
  CheckOp({"s3", "GetObjectTagging", "GetObjectTagging", false, true, kObject});
  CheckOp({"s3", "GetObjectAttributes", "GetObjectAttributes", false, true, kObject});
  CheckOp({"s3", "ListParts", "ListParts", false, true, kObject});
  CheckOp({"s3", "PutObject", "PutObject", false, false, kObject});
  CheckOp({"s3", "PostObject", "PostObject", false, false, kObject});
  CheckOp({"s3", "CopyObject", "CopyObject", false, false, kObject});
  CheckOp({"s3", "DeleteObject", "DeleteObject", false, false, kObject});
  CheckOp({"s3", "DeleteObjects", "DeleteObjects", false, false, kObject});
  CheckOp({"s3", "CreateMultipartUpload", "CreateMultipartUpload", false, false, kObject});
  CheckOp({"s3", "UploadPart", "UploadPart", false, false, kObject});
  CheckOp({"s3", "UploadPartCopy", "UploadPartCopy", false, false, kObject});
  CheckOp({"s3", "CompleteMultipartUpload", "CompleteMultipartUpload", false, false, kObject});
  CheckOp({"s3", "AbortMultipartUpload", "AbortMultipartUpload", false, false, kObject});
  CheckOp({"s3", "RestoreObject", "RestoreObject", false, false, kObject});
  CheckOp({"s3", "PutObjectAcl", "PutObjectAcl", false, false, kObject});
  CheckOp({"s3", "PutObjectTagging", "PutObjectTagging", false, false, kObject});
}

TEST(OperationTable, S3BucketAddressedDataEvents) {
  // records.md §4.2: listings and HeadBucket are data events logged under object selectors.
  CheckOp({"s3", "ListObjects", "ListObjects", false, true, kObject});
  CheckOp({"s3", "ListObjectsV2", "ListObjects", false, true, kObject});
  CheckOp({"s3", "ListObjectVersions", "ListObjectVersions", false, true, kObject});
  CheckOp({"s3", "HeadBucket", "HeadBucket", false, true, kObject});
  CheckOp({"s3", "ListMultipartUploads", "ListMultipartUploads", false, true, kObject});
}

TEST(OperationTable, CloudTrail) {
  // records.md §4.4: all management; Describe/Get/List/Lookup read-only.
  CheckOp({"cloudtrail", "CreateTrail", "CreateTrail", true, false, ""});
  CheckOp({"cloudtrail", "UpdateTrail", "UpdateTrail", true, false, ""});
  CheckOp({"cloudtrail", "DeleteTrail", "DeleteTrail", true, false, ""});
  CheckOp({"cloudtrail", "StartLogging", "StartLogging", true, false, ""});
  CheckOp({"cloudtrail", "StopLogging", "StopLogging", true, false, ""});
  CheckOp({"cloudtrail", "PutEventSelectors", "PutEventSelectors", true, false, ""});
  CheckOp({"cloudtrail", "PutInsightSelectors", "PutInsightSelectors", true, false, ""});
  CheckOp({"cloudtrail", "AddTags", "AddTags", true, false, ""});
  CheckOp({"cloudtrail", "RemoveTags", "RemoveTags", true, false, ""});
  CheckOp({"cloudtrail", "DescribeTrails", "DescribeTrails", true, true, ""});
  CheckOp({"cloudtrail", "GetTrailStatus", "GetTrailStatus", true, true, ""});
  CheckOp({"cloudtrail", "GetEventSelectors", "GetEventSelectors", true, true, ""});
  CheckOp({"cloudtrail", "GetInsightSelectors", "GetInsightSelectors", true, true, ""});
  CheckOp({"cloudtrail", "ListPublicKeys", "ListPublicKeys", true, true, ""});
  CheckOp({"cloudtrail", "ListTags", "ListTags", true, true, ""});
  CheckOp({"cloudtrail", "ListTrails", "ListTrails", true, true, ""});
  CheckOp({"cloudtrail", "LookupEvents", "LookupEvents", true, true, ""});
}

TEST(OperationTable, CloudTrailData) {
  CheckOp({"cloudtrail-data", "PutAuditEvents", "PutAuditEvents", false, false,
           "AWS::CloudTrail::Channel"});
  const OperationInfo* op = FindOperation("cloudtrail-data", "PutAuditEvents");
  ASSERT_NE(op, nullptr);
  // records.md §2.2: recorded under cloudtrail.amazonaws.com.
  EXPECT_EQ(op->event_source, "cloudtrail.amazonaws.com");
}

TEST(OperationTable, Kms) {
  // records.md §4.4/§4.5: all management; cryptographic operations read-only.
  constexpr std::string_view kKey = "AWS::KMS::Key";
  CheckOp({"kms", "Encrypt", "Encrypt", true, true, kKey});
  CheckOp({"kms", "Decrypt", "Decrypt", true, true, kKey});
  CheckOp({"kms", "ReEncrypt", "ReEncrypt", true, true, kKey});
  CheckOp({"kms", "GenerateDataKey", "GenerateDataKey", true, true, kKey});
  CheckOp({"kms", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyWithoutPlaintext", true,
           true, kKey});
  CheckOp({"kms", "GenerateDataKeyPair", "GenerateDataKeyPair", true, true, kKey});
  CheckOp({"kms", "Sign", "Sign", true, true, kKey});
  CheckOp({"kms", "Verify", "Verify", true, true, kKey});
  CheckOp({"kms", "GenerateMac", "GenerateMac", true, true, kKey});
  CheckOp({"kms", "GenerateRandom", "GenerateRandom", true, true, ""});
  CheckOp({"kms", "DescribeKey", "DescribeKey", true, true, kKey});
  CheckOp({"kms", "ListKeys", "ListKeys", true, true, ""});
  CheckOp({"kms", "CreateKey", "CreateKey", true, false, kKey});
  CheckOp({"kms", "ScheduleKeyDeletion", "ScheduleKeyDeletion", true, false, kKey});
  CheckOp({"kms", "PutKeyPolicy", "PutKeyPolicy", true, false, kKey});
  CheckOp({"kms", "CreateGrant", "CreateGrant", true, false, kKey});
  for (const OperationInfo& op : AllOperations()) {
    if (op.service == "kms") {
      EXPECT_TRUE(op.management) << op.operation;
    }
  }
}

TEST(OperationTable, Sts) {
  // records.md §4.4.
  CheckOp({"sts", "AssumeRole", "AssumeRole", true, true, "AWS::IAM::Role"});
  CheckOp({"sts", "AssumeRoleWithSAML", "AssumeRoleWithSAML", true, true, "AWS::IAM::Role"});
  CheckOp({"sts", "AssumeRoleWithWebIdentity", "AssumeRoleWithWebIdentity", true, true,
           "AWS::IAM::Role"});
  CheckOp({"sts", "GetCallerIdentity", "GetCallerIdentity", true, true, ""});
  CheckOp({"sts", "GetAccessKeyInfo", "GetAccessKeyInfo", true, true, ""});
  CheckOp({"sts", "DecodeAuthorizationMessage", "DecodeAuthorizationMessage", true, true, ""});
  CheckOp({"sts", "GetFederationToken", "GetFederationToken", true, false, ""});
  CheckOp({"sts", "GetSessionToken", "GetSessionToken", true, false, ""});
}

TEST(OperationTable, IamAndOrganizations) {
  // records.md §4.4: management; Get*/List*/Describe* read-only.
  CheckOp({"iam", "GetUser", "GetUser", true, true, ""});
  CheckOp({"iam", "ListRoles", "ListRoles", true, true, ""});
  CheckOp({"iam", "CreateRole", "CreateRole", true, false, ""});
  CheckOp({"iam", "AttachRolePolicy", "AttachRolePolicy", true, false, ""});
  CheckOp({"iam", "CreateAccessKey", "CreateAccessKey", true, false, ""});
  CheckOp({"iam", "GenerateCredentialReport", "GenerateCredentialReport", true, false, ""});
  CheckOp({"organizations", "DescribeOrganization", "DescribeOrganization", true, true, ""});
  CheckOp({"organizations", "ListAccounts", "ListAccounts", true, true, ""});
  CheckOp({"organizations", "CreateAccount", "CreateAccount", true, false, ""});
  CheckOp({"organizations", "AttachPolicy", "AttachPolicy", true, false, ""});
  for (const OperationInfo& op : AllOperations()) {
    if (op.service == "iam" || op.service == "organizations") {
      EXPECT_TRUE(op.management) << op.service << " " << op.operation;
    }
  }
}

TEST(OperationTable, Sns) {
  // records.md §4.4: Publish/PublishBatch data events on topics; the rest management.
  CheckOp({"sns", "Publish", "Publish", false, false, "AWS::SNS::Topic"});
  CheckOp({"sns", "PublishBatch", "PublishBatch", false, false, "AWS::SNS::Topic"});
  CheckOp({"sns", "CreateTopic", "CreateTopic", true, false, ""});
  CheckOp({"sns", "Subscribe", "Subscribe", true, false, ""});
  CheckOp({"sns", "ListTopics", "ListTopics", true, true, ""});
  CheckOp({"sns", "GetTopicAttributes", "GetTopicAttributes", true, true, ""});
  CheckOp({"sns", "CheckIfPhoneNumberIsOptedOut", "CheckIfPhoneNumberIsOptedOut", true, true,
           ""});
}

TEST(OperationTable, Logs) {
  // records.md §4.4: control operations management; log-event reads/writes not management.
  CheckOp({"logs", "CreateLogGroup", "CreateLogGroup", true, false, ""});
  CheckOp({"logs", "DeleteLogGroup", "DeleteLogGroup", true, false, ""});
  CheckOp({"logs", "DescribeLogGroups", "DescribeLogGroups", true, true, ""});
  CheckOp({"logs", "PutRetentionPolicy", "PutRetentionPolicy", true, false, ""});
  CheckOp({"logs", "PutLogEvents", "PutLogEvents", false, false, "AWS::Logs::LogGroup"});
  CheckOp({"logs", "GetLogEvents", "GetLogEvents", false, true, "AWS::Logs::LogGroup"});
  CheckOp({"logs", "FilterLogEvents", "FilterLogEvents", false, true, "AWS::Logs::LogGroup"});
  CheckOp({"logs", "StartLiveTail", "StartLiveTail", false, true, "AWS::Logs::LogGroup"});
}

TEST(OperationTable, EveryEntryIsComplete) {
  const std::set<std::string_view> services = {"cloudtrail", "cloudtrail-data", "s3",
                                               "kms",        "sns",             "logs",
                                               "sts",        "iam",             "organizations",
                                               "opentrail"};
  std::set<std::string_view> seen_services;
  for (const OperationInfo& op : AllOperations()) {
    SCOPED_TRACE(std::string(op.service) + " " + std::string(op.operation));
    EXPECT_FALSE(op.service.empty());
    EXPECT_FALSE(op.operation.empty());
    EXPECT_FALSE(op.event_name.empty());
    EXPECT_FALSE(op.event_source.empty());
    EXPECT_TRUE(services.contains(op.service));
    seen_services.insert(op.service);
    // eventSource is "<service>.amazonaws.com" (records.md §2.2), cloudtrail-data excepted.
    const std::string_view expected_source_service =
        op.service == "cloudtrail-data" ? std::string_view("cloudtrail") : op.service;
    EXPECT_EQ(op.event_source, std::string(expected_source_service) + ".amazonaws.com");
    // Data events always name the resource type their selectors match on.
    if (!op.management) {
      EXPECT_FALSE(op.resource_type.empty());
    }
    if (!op.resource_type.empty()) {
      EXPECT_TRUE(op.resource_type.starts_with("AWS::"));
    }
  }
  EXPECT_EQ(seen_services, services);
  EXPECT_GT(AllOperations().size(), 500u);
}

TEST(OperationTable, NoDuplicatesAndFindsEveryEntry) {
  std::set<std::pair<std::string_view, std::string_view>> keys;
  for (const OperationInfo& op : AllOperations()) {
    EXPECT_TRUE(keys.emplace(op.service, op.operation).second)
        << "duplicate " << op.service << " " << op.operation;
    EXPECT_EQ(FindOperation(op.service, op.operation), &op);
  }
}

TEST(OperationTable, UnknownOperationIsNull) {
  EXPECT_EQ(FindOperation("s3", "NoSuchOperation"), nullptr);
  EXPECT_EQ(FindOperation("nosuchservice", "GetObject"), nullptr);
  EXPECT_EQ(FindOperation("", ""), nullptr);
  EXPECT_EQ(FindOperation("s3", ""), nullptr);
  EXPECT_EQ(FindOperation("S3", "GetObject"), nullptr);  // names are case-sensitive
  EXPECT_EQ(FindOperation("s3", "getobject"), nullptr);
  EXPECT_EQ(FindOperation("zzz", "zzz"), nullptr);  // past the end
  EXPECT_EQ(FindOperation("a", "a"), nullptr);      // before the start
  // An eventName that is not an SDK operation name is not a key.
  EXPECT_EQ(FindOperation("s3", "GetBucketObjectLockConfiguration"), nullptr);
}

}  // namespace
}  // namespace ot::recorder
