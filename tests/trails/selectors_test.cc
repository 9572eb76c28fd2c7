// Event selectors (selectors.md): validation, stored form, defaults, record facts and the
// matching table; insight selectors (insights.md §2.1).
#include "trails/selectors.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ot::trails {
namespace {

namespace json = boost::json;

// ---- helpers ----------------------------------------------------------------------------------

Result<SelectorSet> Basic(std::string_view list) {
  json::value v = json::parse(list);
  return SelectorSet::FromRequest(&v, nullptr);
}

Result<SelectorSet> Advanced(std::string_view list) {
  json::value v = json::parse(list);
  return SelectorSet::FromRequest(nullptr, &v);
}

std::string Response(const SelectorSet& s) { return json::serialize(s.ToResponse()); }

// A realistic CloudTrail record (records.md §2, §5), built as JSON text.
struct Rec {
  std::string category = "Management";  // "" → omit eventCategory
  std::optional<bool> management_event = true;
  std::optional<bool> read_only = true;
  std::string source = "ec2.amazonaws.com";
  std::string name = "DescribeInstances";
  std::string type = "AwsApiCall";
  std::vector<std::pair<std::string, std::string>> resources;  // type, ARN
  std::vector<std::pair<std::string, std::string>> prefix_resources;  // type, ARNPrefix
  std::string user_arn = "arn:aws:iam::111122223333:user/alice";
  std::string error_code;
  bool console = false;
  std::string vpce;

