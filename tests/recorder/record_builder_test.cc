#include "recorder/record_builder.h"

#include <gtest/gtest.h>

namespace ot::recorder {

namespace json = boost::json;

namespace {
auth::Principal Root() {
  auth::Principal p;
  p.type = "Root";
  p.account_id = "111122223333";
  p.principal_id = "111122223333";
  p.arn = "arn:aws:iam::111122223333:root";
  p.access_key_id = "AKIAEXAMPLEEXAMPLE01";
  return p;
}
}  // namespace

TEST(RecordBuilderTest, SuccessfulManagementCall) {
  auto p = Root();
  CallFacts f;
  f.operation = FindOperation("sts", "GetCallerIdentity");
  ASSERT_NE(f.operation, nullptr);
  f.principal = &p;
  f.aws_region = "us-east-1";
  f.source_ip = "198.51.100.23";
  f.user_agent = "aws-cli/1.45.11";
  f.event_time_ms = 1795000443123;
  f.request_id = "req-1";
  std::string text = BuildRecord(f);
  auto r = json::parse(text).as_object();
  EXPECT_EQ(r["eventVersion"].as_string(), "1.11");
  EXPECT_EQ(r["eventTime"].as_string(), "2026-11-18T11:14:03Z");
  EXPECT_EQ(r["eventSource"].as_string(), "sts.amazonaws.com");
  EXPECT_EQ(r["eventName"].as_string(), "GetCallerIdentity");
  EXPECT_TRUE(r["requestParameters"].is_null());
  EXPECT_TRUE(r["responseElements"].is_null());
  EXPECT_EQ(r["readOnly"].as_bool(), true);
  EXPECT_EQ(r["managementEvent"].as_bool(), true);
  EXPECT_EQ(r["eventCategory"].as_string(), "Management");
  EXPECT_EQ(r["recipientAccountId"].as_string(), "111122223333");
  EXPECT_EQ(r["requestID"].as_string(), "req-1");
  EXPECT_EQ(r["eventID"].as_string().size(), 36u);
  EXPECT_FALSE(r.contains("errorCode"));
  EXPECT_FALSE(r.contains("tlsDetails"));
  EXPECT_FALSE(r.contains("resources"));
  auto ui = r["userIdentity"].as_object();
  EXPECT_EQ(ui["type"].as_string(), "Root");
  EXPECT_FALSE(ui.contains("sessionContext"));
  // AWS's key order.
  std::vector<std::string> keys;
  for (auto& kv : r) keys.emplace_back(kv.key());
  std::vector<std::string> want = {"eventVersion", "userIdentity", "eventTime", "eventSource", "eventName",
                                   "awsRegion", "sourceIPAddress", "userAgent", "requestParameters",
                                   "responseElements", "requestID", "eventID", "readOnly", "eventType",
                                   "managementEvent", "recipientAccountId", "eventCategory"};
  EXPECT_EQ(keys, want);
  EXPECT_EQ(text.find(' '), std::string::npos) << "compact JSON";
}

TEST(RecordBuilderTest, FailedCallKeepsParametersDropsResponseAndCapsFields) {
  auto p = Root();
  json::value params = json::object{{"durationSeconds", 5}};
  json::value response = json::object{{"x", 1}};
  CallFacts f;
  f.operation = FindOperation("sts", "GetSessionToken");
  f.principal = &p;
  f.error_code = "ValidationError";
  f.error_message = std::string(5000, 'm');
  f.user_agent = std::string(3000, 'u');
  f.request_parameters = &params;
  f.response_elements = &response;
  auto r = json::parse(BuildRecord(f)).as_object();
  EXPECT_EQ(r["errorCode"].as_string(), "ValidationError");
  EXPECT_EQ(r["errorMessage"].as_string().size(), 1024u);
  EXPECT_EQ(r["userAgent"].as_string().size(), 1024u);
  EXPECT_EQ(r["requestParameters"].as_object()["durationSeconds"].as_int64(), 5);
  EXPECT_TRUE(r["responseElements"].is_null());
  EXPECT_EQ(r["readOnly"].as_bool(), false);
}

TEST(RecordBuilderTest, OversizedParametersAreOmitted) {
  auto p = Root();
  json::value params = json::object{{"big", std::string(200 * 1024, 'x')}};
  CallFacts f;
  f.operation = FindOperation("sts", "GetSessionToken");
  f.principal = &p;
  f.request_parameters = &params;
  auto r = json::parse(BuildRecord(f)).as_object();
  EXPECT_TRUE(r["requestParameters"].is_null());
}

TEST(RecordBuilderTest, TruncationKeepsUtf8Valid) {
  auto p = Root();
  std::string agent(1023, 'a');
  agent += "\xC3\xA9\xC3\xA9";  // "éé" straddles the 1 KB cut
  CallFacts f;
  f.operation = FindOperation("sts", "GetCallerIdentity");
  f.principal = &p;
  f.user_agent = agent;
  auto text = BuildRecord(f);
  auto r = json::parse(text).as_object();
  EXPECT_EQ(r["userAgent"].as_string().size(), 1023u);
}

TEST(RecordBuilderTest, SessionIdentities) {
  auth::Principal p = Root();
  p.temporary = true;
  p.access_key_id = "ASIAEXAMPLEEXAMPLE01";
  p.session_created_ms = 1795000443000;
  auto ui = UserIdentity(p);
  auto& ctx = ui["sessionContext"].as_object();
  EXPECT_TRUE(ctx.at("sessionIssuer").as_object().empty());
  EXPECT_TRUE(ctx.at("webIdFederationData").as_object().empty());
  EXPECT_EQ(ctx.at("attributes").at("creationDate").as_string(), "2026-11-18T11:14:03Z");
  EXPECT_EQ(ctx.at("attributes").at("mfaAuthenticated").as_string(), "false");

  auth::Principal role;
  role.type = "AssumedRole";
  role.account_id = "111122223333";
  role.principal_id = "AROAEXAMPLE:build-42";
  role.arn = "arn:aws:sts::111122223333:assumed-role/ci/build-42";
  role.access_key_id = "ASIAEXAMPLE";
  role.temporary = true;
  role.issuer = {"Role", "AROAEXAMPLE", "arn:aws:iam::111122223333:role/ci", "111122223333", "ci"};
  auto rui = UserIdentity(role);
  auto& issuer = rui["sessionContext"].as_object().at("sessionIssuer").as_object();
  EXPECT_EQ(issuer.at("type").as_string(), "Role");
  EXPECT_EQ(issuer.at("userName").as_string(), "ci");
}

TEST(RecordBuilderTest, DataEventCategory) {
  auto p = Root();
  CallFacts f;
  f.operation = FindOperation("s3", "GetObject");
  ASSERT_NE(f.operation, nullptr);
  f.principal = &p;
  auto r = json::parse(BuildRecord(f)).as_object();
  EXPECT_EQ(r["eventCategory"].as_string(), "Data");
  EXPECT_EQ(r["managementEvent"].as_bool(), false);
}

}  // namespace ot::recorder
