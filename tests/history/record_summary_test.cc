#include "history/record_summary.h"

#include <gtest/gtest.h>

namespace ot::history {

TEST(RecordSummaryTest, ManagementRecordFields) {
  RecordSummary s;
  ASSERT_TRUE(Summarize(R"({"eventVersion":"1.11","userIdentity":{"type":"IAMUser","principalId":"AIDA","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":"AKIAX","userName":"alice"},"eventTime":"2026-11-24T10:14:03Z","eventSource":"cloudtrail.amazonaws.com","eventName":"CreateTrail","awsRegion":"us-east-1","requestParameters":{"name":"audit"},"responseElements":{"trailARN":"arn:aws:cloudtrail:us-east-1:111122223333:trail/audit"},"eventID":"e1","readOnly":false,"managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"})", &s));
  EXPECT_EQ(s.event_id, "e1");
  EXPECT_EQ(s.event_time_ms, 1795515243000);
  EXPECT_EQ(s.event_name, "CreateTrail");
  EXPECT_EQ(s.event_source, "cloudtrail.amazonaws.com");
  EXPECT_EQ(s.read_only, false);
  EXPECT_EQ(s.access_key_id, "AKIAX");
  EXPECT_EQ(s.username, "alice");
  EXPECT_EQ(s.account_id, "111122223333");
  EXPECT_EQ(s.region, "us-east-1");
  EXPECT_EQ(s.category, Category::kManagement);
  ASSERT_EQ(s.resources.size(), 1u);
  EXPECT_EQ(s.resources[0].type, "AWS::CloudTrail::Trail");
  EXPECT_EQ(s.resources[0].name, "arn:aws:cloudtrail:us-east-1:111122223333:trail/audit");
}

TEST(RecordSummaryTest, UsernamesPerIdentityType) {
  auto user_of = [](const std::string& identity) {
    RecordSummary s;
    EXPECT_TRUE(Summarize(R"({"eventID":"x","eventTime":"2026-01-01T00:00:00Z","recipientAccountId":"111122223333","awsRegion":"us-east-1","managementEvent":true,"userIdentity":)" + identity + "}", &s));
    return s.username;
  };
  EXPECT_EQ(user_of(R"({"type":"Root","arn":"arn:aws:iam::1:root"})"), "root");
  EXPECT_EQ(user_of(R"({"type":"Root","userName":"my-alias"})"), "my-alias");
  EXPECT_EQ(user_of(R"({"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/deploy/build-42"})"), "build-42");
  EXPECT_EQ(user_of(R"({"type":"FederatedUser","arn":"arn:aws:sts::1:federated-user/bob"})"), "bob");
  EXPECT_EQ(user_of(R"({"type":"AWSService","invokedBy":"cloudtrail.amazonaws.com"})"), "cloudtrail.amazonaws.com");
  EXPECT_EQ(user_of(R"({"type":"AWSAccount","principalId":"AIDA"})"), std::nullopt);
}

TEST(RecordSummaryTest, Categories) {
  RecordSummary s;
  std::string base = R"("eventID":"x","eventTime":"2026-01-01T00:00:00.5Z","recipientAccountId":"111122223333","awsRegion":"r")";
  ASSERT_TRUE(Summarize("{" + base + R"(,"managementEvent":false,"eventCategory":"Data"})", &s));
  EXPECT_EQ(s.category, Category::kOther);
  EXPECT_EQ(s.event_time_ms % 1000, 500);
  ASSERT_TRUE(Summarize("{" + base + R"(,"eventType":"AwsApiCall"})", &s));  // pre-1.06 record
  EXPECT_EQ(s.category, Category::kManagement);
  ASSERT_TRUE(Summarize("{" + base + R"(,"eventType":"AwsCloudTrailInsight","eventCategory":"Insight","insightDetails":{"eventName":"CreateUser","eventSource":"iam.amazonaws.com"}})", &s));
  EXPECT_EQ(s.category, Category::kInsight);
  EXPECT_EQ(s.event_name, "CreateUser");
  EXPECT_EQ(s.event_source, "iam.amazonaws.com");
  EXPECT_FALSE(Summarize("[1]", &s));
  EXPECT_FALSE(Summarize("{", &s));
  EXPECT_FALSE(Summarize(R"({"eventID":"x"})", &s));
}

TEST(RecordSummaryTest, S3BucketResourcesUseBucketNames) {
  RecordSummary s;
  ASSERT_TRUE(Summarize(R"({"eventID":"x","eventTime":"2026-01-01T00:00:00Z","recipientAccountId":"111122223333","awsRegion":"r","managementEvent":true,"eventSource":"s3.amazonaws.com","requestParameters":{"bucketName":"logs"},"resources":[{"accountId":"111122223333","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::logs"}]})", &s));
  ASSERT_EQ(s.resources.size(), 1u) << "the same bucket appears once";
  EXPECT_EQ(s.resources[0].name, "logs");
}

}  // namespace ot::history