  std::string Json() const {
    json::object r;
    r["eventVersion"] = "1.11";
    json::object ui;
    ui["type"] = "IAMUser";
    ui["principalId"] = "AIDAQ3EXAMPLE7UCEN5X";
    if (!user_arn.empty()) ui["arn"] = user_arn;
    ui["accountId"] = "111122223333";
    ui["accessKeyId"] = "AKIAQ3EXAMPLEKEYID01";
    ui["userName"] = "alice";
    r["userIdentity"] = std::move(ui);
    r["eventTime"] = "2026-11-24T10:20:17Z";
    r["eventSource"] = source;
    r["eventName"] = name;
    r["awsRegion"] = "us-east-1";
    r["sourceIPAddress"] = "203.0.113.77";
    r["userAgent"] = "aws-cli/2.17.0";
    if (!error_code.empty()) {
      r["errorCode"] = error_code;
      r["errorMessage"] = "denied";
    }
    r["requestParameters"] = json::object{{"bucketName", "x"}, {"key", "k"}};
    r["responseElements"] = nullptr;
    r["requestID"] = "K2P8EXAMPLE1QZ7W";
    r["eventID"] = "0f4d8c1a-93b2-4a7e-b6c5-d2e1f0a9b8c7";
    if (read_only) r["readOnly"] = *read_only;
    if (!resources.empty() || !prefix_resources.empty()) {
      json::array list;
      for (auto& [t, a] : prefix_resources) list.push_back(json::object{{"type", t}, {"ARNPrefix", a}});
      for (auto& [t, a] : resources)
        list.push_back(json::object{{"accountId", "111122223333"}, {"type", t}, {"ARN", a}});
      r["resources"] = std::move(list);
    }
    r["eventType"] = type;
    if (management_event) r["managementEvent"] = *management_event;
    r["recipientAccountId"] = "111122223333";
    if (!vpce.empty()) r["vpcEndpointId"] = vpce;
    if (!category.empty()) r["eventCategory"] = category;
    r["tlsDetails"] = json::object{{"tlsVersion", "TLSv1.3"}};
    if (console) r["sessionCredentialFromConsole"] = "true";
    return json::serialize(r);
  }
};

Rec Management(std::string source, std::string name, bool read_only) {
  Rec r;
  r.source = std::move(source);
  r.name = std::move(name);
  r.read_only = read_only;
  return r;
}

Rec S3Object(std::string name, std::string bucket, std::string key, bool read_only) {
  Rec r;
  r.category = "Data";
  r.management_event = false;
  r.source = "s3.amazonaws.com";
  r.name = std::move(name);
  r.read_only = read_only;
  r.resources = {{"AWS::S3::Object", "arn:aws:s3:::" + bucket + "/" + key},
                 {"AWS::S3::Bucket", "arn:aws:s3:::" + bucket}};
  return r;
}

Rec LambdaInvoke(std::string function_arn) {
  Rec r;
  r.category = "Data";
  r.management_event = false;
  r.source = "lambda.amazonaws.com";
  r.name = "Invoke";
  r.read_only = false;
  r.resources = {{"AWS::Lambda::Function", std::move(function_arn)}};
  return r;
}

RecordFacts Facts(const Rec& r) {
  RecordFacts f;
  EXPECT_TRUE(ExtractFacts(r.Json(), &f));
  return f;
}

constexpr const char* kFn = "arn:aws:lambda:us-west-2:111111111111:function:helloworld";
constexpr const char* kFn2 = "arn:aws:lambda:us-west-2:111111111111:function:helloworld2";
constexpr const char* kDdbTable = "arn:aws:dynamodb:us-east-1:111122223333:table/orders";

// ---- the records of the matching table --------------------------------------------------------

std::map<std::string, Rec> Records() {
  std::map<std::string, Rec> m;
  m["ec2_describe"] = Management("ec2.amazonaws.com", "DescribeInstances", true);
  m["ct_create_trail"] = Management("cloudtrail.amazonaws.com", "CreateTrail", false);
  m["kms_decrypt"] = Management("kms.amazonaws.com", "Decrypt", true);
  m["kms_disable_key"] = Management("kms.amazonaws.com", "DisableKey", false);
  m["rdsdata_exec"] = Management("rdsdata.amazonaws.com", "ExecuteStatement", false);
  {
    Rec r = Management("cloudtrail.amazonaws.com", "StopLogging", false);
    r.error_code = "TrailNotFoundException";
    m["ct_stop_failed"] = r;
  }
  {
    Rec r = Management("kms.amazonaws.com", "RotateKey", false);
    r.type = "AwsServiceEvent";
    r.user_arn = "";
    m["kms_service_event"] = r;
  }
  {
    Rec r = Management("signin.amazonaws.com", "ConsoleLogin", false);
    r.type = "AwsConsoleSignIn";
    r.read_only.reset();
    m["console_login_no_readonly"] = r;
  }
  {
    Rec r = Management("iam.amazonaws.com", "ListUsers", true);
    r.category = "";  // eventVersion < 1.07: only managementEvent
    m["old_mgmt_read"] = r;
  }
  m["s3_get_logs"] = S3Object("GetObject", "app-logs", "2026/11/24/a.log", true);
  m["s3_put_logs"] = S3Object("PutObject", "app-logs", "2026/11/24/b.log", false);
  m["s3_put_other"] = S3Object("PutObject", "other-bucket", "x.bin", false);
  m["s3_put_prefix"] = S3Object("PutObject", "mybucket", "prefix/file.txt", false);
  m["s3_put_prefixes"] = S3Object("PutObject", "mybucket", "prefixes/file.txt", false);
  m["s3_get_prefix"] = S3Object("GetObject", "mybucket", "prefix/file.txt", true);
  m["s3_put_mybucket_root"] = S3Object("PutObject", "mybucket", "top.txt", false);
  m["s3_delete_sample"] = S3Object("DeleteObject", "sample_bucket_name", "old.csv", false);
  m["s3_put_logsbucket2"] = S3Object("PutObject", "app-logs2", "z", false);
  {
    Rec r = S3Object("GetObject", "app-logs", "console/view.png", true);
    r.console = true;
    r.user_arn = "arn:aws:sts::111122223333:assumed-role/HumanRole/alice";
    m["s3_get_console"] = r;
  }
  {
    Rec r = S3Object("GetObject", "app-logs", "ci/artifact.tgz", true);
    r.user_arn = "arn:aws:sts::111122223333:assumed-role/ci-reader/build-42";
    m["s3_get_ci"] = r;
  }
  {
    Rec r;
    r.category = "Data";
    r.management_event = false;
    r.source = "s3.amazonaws.com";
    r.name = "ListObjects";
    r.read_only = true;
    r.prefix_resources = {{"AWS::S3::Object", "arn:aws:s3:::app-logs/2026/"}};
    r.resources = {{"AWS::S3::Bucket", "arn:aws:s3:::app-logs"}};
    m["s3_list_logs"] = r;
  }
  {
    Rec r;
    r.category = "Data";
    r.management_event = false;
    r.source = "s3.amazonaws.com";
    r.name = "HeadBucket";
    r.read_only = true;
    r.resources = {{"AWS::S3::Bucket", "arn:aws:s3:::app-logs"}};
    m["s3_headbucket_logs"] = r;
  }
  {
    Rec r = Management("s3.amazonaws.com", "PutBucketPolicy", false);
    r.resources = {{"AWS::S3::Bucket", "arn:aws:s3:::app-logs"}};
    m["s3_put_bucket_policy"] = r;  // management, bucket-level
  }
  m["lambda_invoke"] = LambdaInvoke(kFn);
  m["lambda_invoke2"] = LambdaInvoke(kFn2);
  m["lambda_invoke_alias"] = LambdaInvoke(std::string(kFn) + ":prod");
  {
    Rec r;
    r.category = "Data";
    r.management_event = false;
    r.source = "dynamodb.amazonaws.com";
    r.name = "GetItem";
    r.read_only = true;
    r.resources = {{"AWS::DynamoDB::Table", kDdbTable}};
    m["ddb_getitem"] = r;
  }
  {
    Rec r;
    r.category = "Data";
    r.management_event = false;
    r.source = "sns.amazonaws.com";
    r.name = "Publish";
    r.read_only = false;
    r.resources = {{"AWS::SNS::Topic", "arn:aws:sns:us-east-1:111122223333:alerts"}};
    m["sns_publish"] = r;
  }
  {
    Rec r = S3Object("PutObject", "audit-logs", "AWSLogs/x.json.gz", false);
    r.type = "AwsServiceEvent";
    m["s3_put_service_event"] = r;
  }
  {
    Rec r;
    r.category = "NetworkActivity";
    r.management_event.reset();
    r.source = "ec2.amazonaws.com";
    r.name = "DescribeInstances";
    r.read_only = true;
    r.error_code = "VpceAccessDenied";
    r.vpce = "vpce-0123456789abcdef0";
    r.type = "AwsVpceEvent";
    m["vpce_ec2_denied"] = r;
  }
  {
    Rec r = m["vpce_ec2_denied"];
    r.error_code = "";
    m["vpce_ec2_ok"] = r;
  }
  {
    Rec r = m["vpce_ec2_denied"];
    r.source = "kms.amazonaws.com";
    m["vpce_kms_denied"] = r;
  }
  return m;
}

std::map<std::string, std::pair<bool, std::string>> Selectors() {
  // name → (advanced?, list)
  std::map<std::string, std::pair<bool, std::string>> m;
  auto b = [&](const char* n, const char* s) { m[n] = {false, s}; };
  auto a = [&](const char* n, const char* s) { m[n] = {true, s}; };
  b("default", R"([{"ReadWriteType":"All","IncludeManagementEvents":true}])");
  b("read_only", R"([{"ReadWriteType":"ReadOnly"}])");
  b("write_only", R"([{"ReadWriteType":"WriteOnly"}])");
  b("no_kms", R"([{"ExcludeManagementEventSources":["kms.amazonaws.com"]}])");
  b("no_kms_rds", R"([{"ExcludeManagementEventSources":["kms.amazonaws.com","rdsdata.amazonaws.com"]}])");
  b("s3_all_only", R"([{"IncludeManagementEvents":false,"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3"]}]}])");
  b("s3_logs_bucket", R"([{"IncludeManagementEvents":false,"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::app-logs/"]}]}])");
  b("s3_prefix", R"([{"IncludeManagementEvents":false,"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::mybucket/prefix"]}]}])");
  b("s3_prefix_slash", R"([{"IncludeManagementEvents":false,"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::mybucket/prefix/"]}]}])");
  b("s3_logs_read", R"([{"ReadWriteType":"ReadOnly","IncludeManagementEvents":false,"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::app-logs/"]}]}])");
  // selectors.md §6 first example (basic form).
  b("example_basic", R"([{"ReadWriteType":"All","IncludeManagementEvents":true,"ExcludeManagementEventSources":["kms.amazonaws.com"],"DataResources":[]},
    {"ReadWriteType":"WriteOnly","IncludeManagementEvents":false,"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::mybucket/prefix"]}]}])");
  b("lambda_all", R"([{"IncludeManagementEvents":false,"DataResources":[{"Type":"AWS::Lambda::Function","Values":["arn:aws:lambda"]}]}])");
  b("lambda_fn", R"([{"IncludeManagementEvents":false,"DataResources":[{"Type":"AWS::Lambda::Function","Values":["arn:aws:lambda:us-west-2:111111111111:function:helloworld"]}]}])");
  b("ddb_table", R"([{"IncludeManagementEvents":false,"DataResources":[{"Type":"AWS::DynamoDB::Table","Values":["arn:aws:dynamodb:us-east-1:111122223333:table/orders"]}]}])");
  b("ddb_all_write", R"([{"ReadWriteType":"WriteOnly","IncludeManagementEvents":false,"DataResources":[{"Type":"AWS::DynamoDB::Table","Values":["arn:aws:dynamodb"]}]}])");
  b("mgmt_and_s3_all", R"([{"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3"]}]}])");

  a("adv_mgmt", R"([{"Name":"Management events selector","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]}])");
  a("adv_mgmt_read", R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"readOnly","Equals":["true"]}]}])");
  a("adv_mgmt_write", R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"readOnly","Equals":["false"]}]}])");
  a("adv_mgmt_no_kms", R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"eventSource","NotEquals":["kms.amazonaws.com"]}]}])");
  // selectors.md §6 second example (advanced form).
  a("example_adv", R"([{"Name":"mgmt","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"eventSource","NotEquals":["kms.amazonaws.com"]}]},
    {"Name":"s3 writes","FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"readOnly","Equals":["false"]},{"Field":"resources.ARN","StartsWith":["arn:aws:s3:::mybucket/prefix"]}]}])");
  // selectors.md §6 third example.
  a("example_puts", R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"eventName","Equals":["PutObject","DeleteObject"]},{"Field":"resources.ARN","NotStartsWith":["arn:aws:s3:::sample_bucket_name/"]}]},
    {"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::Lambda::Function"]},{"Field":"resources.ARN","Equals":["arn:aws:lambda:us-west-2:111111111111:function:helloworld"]}]}])");
  a("adv_s3_all", R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]}]}])");
  a("adv_s3_logs", R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"resources.ARN","StartsWith":["arn:aws:s3:::app-logs/"]}]}])");
  a("adv_s3_logs_no_ci", R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"resources.ARN","StartsWith":["arn:aws:s3:::app-logs/"],"NotStartsWith":["arn:aws:s3:::app-logs/ci/"]}]}])");
  a("adv_s3_endswith_log", R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"resources.ARN","EndsWith":[".log"]}]}])");
  a("adv_s3_not_endswith_log", R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"resources.ARN","NotEndsWith":[".log"]}]}])");
  a("adv_s3_console", R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"sessionCredentialFromConsole","Equals":["true"]}]}])");
  a("adv_s3_not_console", R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"sessionCredentialFromConsole","NotEquals":["true"]}]}])");
  a("adv_s3_human", R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"userIdentity.arn","StartsWith":["arn:aws:sts::111122223333:assumed-role/HumanRole/"]}]}])");
  a("adv_s3_no_service_events", R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"eventType","NotEquals":["AwsServiceEvent"]}]}])");
  a("adv_s3_name_starts_get", R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"eventName","StartsWith":["Get"]},{"Field":"eventSource","Equals":["s3.amazonaws.com"]}]}])");
  a("adv_lambda_all", R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::Lambda::Function"]}]}])");
  a("adv_sns", R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::SNS::Topic"]}]}])");
  a("adv_vpce_ec2_denied", R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["NetworkActivity"]},{"Field":"eventSource","Equals":["ec2.amazonaws.com"]},{"Field":"errorCode","Equals":["VpceAccessDenied"]}]}])");
  a("adv_vpce_ec2_endpoint", R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["NetworkActivity"]},{"Field":"eventSource","Equals":["ec2.amazonaws.com"]},{"Field":"vpcEndpointId","NotEquals":["vpce-0123456789abcdef0"]}]}])");
  a("adv_empty", R"([])");
  return m;
}

struct Row {
  const char* record;
  const char* selectors;
  bool expected;
};

// The decision table: every basic and advanced matching rule of selectors.md §3.3 / §4.4.
const Row kTable[] = {
    // Default: all management events, no data, no network activity, never Insights.
    {"ec2_describe", "default", true},
    {"ct_create_trail", "default", true},
    {"kms_decrypt", "default", true},
    {"ct_stop_failed", "default", true},
    {"kms_service_event", "default", true},
    {"console_login_no_readonly", "default", true},
    {"old_mgmt_read", "default", true},
    {"s3_put_bucket_policy", "default", true},
    {"s3_get_logs", "default", false},
    {"lambda_invoke", "default", false},
    {"vpce_ec2_denied", "default", false},
    // ReadWriteType on management events.
    {"ec2_describe", "read_only", true},
    {"ct_create_trail", "read_only", false},
    {"kms_decrypt", "read_only", true},
    {"ec2_describe", "write_only", false},
    {"ct_create_trail", "write_only", true},
    {"kms_decrypt", "write_only", false},
    {"kms_disable_key", "write_only", true},
    {"console_login_no_readonly", "read_only", false},
    {"console_login_no_readonly", "write_only", false},
    {"old_mgmt_read", "read_only", true},
    // ExcludeManagementEventSources.
    {"kms_decrypt", "no_kms", false},
    {"kms_disable_key", "no_kms", false},
    {"kms_service_event", "no_kms", false},
    {"ec2_describe", "no_kms", true},
    {"rdsdata_exec", "no_kms", true},
    {"rdsdata_exec", "no_kms_rds", false},
    {"ct_create_trail", "no_kms_rds", true},
    // Basic S3 values.
    {"s3_get_logs", "s3_all_only", true},
    {"s3_put_other", "s3_all_only", true},
    {"s3_list_logs", "s3_all_only", true},
    {"s3_headbucket_logs", "s3_all_only", true},
    {"ec2_describe", "s3_all_only", false},
    {"s3_put_bucket_policy", "s3_all_only", false},
    {"lambda_invoke", "s3_all_only", false},
    {"s3_get_logs", "s3_logs_bucket", true},
    {"s3_put_logs", "s3_logs_bucket", true},
    {"s3_put_other", "s3_logs_bucket", false},
    {"s3_put_logsbucket2", "s3_logs_bucket", false},
    {"s3_list_logs", "s3_logs_bucket", true},
    {"s3_headbucket_logs", "s3_logs_bucket", true},
    {"s3_put_prefix", "s3_prefix", true},
    {"s3_put_prefixes", "s3_prefix", true},  // plain string prefix, no '/' boundary
    {"s3_put_mybucket_root", "s3_prefix", false},
    {"s3_headbucket_logs", "s3_prefix", false},
    {"s3_put_prefix", "s3_prefix_slash", true},
    {"s3_put_prefixes", "s3_prefix_slash", false},
    {"s3_get_logs", "s3_logs_read", true},
    {"s3_put_logs", "s3_logs_read", false},
    {"ec2_describe", "s3_logs_read", false},
    {"s3_put_service_event", "mgmt_and_s3_all", true},
    {"ec2_describe", "mgmt_and_s3_all", true},
    // Two basic selectors, OR across them (selectors.md §6 example).
    {"ec2_describe", "example_basic", true},
    {"kms_decrypt", "example_basic", false},
    {"s3_put_prefix", "example_basic", true},
    {"s3_get_prefix", "example_basic", false},  // second selector is WriteOnly
    {"s3_put_other", "example_basic", false},
    // Lambda and DynamoDB.
    {"lambda_invoke", "lambda_all", true},
    {"lambda_invoke2", "lambda_all", true},
    {"lambda_invoke", "lambda_fn", true},
    {"lambda_invoke2", "lambda_fn", false},  // exact: helloworld ≠ helloworld2
    {"lambda_invoke_alias", "lambda_fn", true},
    {"s3_get_logs", "lambda_fn", false},
    {"ddb_getitem", "ddb_table", true},
    {"ddb_getitem", "ddb_all_write", false},  // GetItem is a read
    {"ddb_getitem", "lambda_all", false},
    {"sns_publish", "s3_all_only", false},  // basic selectors cannot select SNS
    {"vpce_ec2_denied", "mgmt_and_s3_all", false},
    // Advanced: management.
    {"ec2_describe", "adv_mgmt", true},
    {"kms_decrypt", "adv_mgmt", true},
    {"s3_get_logs", "adv_mgmt", false},
    {"vpce_ec2_denied", "adv_mgmt", false},
    {"old_mgmt_read", "adv_mgmt", true},
    {"ec2_describe", "adv_mgmt_read", true},
    {"ct_create_trail", "adv_mgmt_read", false},
    {"ct_create_trail", "adv_mgmt_write", true},
    {"console_login_no_readonly", "adv_mgmt_write", false},
    {"console_login_no_readonly", "adv_mgmt", true},
    {"kms_decrypt", "adv_mgmt_no_kms", false},
    {"rdsdata_exec", "adv_mgmt_no_kms", true},
    {"kms_decrypt", "example_adv", false},
    {"ct_create_trail", "example_adv", true},
    {"s3_put_prefix", "example_adv", true},
    {"s3_get_prefix", "example_adv", false},
    {"s3_put_other", "example_adv", false},
    // Advanced: data.
    {"s3_put_other", "example_puts", true},
    {"s3_put_logs", "example_puts", true},
    {"s3_get_logs", "example_puts", false},       // eventName not Put/Delete
    {"s3_delete_sample", "example_puts", false},  // excluded bucket
    {"lambda_invoke", "example_puts", true},
    {"lambda_invoke2", "example_puts", false},
    {"ec2_describe", "example_puts", false},
    {"s3_get_logs", "adv_s3_all", true},
    {"s3_list_logs", "adv_s3_all", true},
    {"s3_headbucket_logs", "adv_s3_all", true},
    {"lambda_invoke", "adv_s3_all", false},
    {"s3_put_bucket_policy", "adv_s3_all", false},
    {"s3_get_logs", "adv_s3_logs", true},
    {"s3_put_logsbucket2", "adv_s3_logs", false},
    {"s3_headbucket_logs", "adv_s3_logs", true},
    {"s3_list_logs", "adv_s3_logs", true},
    {"s3_get_logs", "adv_s3_logs_no_ci", true},  // several operators on one field: AND
    {"s3_get_ci", "adv_s3_logs_no_ci", false},
    {"s3_get_logs", "adv_s3_endswith_log", true},
    {"s3_put_other", "adv_s3_endswith_log", false},
    {"s3_get_logs", "adv_s3_not_endswith_log", false},  // the bucket resource is not of the type
    {"s3_put_other", "adv_s3_not_endswith_log", true},
    {"s3_get_console", "adv_s3_console", true},
    {"s3_get_logs", "adv_s3_console", false},
    {"s3_get_console", "adv_s3_not_console", false},
    {"s3_get_logs", "adv_s3_not_console", true},
    {"s3_get_console", "adv_s3_human", true},
    {"s3_get_ci", "adv_s3_human", false},
    {"s3_put_service_event", "adv_s3_no_service_events", false},
    {"s3_put_logs", "adv_s3_no_service_events", true},
    {"s3_get_logs", "adv_s3_name_starts_get", true},
    {"s3_put_logs", "adv_s3_name_starts_get", false},
    {"lambda_invoke_alias", "adv_lambda_all", true},
    {"ddb_getitem", "adv_lambda_all", false},
    {"sns_publish", "adv_sns", true},
    {"s3_put_logs", "adv_sns", false},
    // Advanced: network activity.
    {"vpce_ec2_denied", "adv_vpce_ec2_denied", true},
    {"vpce_ec2_ok", "adv_vpce_ec2_denied", false},  // no errorCode: positive operator fails
    {"vpce_kms_denied", "adv_vpce_ec2_denied", false},
    {"ec2_describe", "adv_vpce_ec2_denied", false},
    {"vpce_ec2_ok", "adv_vpce_ec2_endpoint", false},
    // Empty advanced list logs nothing.
    {"ec2_describe", "adv_empty", false},
    {"s3_get_logs", "adv_empty", false},
};

TEST(SelectorMatchTable, EveryRow) {
  auto records = Records();
  auto selectors = Selectors();
  std::map<std::string, SelectorSet> parsed;
  for (auto& [name, spec] : selectors) {
    auto r = spec.first ? Advanced(spec.second) : Basic(spec.second);
    ASSERT_TRUE(r.ok()) << name << ": " << r.status().ToString();
    parsed.emplace(name, std::move(r).value());
  }
  size_t rows = 0;
  for (const Row& row : kTable) {
    ASSERT_TRUE(records.count(row.record)) << row.record;
    ASSERT_TRUE(parsed.count(row.selectors)) << row.selectors;
    RecordFacts f = Facts(records[row.record]);
    EXPECT_EQ(parsed.at(row.selectors).Matches(f), row.expected)
        << "record " << row.record << " × selectors " << row.selectors;
    ++rows;
  }
  EXPECT_GE(rows, 40u);
}

TEST(SelectorMatchTable, InsightRecordsNeverMatch) {
  std::string insight = R"({"eventVersion":"1.08","eventTime":"2026-11-24T10:15:00Z","awsRegion":"us-east-1",
    "eventID":"a","eventType":"AwsCloudTrailInsight","recipientAccountId":"111122223333","sharedEventID":"b",
    "eventCategory":"Insight","insightDetails":{"state":"Start","eventSource":"ec2.amazonaws.com",
    "eventName":"RunInstances","insightType":"ApiCallRateInsight"}})";
  std::string old_insight = R"({"eventType":"AwsCloudTrailInsight","insightDetails":{}})";
  for (auto* text : {&insight, &old_insight}) {
    RecordFacts f;
    ASSERT_TRUE(ExtractFacts(*text, &f));
    EXPECT_EQ(f.event_category, "Insight");
    EXPECT_FALSE(SelectorSet::Default().Matches(f));
    for (auto& [name, spec] : Selectors()) {
      auto r = spec.first ? Advanced(spec.second) : Basic(spec.second);
      ASSERT_TRUE(r.ok());
      EXPECT_FALSE(r->Matches(f)) << name;
    }
  }
}

// ---- record facts -----------------------------------------------------------------------------

TEST(SelectorFacts, ReadsEveryField) {
  Rec r = S3Object("GetObject", "app-logs", "a/b.txt", true);
  r.console = true;
  r.error_code = "AccessDenied";
  r.vpce = "vpce-1";
  r.user_arn = "arn:aws:sts::111122223333:assumed-role/HumanRole/alice";
  RecordFacts f = Facts(r);
  EXPECT_EQ(f.event_category, "Data");
  EXPECT_TRUE(f.has_read_only);
  EXPECT_TRUE(f.read_only);
  EXPECT_EQ(f.event_source, "s3.amazonaws.com");
  EXPECT_EQ(f.event_name, "GetObject");
  EXPECT_EQ(f.event_type, "AwsApiCall");
  ASSERT_EQ(f.resources.size(), 2u);
  EXPECT_EQ(f.resources[0].type, "AWS::S3::Object");
  EXPECT_EQ(f.resources[0].arn, "arn:aws:s3:::app-logs/a/b.txt");
  EXPECT_EQ(f.resources[1].type, "AWS::S3::Bucket");
  EXPECT_EQ(f.resources[1].arn, "arn:aws:s3:::app-logs");
  EXPECT_EQ(f.user_identity_arn, "arn:aws:sts::111122223333:assumed-role/HumanRole/alice");
  EXPECT_EQ(f.error_code, "AccessDenied");
  EXPECT_TRUE(f.session_credential_from_console);
  EXPECT_EQ(f.vpc_endpoint_id, "vpce-1");
}

TEST(SelectorFacts, ReusedFactsAreReset) {
  RecordFacts f;
  Rec a = S3Object("GetObject", "app-logs", "a", true);
  a.console = true;
  a.error_code = "AccessDenied";
  a.vpce = "vpce-1";
  ASSERT_TRUE(ExtractFacts(a.Json(), &f));
  Rec b = Management("ec2.amazonaws.com", "RunInstances", false);
  b.read_only.reset();
  b.user_arn = "";
  ASSERT_TRUE(ExtractFacts(b.Json(), &f));
  EXPECT_EQ(f.event_category, "Management");
  EXPECT_FALSE(f.has_read_only);
  EXPECT_FALSE(f.read_only);
  EXPECT_TRUE(f.resources.empty());
  EXPECT_TRUE(f.error_code.empty());
  EXPECT_TRUE(f.vpc_endpoint_id.empty());
  EXPECT_TRUE(f.user_identity_arn.empty());
  EXPECT_FALSE(f.session_credential_from_console);
}

TEST(SelectorFacts, CategoryFallbacksAndBadInput) {
  RecordFacts f;
  ASSERT_TRUE(ExtractFacts(R"({"managementEvent":true,"eventSource":"iam.amazonaws.com"})", &f));
  EXPECT_EQ(f.event_category, "Management");
  ASSERT_TRUE(ExtractFacts(R"({"managementEvent":false,"eventSource":"s3.amazonaws.com"})", &f));
  EXPECT_EQ(f.event_category, "Data");
  ASSERT_TRUE(ExtractFacts(R"({"eventType":"AwsConsoleSignIn"})", &f));
  EXPECT_EQ(f.event_category, "Management");
  ASSERT_TRUE(ExtractFacts(R"({"eventCategory":"NetworkActivity","managementEvent":true})", &f));
  EXPECT_EQ(f.event_category, "NetworkActivity");  // an explicit category wins
  ASSERT_TRUE(ExtractFacts(R"({"sessionCredentialFromConsole":"false","readOnly":"true"})", &f));
  EXPECT_FALSE(f.session_credential_from_console);
  EXPECT_TRUE(f.has_read_only && f.read_only);
  ASSERT_TRUE(ExtractFacts(R"({"resources":[{"type":"AWS::S3::Object","ARNPrefix":"arn:aws:s3:::b/p/"},"junk"],"errorCode":null})", &f));
  ASSERT_EQ(f.resources.size(), 1u);
  EXPECT_EQ(f.resources[0].arn, "arn:aws:s3:::b/p/");
  EXPECT_TRUE(f.error_code.empty());
  EXPECT_FALSE(ExtractFacts("[1,2]", &f));
  EXPECT_FALSE(ExtractFacts("{not json", &f));
  EXPECT_FALSE(ExtractFacts("", &f));
}

// ---- validation -------------------------------------------------------------------------------

struct BadCase {
  const char* name;
  const char* event_selectors;     // nullptr = absent
  const char* advanced_selectors;  // nullptr = absent
  const char* message_part;
};

const BadCase kBad[] = {
    // #1 both / neither.
    {"both", R"([{"ReadWriteType":"All"}])", R"([])", "not both"},
    {"neither", nullptr, nullptr, "Specify either EventSelectors or AdvancedEventSelectors"},
    {"neither_nulls", "null", "null", "Specify either"},
    // #2 count and JSON types.
    {"empty_basic", "[]", nullptr, "between 1 and 5"},
    {"six_basic", R"([{},{},{},{},{},{}])", nullptr, "between 1 and 5 event selectors; got 6"},
    {"basic_not_list", R"({"ReadWriteType":"All"})", nullptr, "EventSelectors must be a list"},
    {"basic_entry_not_object", R"(["All"])", nullptr, "EventSelectors[0] must be a structure"},
    // #3 ReadWriteType.
    {"rw_bad", R"([{"ReadWriteType":"read-only"}])", nullptr, "Value read-only for ReadWriteType is invalid"},
    {"rw_not_string", R"([{"ReadWriteType":1}])", nullptr, "ReadWriteType in EventSelectors[0] must be a string"},
    {"ime_not_bool", R"([{"IncludeManagementEvents":"true"}])", nullptr, "IncludeManagementEvents in EventSelectors[0] must be a boolean"},
    // #4
    {"no_mgmt_no_data", R"([{"IncludeManagementEvents":false}])", nullptr,
     "Invalid combination of parameters in EventSelectors. When includeManagementEvents is false, DataResources must not be empty."},
    {"no_mgmt_empty_data", R"([{"ReadWriteType":"All"},{"IncludeManagementEvents":false,"DataResources":[]}])", nullptr,
     "When includeManagementEvents is false, DataResources must not be empty."},
    // #5 basic types.
    {"sns_basic", R"([{"DataResources":[{"Type":"AWS::SNS::Topic","Values":["arn:aws:sns:us-east-1:111122223333:t"]}]}])", nullptr,
     "Value AWS::SNS::Topic for DataResources.Type is invalid"},
    {"type_missing", R"([{"DataResources":[{"Values":["arn:aws:s3"]}]}])", nullptr, "DataResources.Type is required"},
    {"type_not_string", R"([{"DataResources":[{"Type":5,"Values":["arn:aws:s3"]}]}])", nullptr, "DataResources.Type in EventSelectors[0] must be a string"},
    {"dr_not_list", R"([{"DataResources":{"Type":"AWS::S3::Object"}}])", nullptr, "DataResources in EventSelectors[0] must be a list"},
    {"dr_entry_not_object", R"([{"DataResources":["arn:aws:s3"]}])", nullptr, "must be a structure"},
    // #6
    {"values_empty", R"([{"DataResources":[{"Type":"AWS::S3::Object","Values":[]}]}])", nullptr, "must not be empty"},
    {"values_missing", R"([{"DataResources":[{"Type":"AWS::S3::Object"}]}])", nullptr, "must not be empty"},
    {"values_not_strings", R"([{"DataResources":[{"Type":"AWS::S3::Object","Values":[1]}]}])", nullptr, "must be a list of strings"},
    // #8 S3 values.
    {"s3_no_slash", R"([{"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::data-bucket"]}]}])", nullptr,
     "Value arn:aws:s3:::data-bucket for DataResources.Values is invalid."},
    {"s3_trailing_colons", R"([{"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::"]}]}])", nullptr,
     "Value arn:aws:s3::: for DataResources.Values is invalid."},
    {"s3_star", R"([{"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::*"]}]}])", nullptr,
     "Value arn:aws:s3:::* for DataResources.Values is invalid."},
    {"s3_wild_bucket", R"([{"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::cg-*/*"]}]}])", nullptr,
     "Value arn:aws:s3:::cg-*/* for DataResources.Values is invalid."},
    {"s3_wrong_service", R"([{"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:lambda"]}]}])", nullptr,
     "Value arn:aws:lambda for DataResources.Values is invalid."},
    {"s3_wrong_partition", R"([{"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws-cn:s3:::b/"]}]}])", nullptr,
     "for DataResources.Values is invalid."},
    {"s3_region_in_arn", R"([{"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:us-east-1::b/"]}]}])", nullptr,
     "for DataResources.Values is invalid."},
    {"s3_all_with_colon", R"([{"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:"]}]}])", nullptr,
     "for DataResources.Values is invalid."},
    // #9 Lambda values.
    {"lambda_star", R"([{"DataResources":[{"Type":"AWS::Lambda::Function","Values":["arn:aws:lambda:*"]}]}])", nullptr,
     "Value arn:aws:lambda:* for DataResources.Values is invalid."},
    {"lambda_no_function", R"([{"DataResources":[{"Type":"AWS::Lambda::Function","Values":["arn:aws:lambda:us-east-1:123456789012:myfn"]}]}])", nullptr,
     "Value arn:aws:lambda:us-east-1:123456789012:myfn for DataResources.Values is invalid."},
    {"lambda_bad_account", R"([{"DataResources":[{"Type":"AWS::Lambda::Function","Values":["arn:aws:lambda:us-east-1:12345:function:f"]}]}])", nullptr,
     "for DataResources.Values is invalid."},
    {"ddb_bad", R"([{"DataResources":[{"Type":"AWS::DynamoDB::Table","Values":["arn:aws:dynamodb:us-east-1:111122223333:orders"]}]}])", nullptr,
     "for DataResources.Values is invalid."},
    // #10
    {"exclude_s3", R"([{"ExcludeManagementEventSources":["s3.amazonaws.com"]}])", nullptr,
     "Value s3.amazonaws.com for ExcludeManagementEventSources is invalid"},
    {"exclude_not_list", R"([{"ExcludeManagementEventSources":"kms.amazonaws.com"}])", nullptr,
     "ExcludeManagementEventSources in EventSelectors[0] must be a list of strings"},
    // Advanced structure (#11, #19).
    {"adv_not_list", nullptr, R"({"FieldSelectors":[]})", "AdvancedEventSelectors must be a list"},
    {"adv_entry_not_object", nullptr, R"([1])", "AdvancedEventSelectors[0] must be a structure"},
    {"adv_no_field_selectors", nullptr, R"([{"Name":"x"}])", "FieldSelectors is required"},
    {"adv_empty_field_selectors", nullptr, R"([{"FieldSelectors":[]}])", "FieldSelectors in AdvancedEventSelectors[0] must not be empty"},
    {"adv_field_selectors_not_list", nullptr, R"([{"FieldSelectors":{"Field":"eventCategory"}}])", "must be a list"},
    {"adv_no_operator", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"eventName"}]}])",
     "Field selector eventName in AdvancedEventSelectors[0] must specify at least one operator"},
    {"adv_no_field", nullptr, R"([{"FieldSelectors":[{"Equals":["Management"]}]}])", "Field is required"},
    {"adv_field_not_string", nullptr, R"([{"FieldSelectors":[{"Field":["eventCategory"],"Equals":["Management"]}]}])", "Field in AdvancedEventSelectors[0] must be a string"},
    {"adv_field_pattern", nullptr, R"([{"FieldSelectors":[{"Field":"event Category","Equals":["Management"]}]}])", "for Field in AdvancedEventSelectors[0] is invalid"},
    {"adv_empty_operator", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":[]}]}])", "Equals of field eventCategory in AdvancedEventSelectors[0] must not be empty"},
    {"adv_empty_value", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"eventName","Equals":[""]}]}])", "must not contain an empty value"},
    {"adv_operator_not_list", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":"Management"}]}])", "must be a list of strings"},
    {"adv_value_not_string", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":[true]}]}])", "must be a list of strings"},
    {"adv_name_not_string", nullptr, R"([{"Name":7,"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]}])", "Name in AdvancedEventSelectors[0] must be a string"},
    // #12 eventCategory.
    {"adv_no_category", nullptr, R"([{"FieldSelectors":[{"Field":"readOnly","Equals":["true"]}]}])", "must contain an eventCategory field selector"},
    {"adv_category_insight", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Insight"]}]}])", "valid only for event data stores"},
    {"adv_category_config", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["ConfigurationItem"]}]}])", "valid only for event data stores"},
    {"adv_category_unknown", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Everything"]}]}])", "Value Everything for eventCategory"},
    {"adv_category_two_values", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management","Data"]}]}])", "supports only the Equals operator with exactly one value"},
    {"adv_category_not_equals", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","NotEquals":["Data"]}]}])", "supports only the Equals operator"},
    {"adv_category_extra_op", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"],"StartsWith":["M"]}]}])", "supports only the Equals operator"},
    // #13 fields.
    {"adv_unknown_field", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"awsRegion","Equals":["us-east-1"]}]}])", "Field awsRegion in AdvancedEventSelectors[0] is not supported"},
    {"adv_mgmt_event_name", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"eventName","Equals":["CreateTrail"]}]}])", "eventName in AdvancedEventSelectors[0] is not allowed in a selector whose eventCategory is Management"},
    {"adv_mgmt_resources_arn", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"resources.ARN","StartsWith":["arn:aws:s3:::b/"]}]}])", "resources.ARN in AdvancedEventSelectors[0] is not allowed"},
    {"adv_mgmt_user_arn", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"userIdentity.arn","EndsWith":["x"]}]}])", "is not allowed"},
    {"adv_mgmt_console", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"sessionCredentialFromConsole","Equals":["true"]}]}])", "is not allowed"},
    {"adv_mgmt_event_type", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"eventType","Equals":["AwsApiCall"]}]}])", "is not allowed"},
    {"adv_data_error_code", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"errorCode","Equals":["VpceAccessDenied"]}]}])", "errorCode in AdvancedEventSelectors[0] is not allowed"},
    {"adv_data_vpce", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"vpcEndpointId","Equals":["vpce-1"]}]}])", "is not allowed"},
    {"adv_net_readonly", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["NetworkActivity"]},{"Field":"eventSource","Equals":["ec2.amazonaws.com"]},{"Field":"readOnly","Equals":["true"]}]}])", "is not allowed"},
    {"adv_net_resources_type", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["NetworkActivity"]},{"Field":"eventSource","Equals":["ec2.amazonaws.com"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]}]}])", "is not allowed"},
    // #14
    {"adv_readonly_not_equals", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"readOnly","NotEquals":["true"]}]}])", "Field readOnly in AdvancedEventSelectors[0] supports only the Equals operator"},
    {"adv_readonly_two", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"readOnly","Equals":["true","false"]}]}])", "exactly one value"},
    {"adv_readonly_bad", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"readOnly","Equals":["yes"]}]}])", "Value yes for readOnly"},
    {"adv_rtype_starts", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","StartsWith":["AWS::S3"]}]}])", "Field resources.type in AdvancedEventSelectors[0] supports only the Equals operator"},
    {"adv_rtype_two", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object","AWS::Lambda::Function"]}]}])", "exactly one value"},
    // #15
    {"adv_data_no_rtype", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"eventName","Equals":["PutObject"]}]}])", "must contain a resources.type field selector"},
    {"adv_data_arn_no_rtype", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.ARN","StartsWith":["arn:aws:s3:::b/"]}]}])", "must contain a resources.type field selector"},
    {"adv_rtype_bucket", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Bucket"]}]}])", "Value AWS::S3::Bucket for resources.type"},
    {"adv_rtype_twice", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]}]}])", "appears more than once"},
    // #16
    {"adv_arn_wrong_type", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::Lambda::Function"]},{"Field":"resources.ARN","Equals":["arn:aws:s3:::b/"]}]}])", "Value arn:aws:s3:::b/ for resources.ARN in AdvancedEventSelectors[0] is invalid"},
    {"adv_arn_s3_object_equals", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"resources.ARN","Equals":["arn:aws:s3:::b"]}]}])", "for resources.ARN"},
    {"adv_arn_s3_not_equals", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"resources.ARN","NotEquals":["b/"]}]}])", "for resources.ARN"},
    {"adv_arn_table", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::DynamoDB::Table"]},{"Field":"resources.ARN","Equals":["arn:aws:dynamodb:us-east-1:111122223333:orders"]}]}])", "for resources.ARN"},
    {"adv_arn_sns", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::SNS::Topic"]},{"Field":"resources.ARN","Equals":["arn:aws:sqs:us-east-1:111122223333:q"]}]}])", "for resources.ARN"},
    // #17
    {"adv_mgmt_source_equals", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"eventSource","Equals":["ec2.amazonaws.com"]}]}])", "supports only NotEquals"},
    {"adv_mgmt_source_other", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"eventSource","NotEquals":["s3.amazonaws.com"]}]}])", "Value s3.amazonaws.com for eventSource"},
    // #18
    {"adv_net_no_source", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["NetworkActivity"]},{"Field":"errorCode","Equals":["VpceAccessDenied"]}]}])", "must contain an eventSource field selector"},
    {"adv_net_source_starts", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["NetworkActivity"]},{"Field":"eventSource","StartsWith":["ec2"]}]}])", "supports only the Equals operator"},
    {"adv_net_source_bad", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["NetworkActivity"]},{"Field":"eventSource","Equals":["ec2"]}]}])", "Value ec2 for eventSource"},
    {"adv_net_error_other", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["NetworkActivity"]},{"Field":"eventSource","Equals":["ec2.amazonaws.com"]},{"Field":"errorCode","Equals":["AccessDenied"]}]}])", "Value AccessDenied for errorCode"},
    {"adv_net_error_not_equals", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["NetworkActivity"]},{"Field":"eventSource","Equals":["ec2.amazonaws.com"]},{"Field":"errorCode","NotEquals":["VpceAccessDenied"]}]}])", "supports only the Equals operator"},
    // sessionCredentialFromConsole.
    {"adv_console_starts", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"sessionCredentialFromConsole","StartsWith":["t"]}]}])", "supports only the Equals and NotEquals"},
    {"adv_console_bad", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"sessionCredentialFromConsole","Equals":["yes"]}]}])", "Value yes for sessionCredentialFromConsole"},
    // #21
    {"adv_duplicate_field", nullptr, R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"eventName","Equals":["PutObject"]},{"Field":"eventName","Equals":["GetObject"]}]}])", "Field eventName appears more than once in AdvancedEventSelectors[0]"},
};

TEST(SelectorValidation, EveryRuleIsRejected) {
  for (const BadCase& c : kBad) {
    std::optional<json::value> es, aes;
    if (c.event_selectors) es = json::parse(c.event_selectors);
    if (c.advanced_selectors) aes = json::parse(c.advanced_selectors);
    auto r = SelectorSet::FromRequest(es ? &*es : nullptr, aes ? &*aes : nullptr);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), "InvalidEventSelectorsException") << c.name;
    EXPECT_EQ(r.status().http_status(), 400) << c.name;
    EXPECT_NE(r.status().message().find(c.message_part), std::string::npos)
        << c.name << ": " << r.status().message();
  }
}

TEST(SelectorValidation, LimitsOnCountsAndLengths) {
  auto bucket_values = [](int n) {
    json::array values;
    for (int i = 0; i < n; ++i) values.emplace_back("arn:aws:s3:::bucket-" + std::to_string(i) + "/");
    return values;
  };
  // #7: 250 values across selectors are fine, 251 are not; "all" counts as one.
  {
    json::array list;
    list.push_back(json::object{{"DataResources", json::array{json::object{{"Type", "AWS::S3::Object"}, {"Values", bucket_values(200)}}}}});
    list.push_back(json::object{{"DataResources", json::array{json::object{{"Type", "AWS::S3::Object"}, {"Values", bucket_values(49)}},
                                                              json::object{{"Type", "AWS::Lambda::Function"}, {"Values", json::array{"arn:aws:lambda"}}}}}});
    json::value v = list;
    EXPECT_TRUE(SelectorSet::FromRequest(&v, nullptr).ok());
    list[1].as_object()["DataResources"].as_array()[0].as_object()["Values"] = bucket_values(50);
    v = list;
    auto r = SelectorSet::FromRequest(&v, nullptr);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("must not exceed 250; got 251"), std::string::npos) << r.status().message();
  }
  // #20: 500 values in total; resources.ARN at most 250.
  auto data_selector = [](int names, int arns) {
    json::array fields;
    fields.push_back(json::object{{"Field", "eventCategory"}, {"Equals", json::array{"Data"}}});
    fields.push_back(json::object{{"Field", "resources.type"}, {"Equals", json::array{"AWS::S3::Object"}}});
    if (names) {
      json::array n;
      for (int i = 0; i < names; ++i) n.emplace_back("Name" + std::to_string(i));
      fields.push_back(json::object{{"Field", "eventName"}, {"Equals", std::move(n)}});
    }
    if (arns) {
      json::array a;
      for (int i = 0; i < arns; ++i) a.emplace_back("arn:aws:s3:::b/" + std::to_string(i));
      fields.push_back(json::object{{"Field", "resources.ARN"}, {"StartsWith", std::move(a)}});
    }
    return json::object{{"FieldSelectors", std::move(fields)}};
  };
  {
    json::value v = json::array{data_selector(248, 0), data_selector(248, 0)};  // 2 + 248 each = 500
    EXPECT_TRUE(SelectorSet::FromRequest(nullptr, &v).ok());
    v = json::array{data_selector(248, 0), data_selector(249, 0)};
    auto r = SelectorSet::FromRequest(nullptr, &v);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("at most 500 values"), std::string::npos) << r.status().message();
    v = json::array{data_selector(0, 250)};
    EXPECT_TRUE(SelectorSet::FromRequest(nullptr, &v).ok());
    v = json::array{data_selector(0, 200), data_selector(0, 51)};
    r = SelectorSet::FromRequest(nullptr, &v);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("at most 250 resources.ARN values"), std::string::npos) << r.status().message();
  }
  // #19: value ≤ 2048, Name ≤ 1000, Field ≤ 1000.
  {
    std::string ok_value(2048, 'a'), long_value(2049, 'a');
    auto with_name_value = [](const std::string& name, const std::string& value) {
      return json::value(json::array{json::object{
          {"Name", name},
          {"FieldSelectors", json::array{json::object{{"Field", "eventCategory"}, {"Equals", json::array{"Data"}}},
                                         json::object{{"Field", "resources.type"}, {"Equals", json::array{"AWS::S3::Object"}}},
                                         json::object{{"Field", "eventName"}, {"Equals", json::array{json::string(value)}}}}}}});
    };
    json::value v = with_name_value(std::string(1000, 'n'), ok_value);
    EXPECT_TRUE(SelectorSet::FromRequest(nullptr, &v).ok());
    v = with_name_value(std::string(1001, 'n'), ok_value);
    auto r = SelectorSet::FromRequest(nullptr, &v);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("at most 1000 characters"), std::string::npos);
    v = with_name_value("", long_value);
    r = SelectorSet::FromRequest(nullptr, &v);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("longer than 2048"), std::string::npos);
    json::value f = json::array{json::object{{"FieldSelectors", json::array{json::object{{"Field", std::string(1001, 'x')}, {"Equals", json::array{"v"}}}}}}};
    r = SelectorSet::FromRequest(nullptr, &f);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("for Field"), std::string::npos);
  }
}

TEST(SelectorValidation, AcceptedForms) {
  // Every value form of selectors.md §3.2 and ARN form of §4.3.
  EXPECT_TRUE(Basic(R"([{"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3","arn:aws:s3:::b-1/","arn:aws:s3:::b.2/logs/2026","arn:aws:s3:::Legacy_Bucket/x"]},
      {"Type":"AWS::Lambda::Function","Values":["arn:aws:lambda","arn:aws:lambda:us-east-1:123456789012:function:my-fn_1","arn:aws:lambda:eu-west-1:123456789012:function:f:prod","arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST"]},
      {"Type":"AWS::DynamoDB::Table","Values":["arn:aws:dynamodb","arn:aws:dynamodb:us-east-1:123456789012:table/orders.v2"]}],
      "ExcludeManagementEventSources":["kms.amazonaws.com","rdsdata.amazonaws.com"]}])").ok());
  EXPECT_TRUE(Basic(R"([{"ExcludeManagementEventSources":[]}])").ok());
  EXPECT_TRUE(Basic(R"([{},{},{},{},{}])").ok());
  EXPECT_TRUE(Advanced("[]").ok());
  const char* arns[][2] = {
      {"AWS::S3::Object", "arn:aws:s3:::b/"},
      {"AWS::S3::Object", "arn:aws:s3:::b/path/to/"},
      {"AWS::Lambda::Function", "arn:aws:lambda:us-east-1:123456789012:function:myFunction"},
      {"AWS::DynamoDB::Table", "arn:aws:dynamodb:us-east-1:123456789012:table/t1"},
      {"AWS::S3::AccessPoint", "arn:aws:s3:us-east-1:123456789012:accesspoint/my-ap"},
      {"AWS::S3::AccessPoint", "arn:aws:s3:us-east-1:123456789012:accesspoint/my-ap/object/a/b"},
      {"AWS::SNS::Topic", "arn:aws:sns:us-east-1:123456789012:alerts.fifo"},
      {"AWS::SQS::Queue", "arn:aws:sqs:us-east-1:123456789012:jobs"},
      {"AWS::CloudTrail::Channel", "arn:aws:cloudtrail:us-east-1:123456789012:channel/01234567-89ab-cdef-0123-456789abcdef"},
      {"AWS::DynamoDB::Stream", "arn:aws:dynamodb:us-east-1:123456789012:table/t1/stream/2026-11-24T10:00:00.000"},
      {"AWS::EC2::Snapshot", "arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0"},
      {"AWS::Glue::Table", "arn:aws:glue:us-east-1:123456789012:table/db/t"},
  };
  for (auto& [type, arn] : arns) {
    for (const char* op : {"Equals", "NotEquals"}) {
      json::value v = json::array{json::object{{"FieldSelectors", json::array{
          json::object{{"Field", "eventCategory"}, {"Equals", json::array{"Data"}}},
          json::object{{"Field", "resources.type"}, {"Equals", json::array{type}}},
          json::object{{"Field", "resources.ARN"}, {op, json::array{arn}}}}}}};
      auto r = SelectorSet::FromRequest(nullptr, &v);
      EXPECT_TRUE(r.ok()) << type << " " << op << " " << arn << ": " << r.status().ToString();
    }
  }
  // StartsWith/EndsWith take any prefix/suffix.
  EXPECT_TRUE(Advanced(R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::Lambda::Function"]},{"Field":"resources.ARN","StartsWith":["arn:aws:lambda:us-east-1:"],"EndsWith":["-prod"]}]}])").ok());
  // Every should-support type, and a few of the long list.
  for (const char* type : {"AWS::S3::Object", "AWS::Lambda::Function", "AWS::DynamoDB::Table", "AWS::S3::AccessPoint",
                           "AWS::SNS::Topic", "AWS::SQS::Queue", "AWS::CloudTrail::Channel", "AWS::DynamoDB::Stream",
                           "AWS::EC2::Snapshot", "AWS::Glue::Table", "AWS::S3ObjectLambda::AccessPoint",
                           "AWS::S3Outposts::Object", "AWS::ManagedBlockchain::Node", "AWS::SageMaker::FeatureGroup",
                           "AWS::Bedrock::AgentAlias", "AWS::KinesisVideo::Stream", "AWS::SNS::PlatformEndpoint",
                           "AWS::Timestream::Table"}) {
    json::value v = json::array{json::object{{"FieldSelectors", json::array{
        json::object{{"Field", "eventCategory"}, {"Equals", json::array{"Data"}}},
        json::object{{"Field", "resources.type"}, {"Equals", json::array{type}}}}}}};
    EXPECT_TRUE(SelectorSet::FromRequest(nullptr, &v).ok()) << type;
  }
  // Network activity, management exclusions, data conditions of every field.
  EXPECT_TRUE(Advanced(R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["NetworkActivity"]},{"Field":"eventSource","Equals":["secretsmanager.amazonaws.com"]},
      {"Field":"eventName","StartsWith":["Get"]},{"Field":"errorCode","Equals":["VpceAccessDenied"]},{"Field":"vpcEndpointId","NotStartsWith":["vpce-0"]},{"Field":"userIdentity.arn","NotEndsWith":["/ci"]}]},
      {"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"readOnly","Equals":["false"]},{"Field":"eventSource","NotEquals":["kms.amazonaws.com","rdsdata.amazonaws.com"]}]},
      {"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"readOnly","Equals":["true"]},{"Field":"eventSource","Equals":["s3.amazonaws.com"]},
       {"Field":"eventType","NotEquals":["AwsServiceEvent"]},{"Field":"sessionCredentialFromConsole","NotEquals":["false"]},{"Field":"userIdentity.arn","Equals":["arn:aws:iam::111122223333:user/alice"]}]}])").ok());
  // JSON null members are absent.
  EXPECT_TRUE(Basic(R"([{"ReadWriteType":null,"DataResources":null}])").ok());
  json::value es = json::parse(R"([{"ReadWriteType":"All"}])"), null_value = nullptr;
  EXPECT_TRUE(SelectorSet::FromRequest(&es, &null_value).ok());
}

// ---- normalisation, stored form, defaults -----------------------------------------------------

TEST(SelectorStorage, BasicNormalisation) {
  auto r = Basic(R"([{"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::b/z","arn:aws:s3:::a/"]}],"Unknown":1},
                     {"ReadWriteType":"WriteOnly","IncludeManagementEvents":false,"DataResources":[{"Type":"AWS::Lambda::Function","Values":["arn:aws:lambda"]}],
                      "ExcludeManagementEventSources":["rdsdata.amazonaws.com","kms.amazonaws.com"]}])");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const char* expected =
      R"({"EventSelectors":[{"ReadWriteType":"All","IncludeManagementEvents":true,"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::b/z","arn:aws:s3:::a/"]}],"ExcludeManagementEventSources":[]},)"
      R"({"ReadWriteType":"WriteOnly","IncludeManagementEvents":false,"DataResources":[{"Type":"AWS::Lambda::Function","Values":["arn:aws:lambda"]}],"ExcludeManagementEventSources":["rdsdata.amazonaws.com","kms.amazonaws.com"]}]})";
  EXPECT_EQ(Response(*r), expected);
  EXPECT_EQ(r->Serialize(), expected);
  EXPECT_FALSE(r->advanced());
  auto back = SelectorSet::Deserialize(r->Serialize());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(Response(*back), expected);
  EXPECT_EQ(back->Serialize(), r->Serialize());
  EXPECT_TRUE(back->LogsDataEvents());
}

TEST(SelectorStorage, AdvancedStoredAsGiven) {
  const char* given =
      R"([{"Name":"s3 writes","FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},)"
      R"({"Field":"resources.ARN","NotStartsWith":["arn:aws:s3:::b/tmp/"],"StartsWith":["arn:aws:s3:::b/"]},{"Field":"readOnly","Equals":["false"]}]},)"
      R"({"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]},{"Name":"","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]}])";
  auto r = Advanced(given);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->advanced());
  EXPECT_FALSE(r->IsDefault());
  std::string expected = std::string(R"({"AdvancedEventSelectors":)") + given + "}";
  EXPECT_EQ(Response(*r), expected);
  auto back = SelectorSet::Deserialize(r->Serialize());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->Serialize(), expected);
  EXPECT_TRUE(back->advanced());
  // The round-tripped set decides like the original.
  RecordFacts f = Facts(S3Object("PutObject", "b", "data/x", false));
  EXPECT_TRUE(back->Matches(f));
  f = Facts(S3Object("PutObject", "b", "tmp/x", false));
  EXPECT_FALSE(back->Matches(f));

  auto empty = Advanced("[]");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(Response(*empty), R"({"AdvancedEventSelectors":[]})");
  auto empty_back = SelectorSet::Deserialize(empty->Serialize());
  ASSERT_TRUE(empty_back.ok());
  EXPECT_TRUE(empty_back->advanced());
  EXPECT_FALSE(empty_back->IsDefault());
  EXPECT_FALSE(empty_back->Matches(Facts(Management("ec2.amazonaws.com", "RunInstances", false))));
}

TEST(SelectorStorage, DefaultAndIsDefault) {
  SelectorSet d = SelectorSet::Default();
  EXPECT_FALSE(d.advanced());
  EXPECT_TRUE(d.IsDefault());
  EXPECT_FALSE(d.LogsDataEvents());
  EXPECT_EQ(Response(d),
            R"({"EventSelectors":[{"ReadWriteType":"All","IncludeManagementEvents":true,"DataResources":[],"ExcludeManagementEventSources":[]}]})");
  auto empty = SelectorSet::Deserialize("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->IsDefault());
  EXPECT_EQ(empty->Serialize(), d.Serialize());

  // Normalises to the default → still default.
  for (const char* same : {R"([{}])", R"([{"ReadWriteType":"All"}])",
                           R"([{"ReadWriteType":"All","IncludeManagementEvents":true,"DataResources":[],"ExcludeManagementEventSources":[]}])"}) {
    auto r = Basic(same);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->IsDefault()) << same;
  }
  for (const char* custom : {R"([{"ReadWriteType":"ReadOnly"}])", R"([{},{}])",
                             R"([{"ExcludeManagementEventSources":["kms.amazonaws.com"]}])",
                             R"([{"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3"]}]}])"}) {
    auto r = Basic(custom);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->IsDefault()) << custom;
  }
  // The console's default (advanced, same coverage) is still custom in opentrail's rule.
  auto console = Advanced(R"([{"Name":"Management events selector","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]}])");
  ASSERT_TRUE(console.ok());
  EXPECT_FALSE(console->IsDefault());
}

TEST(SelectorStorage, CopyMoveAndBadStoredText) {
  auto r = Basic(R"([{"ReadWriteType":"WriteOnly"}])");
  ASSERT_TRUE(r.ok());
  SelectorSet a = *r;
  SelectorSet b;
  b = a;
  SelectorSet c = std::move(a);
  EXPECT_EQ(b.Serialize(), c.Serialize());
  RecordFacts write = Facts(Management("iam.amazonaws.com", "CreateUser", false));
  EXPECT_TRUE(b.Matches(write));
  EXPECT_TRUE(c.Matches(write));
  auto adv = Advanced(R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"readOnly","Equals":["false"]}]}])");
  ASSERT_TRUE(adv.ok());
  SelectorSet d = *adv;  // compiled indexes survive copies
  adv = Basic("[{}]");
  EXPECT_TRUE(d.Matches(write));
  EXPECT_FALSE(d.Matches(Facts(Management("iam.amazonaws.com", "ListUsers", true))));

  EXPECT_FALSE(SelectorSet::Deserialize("{oops").ok());
  EXPECT_FALSE(SelectorSet::Deserialize("[]").ok());
  EXPECT_FALSE(SelectorSet::Deserialize(R"({"EventSelectors":[]})").ok());
}

// ---- insight selectors ------------------------------------------------------------------------

TEST(InsightSelectorsTest, ValidateAndStore) {
  auto validate = [](const char* text) {
    json::value v = json::parse(text);
    return ValidateInsightSelectors(&v);
  };
  auto r = validate(R"([{"InsightType":"ApiCallRateInsight","EventCategories":["Management","Data"]},{"InsightType":"ApiErrorRateInsight","Other":1}])");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, R"([{"InsightType":"ApiCallRateInsight","EventCategories":["Management","Data"]},{"InsightType":"ApiErrorRateInsight"}])");
  EXPECT_EQ(json::serialize(InsightSelectorsFromStored(*r)), *r);

  auto off = validate("[]");
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(*off, "");
  EXPECT_TRUE(InsightSelectorsFromStored("").empty());
  EXPECT_TRUE(InsightSelectorsFromStored("garbage").empty());

  const std::pair<const char*, const char*> bad[] = {
      {R"([{"InsightType":"ApiCallRate"}])", "Value ApiCallRate for InsightType is invalid"},
      {R"([{}])", "InsightType is required"},
      {R"([{"InsightType":1}])", "must be a string"},
      {R"([{"InsightType":"ApiCallRateInsight"},{"InsightType":"ApiCallRateInsight"}])", "appears more than once"},
      {R"([{"InsightType":"ApiErrorRateInsight","EventCategories":["Insight"]}])", "Value Insight for EventCategories is invalid"},
      {R"([{"InsightType":"ApiErrorRateInsight","EventCategories":"Data"}])", "must be a list of strings"},
      {R"([{"InsightType":"ApiErrorRateInsight","EventCategories":[]}])", "must not be empty"},
      {R"([{"InsightType":"ApiErrorRateInsight","EventCategories":["Data","Data"]}])", "twice"},
      {R"({"InsightType":"ApiErrorRateInsight"})", "must be a list"},
      {R"(["ApiErrorRateInsight"])", "must be a structure"},
  };
  for (auto& [text, part] : bad) {
    auto e = validate(text);
    ASSERT_FALSE(e.ok()) << text;
    EXPECT_EQ(e.status().code(), "InvalidInsightSelectorsException");
    EXPECT_NE(e.status().message().find(part), std::string::npos) << text << ": " << e.status().message();
  }
  auto missing = ValidateInsightSelectors(nullptr);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), "InvalidInsightSelectorsException");
}

TEST(InsightSelectorsTest, Prerequisites) {
  std::string call = R"([{"InsightType":"ApiCallRateInsight"}])";
  std::string error = R"([{"InsightType":"ApiErrorRateInsight"}])";
  std::string data = R"([{"InsightType":"ApiErrorRateInsight","EventCategories":["Data"]}])";
  SelectorSet d = SelectorSet::Default();
  EXPECT_TRUE(CheckInsightPrerequisites(d, call).ok());
  EXPECT_TRUE(CheckInsightPrerequisites(d, error).ok());
  EXPECT_TRUE(CheckInsightPrerequisites(d, "").ok());
  EXPECT_EQ(CheckInsightPrerequisites(d, data).code(), "InvalidInsightSelectorsException");
  auto reads = Basic(R"([{"ReadWriteType":"ReadOnly"}])");
  EXPECT_EQ(CheckInsightPrerequisites(*reads, call).code(), "InvalidInsightSelectorsException");
  EXPECT_TRUE(CheckInsightPrerequisites(*reads, error).ok());
  auto s3 = Basic(R"([{"IncludeManagementEvents":false,"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3"]}]}])");
  EXPECT_TRUE(CheckInsightPrerequisites(*s3, data).ok());
  EXPECT_FALSE(CheckInsightPrerequisites(*s3, error).ok());
  auto adv = Advanced(R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"readOnly","Equals":["false"]},{"Field":"eventSource","NotEquals":["kms.amazonaws.com"]}]}])");
  EXPECT_TRUE(CheckInsightPrerequisites(*adv, call).ok());
}

// ---- speed ------------------------------------------------------------------------------------

TEST(SelectorSpeed, ExtractAndMatchManyRecords) {
  auto records = Records();
  std::vector<std::string> texts;
  for (auto& [n, r] : records) texts.push_back(r.Json());
  auto basic = Basic(R"([{"ExcludeManagementEventSources":["kms.amazonaws.com"]},{"ReadWriteType":"WriteOnly","IncludeManagementEvents":false,
      "DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::mybucket/prefix","arn:aws:s3:::app-logs/"]},{"Type":"AWS::Lambda::Function","Values":["arn:aws:lambda"]}]}])");
  auto adv = Advanced(R"([{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"eventSource","NotEquals":["kms.amazonaws.com"]}]},
      {"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"eventName","Equals":["PutObject","DeleteObject"]},{"Field":"resources.ARN","NotStartsWith":["arn:aws:s3:::sample_bucket_name/"]}]}])");
  ASSERT_TRUE(basic.ok() && adv.ok());
  RecordFacts f;
  size_t n = 0, matched = 0;
  auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < 5000; ++round)
    for (auto& t : texts) {
      ExtractFacts(t, &f);
      matched += basic->Matches(f) + adv->Matches(f);
      ++n;
    }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double rate = n / seconds;
  std::printf("selectors: %zu records (avg %zu bytes) extracted + matched twice in %.3f s: %.0f records/s (%zu matches)\n",
              n, texts.empty() ? 0 : [&] { size_t s = 0; for (auto& t : texts) s += t.size(); return s / texts.size(); }(),
              seconds, rate, matched);
  EXPECT_GT(rate, 50000.0);  // loose (shared cores, sanitizer builds); release runs ≈ 2M/s
}

}  // namespace
}  // namespace ot::trails
