// The trail operations of the CloudTrail service, called directly (no HTTP): trails.md §3–§6,
// selectors.md §2, insights.md §2.1–§2.2, and what each call logs.
#include <gtest/gtest.h>

#include <map>

#include "services/cloudtrail/cloudtrail_service.h"
#include "test_util.h"

namespace ot::services {
namespace {

namespace json = boost::json;

constexpr const char* kAccount = "111122223333";

class FakeChecks : public trails::DestinationChecks {
 public:
  Status bucket, kms, sns, logs;
  int bucket_calls = 0;
  std::string last_bucket, last_prefix;
  Status CheckBucket(const trails::Trail& t) override {
    ++bucket_calls;
    last_bucket = t.s3_bucket;
    last_prefix = t.s3_key_prefix;
    return bucket;
  }
  Status CheckKmsKey(const trails::Trail& t, const std::string& key_id, std::string* key_arn) override {
    if (!kms.ok()) return kms;
    *key_arn = "arn:aws:kms:us-east-1:" + t.account + ":key/checked-" + key_id;
    return Status::Ok();
  }
  Status CheckSnsTopic(const trails::Trail& t, const std::string& name, std::string* topic_arn) override {
    if (!sns.ok()) return sns;
    *topic_arn = "arn:aws:sns:" + t.home_region + ":" + t.account + ":" + name;
    return Status::Ok();
  }
  Status CheckCloudWatchLogs(const trails::Trail&, const std::string&, const std::string&) override {
    return logs;
  }
};

class FakeStatus : public trails::DeliveryStatusSource {
 public:
  std::map<std::string, trails::DeliveryStatus> by_region;
  std::string last_region;
  trails::DeliveryStatus Status(const trails::Trail&, const std::string& region) override {
    last_region = region;
    return by_region[region];
  }
};

class FakeListener : public trails::TrailListener {
 public:
  int changes = 0;
  void TrailsChanged() override { ++changes; }
};

class TrailApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kv = storage::OpenRocksDb(dir_.path() + "/db", std::vector<std::string>{trails::kTrailsFamily});
    ASSERT_TRUE(kv.ok());
    kv_ = std::move(*kv);
    store_ = std::make_unique<trails::TrailStore>(kv_.get());
    principal_.type = "Root";
    principal_.account_id = kAccount;
    other_.type = "Root";
    other_.account_id = "444455556666";
    Make(/*with_checks=*/true);
  }

  void Make(bool with_checks) {
    CloudTrailDeps deps;
    deps.trails = store_.get();
    deps.checks = with_checks ? &checks_ : nullptr;
    deps.status = &status_;
    deps.listener = &listener_;
    deps.regions = {"us-east-1", "us-west-2", "eu-west-1"};
    deps.token_secret = "secret";
    service_ = std::make_unique<CloudTrailService>(deps);
  }

  struct Outcome {
    Status status;
    json::value out;  // parsed response ({} when empty)
    json::value request_parameters;
    json::value response_elements;
  };

  Outcome Do(const std::string& op, json::object in, const std::string& region = "us-east-1",
             const auth::Principal* who = nullptr) {
    Call call;
    call.operation = op;
    call.region = region;
    call.principal = who ? who : &principal_;
    call.json_input = std::move(in);
    Outcome o;
    o.status = service_->Handle(call);
    if (!call.json_output_text.empty()) o.out = json::parse(call.json_output_text);
    else o.out = call.json_output;
    o.request_parameters = call.request_parameters;
    o.response_elements = call.response_elements;
    return o;
  }

  json::object Ok(const std::string& op, json::object in, const std::string& region = "us-east-1") {
    auto o = Do(op, std::move(in), region);
    EXPECT_TRUE(o.status.ok()) << op << ": " << o.status.ToString();
    return o.out.is_object() ? o.out.get_object() : json::object{};
  }

  std::string Err(const std::string& op, json::object in, const std::string& region = "us-east-1",
                  std::string* message = nullptr) {
    auto o = Do(op, std::move(in), region);
    EXPECT_FALSE(o.status.ok()) << op;
    EXPECT_EQ(o.status.http_status(), 400) << o.status.ToString();
    if (message) *message = o.status.message();
    return o.status.code();
  }

  json::object Create(const std::string& name, const std::string& region = "us-east-1", bool multi = false) {
    return Ok("CreateTrail", {{"Name", name}, {"S3BucketName", "logs-bucket"}, {"IsMultiRegionTrail", multi}},
              region);
  }

  static std::string Arn(const std::string& region, const std::string& name) {
    return "arn:aws:cloudtrail:" + region + ":" + kAccount + ":trail/" + name;
  }

  std::vector<std::string> DescribedNames(const std::string& region, json::object in = {}) {
    auto out = Ok("DescribeTrails", std::move(in), region);
    std::vector<std::string> names;
    for (auto& t : out["trailList"].as_array()) names.emplace_back(t.at("TrailARN").as_string());
    return names;
  }

  testing::TempDir dir_;
  std::unique_ptr<storage::KvStore> kv_;
  std::unique_ptr<trails::TrailStore> store_;
  FakeChecks checks_;
  FakeStatus status_;
  FakeListener listener_;
  auth::Principal principal_, other_;
  std::unique_ptr<CloudTrailService> service_;
};

TEST_F(TrailApiTest, ServesEveryTrailOperation) {
  for (const char* op : {"CreateTrail", "UpdateTrail", "DeleteTrail", "GetTrail", "DescribeTrails", "ListTrails",
                         "GetTrailStatus", "StartLogging", "StopLogging", "AddTags", "RemoveTags", "ListTags",
                         "PutEventSelectors", "GetEventSelectors", "PutInsightSelectors", "GetInsightSelectors",
                         "LookupEvents"}) {
    EXPECT_TRUE(service_->Serves(op)) << op;
    auto ops = service_->Operations();
    EXPECT_NE(std::find(ops.begin(), ops.end(), op), ops.end()) << op;
  }
  EXPECT_FALSE(service_->Serves("CreateEventDataStore"));
}

TEST_F(TrailApiTest, CreateDefaultsResponseAndRecord) {
  auto o = Do("CreateTrail", {{"Name", "my-trail"}, {"S3BucketName", "my-bucket"}}, "us-east-2");
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  json::object expected{{"Name", "my-trail"},
                        {"S3BucketName", "my-bucket"},
                        {"IncludeGlobalServiceEvents", true},
                        {"IsMultiRegionTrail", false},
                        {"TrailARN", "arn:aws:cloudtrail:us-east-2:111122223333:trail/my-trail"},
                        {"LogFileValidationEnabled", false},
                        {"IsOrganizationTrail", false}};
  EXPECT_EQ(o.out, json::value(expected));
  EXPECT_EQ(o.request_parameters, json::parse(R"({"name":"my-trail","s3BucketName":"my-bucket"})"));
  EXPECT_EQ(o.response_elements,
            json::parse(R"({"name":"my-trail","s3BucketName":"my-bucket","includeGlobalServiceEvents":true,
              "isMultiRegionTrail":false,"trailARN":"arn:aws:cloudtrail:us-east-2:111122223333:trail/my-trail",
              "logFileValidationEnabled":false,"isOrganizationTrail":false})"));
  EXPECT_EQ(listener_.changes, 1);
  EXPECT_EQ(checks_.bucket_calls, 1);

  auto got = Ok("GetTrail", {{"Name", "my-trail"}}, "us-east-2");
  auto& t = got["Trail"].as_object();
  EXPECT_EQ(t["HomeRegion"], "us-east-2");
  EXPECT_EQ(t["HasCustomEventSelectors"], false);
  EXPECT_EQ(t["HasInsightSelectors"], false);
  EXPECT_FALSE(t.contains("SnsTopicARN"));
  EXPECT_FALSE(t.contains("KmsKeyId"));
  EXPECT_FALSE(t.contains("S3KeyPrefix"));
  auto stored = store_->Get(kAccount, "us-east-2", "my-trail");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_FALSE((*stored)->logging);
  EXPECT_GT((*stored)->created_ms, 0);
  EXPECT_EQ((*stored)->generation, 1u);
  // Reads log their parameters but no response.
  auto read = Do("GetTrail", {{"Name", "my-trail"}}, "us-east-2");
  EXPECT_EQ(read.request_parameters, json::parse(R"({"name":"my-trail"})"));
  EXPECT_TRUE(read.response_elements.is_null());
}

TEST_F(TrailApiTest, CreateWithEverything) {
  auto out = Ok("CreateTrail", {{"Name", "full"},
                                {"S3BucketName", "b-1"},
                                {"S3KeyPrefix", "pre"},
                                {"SnsTopicName", "topic"},
                                {"IsMultiRegionTrail", true},
                                {"EnableLogFileValidation", true},
                                {"CloudWatchLogsLogGroupArn", "arn:aws:logs:us-east-1:111122223333:log-group:g:*"},
                                {"CloudWatchLogsRoleArn", "arn:aws:iam::111122223333:role/r"},
                                {"KmsKeyId", "alias/k"},
                                {"TagsList", json::array{json::object{{"Key", "env"}, {"Value", "prod"}},
                                                         json::object{{"Key", "bare"}}}}});
  EXPECT_EQ(out["S3KeyPrefix"], "pre");
  EXPECT_EQ(out["SnsTopicName"], "topic");
  EXPECT_EQ(out["SnsTopicARN"], "arn:aws:sns:us-east-1:111122223333:topic");
  EXPECT_EQ(out["KmsKeyId"], "arn:aws:kms:us-east-1:111122223333:key/checked-alias/k");
  EXPECT_EQ(out["IsMultiRegionTrail"], true);
  EXPECT_EQ(out["LogFileValidationEnabled"], true);
  EXPECT_EQ(out["CloudWatchLogsRoleArn"], "arn:aws:iam::111122223333:role/r");
  EXPECT_FALSE(out.contains("HomeRegion"));
  auto tags = Ok("ListTags", {{"ResourceIdList", json::array{Arn("us-east-1", "full")}}});
  EXPECT_EQ(json::value(tags), json::parse(R"({"ResourceTagList":[{"ResourceId":")" + Arn("us-east-1", "full") +
                                           R"(","TagsList":[{"Key":"bare"},{"Key":"env","Value":"prod"}]}]})"));
}

TEST_F(TrailApiTest, WithoutChecksKeysAndTopicsBecomeArns) {
  Make(/*with_checks=*/false);
  auto out = Ok("CreateTrail", {{"Name", "nochecks"}, {"S3BucketName", "b-1"}, {"SnsTopicName", "t"},
                                {"KmsKeyId", "1234abcd-12ab-34cd-56ef-1234567890ab"}});
  EXPECT_EQ(out["SnsTopicARN"], "arn:aws:sns:us-east-1:111122223333:t");
  EXPECT_EQ(out["KmsKeyId"], "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab");
}

TEST_F(TrailApiTest, NameErrors) {
  std::string msg;
  EXPECT_EQ(Err("CreateTrail", {{"Name", "ab"}, {"S3BucketName", "b-1"}}, "us-east-1", &msg),
            "InvalidTrailNameException");
  EXPECT_EQ(msg, "Trail name too short. Minimum allowed length: 3 characters. Specified name length: 2 characters.");
  EXPECT_EQ(Err("CreateTrail", {{"Name", "a--b"}, {"S3BucketName", "b-1"}}), "InvalidTrailNameException");
  EXPECT_EQ(Err("CreateTrail", {{"S3BucketName", "b-1"}}), "InvalidTrailNameException");
  EXPECT_EQ(Err("GetTrail", {{"Name", "-bad"}}), "InvalidTrailNameException");
  EXPECT_EQ(Err("GetTrail", {{"Name", "arn:aws:cloudtrail:us-east-1:1111:trail/abc"}}),
            "CloudTrailARNInvalidException");
  EXPECT_EQ(Err("GetTrail", {{"Name", "arn:aws:cloudtrail:us-east-1:444455556666:trail/abc"}}, "us-east-1", &msg),
            "CloudTrailARNInvalidException");
  EXPECT_EQ(msg, "AccountID in ARN is wrong, you can only access resources with AccountID 111122223333.");
  EXPECT_EQ(Err("GetTrail", {{"Name", "nothere"}}, "us-east-2", &msg), "TrailNotFoundException");
  EXPECT_EQ(msg, "Unknown trail: arn:aws:cloudtrail:us-east-2:111122223333:trail/nothere for the user: 111122223333");
  EXPECT_EQ(Err("StopLogging", {{"Name", Arn("us-east-1", "nothere")}}, "us-east-1", &msg), "TrailNotFoundException");
  EXPECT_EQ(msg, "Unknown trail: " + Arn("us-east-1", "nothere") + " for the user: 111122223333");
  EXPECT_EQ(Err("GetTrail", {{"Name", 5}}), "SerializationException");
  EXPECT_EQ(listener_.changes, 0);
}

TEST_F(TrailApiTest, CheckOrder) {
  checks_.bucket = Status::Error("S3BucketDoesNotExistException", "no bucket", 400);
  // Name before everything.
  EXPECT_EQ(Err("CreateTrail", {{"Name", "a"}, {"S3BucketName", "BAD"}}), "InvalidTrailNameException");
  // Combination before bucket syntax.
  EXPECT_EQ(Err("CreateTrail", {{"Name", "abc"}, {"S3BucketName", "BAD"}, {"IsMultiRegionTrail", true},
                                {"IncludeGlobalServiceEvents", false}}),
            "InvalidParameterCombinationException");
  // Syntax before existence.
  EXPECT_EQ(Err("CreateTrail", {{"Name", "abc"}, {"S3BucketName", "BAD"}}), "InvalidS3BucketNameException");
  EXPECT_EQ(Err("CreateTrail", {{"Name", "abc"}, {"S3BucketName", "b-1"}, {"S3KeyPrefix", std::string(201, 'p')}}),
            "InvalidS3PrefixException");
  EXPECT_EQ(Err("CreateTrail", {{"Name", "abc"}, {"S3BucketName", "b-1"}}), "S3BucketDoesNotExistException");
  checks_.bucket = Status::Error("InsufficientS3BucketPolicyException", "policy", 400);
  EXPECT_EQ(Err("CreateTrail", {{"Name", "abc"}, {"S3BucketName", "b-1"}}), "InsufficientS3BucketPolicyException");
  checks_.bucket = Status::Ok();
  checks_.kms = Status::Error("KmsKeyNotFoundException", "no key", 400);
  checks_.sns = Status::Error("InsufficientSnsTopicPolicyException", "no topic", 400);
  EXPECT_EQ(Err("CreateTrail", {{"Name", "abc"}, {"S3BucketName", "b-1"}, {"KmsKeyId", "k"}, {"SnsTopicName", "t"}}),
            "KmsKeyNotFoundException");
  EXPECT_EQ(Err("CreateTrail", {{"Name", "abc"}, {"S3BucketName", "b-1"}, {"SnsTopicName", "t"}}),
            "InsufficientSnsTopicPolicyException");
  checks_.kms = checks_.sns = Status::Ok();
  std::string msg;
  EXPECT_EQ(Err("CreateTrail", {{"Name", "abc"}, {"S3BucketName", "b-1"}, {"CloudWatchLogsLogGroupArn", "g"}},
                "us-east-1", &msg),
            "InvalidCloudWatchLogsRoleArnException");
  EXPECT_EQ(msg, "You must specify a role ARN as well as a log group.");
  EXPECT_EQ(Err("CreateTrail", {{"Name", "abc"}, {"S3BucketName", "b-1"}, {"CloudWatchLogsRoleArn", "r"}}),
            "InvalidCloudWatchLogsLogGroupArnException");
  checks_.logs = Status::Error("InvalidCloudWatchLogsLogGroupArnException", "logs", 400);
  EXPECT_EQ(Err("CreateTrail", {{"Name", "abc"}, {"S3BucketName", "b-1"}, {"CloudWatchLogsRoleArn", "r"},
                                {"CloudWatchLogsLogGroupArn", "g"}}),
            "InvalidCloudWatchLogsLogGroupArnException");
  checks_.logs = Status::Ok();
  // Organization trails: no organization exists yet.
  EXPECT_EQ(Err("CreateTrail", {{"Name", "abc"}, {"S3BucketName", "b-1"}, {"IsOrganizationTrail", true}}),
            "OrganizationsNotInUseException");
  // Tags.
  EXPECT_EQ(Err("CreateTrail", {{"Name", "abc"}, {"S3BucketName", "b-1"},
                                {"TagsList", json::array{json::object{{"Key", "a*b"}}}}}),
            "InvalidTagParameterException");
  json::array many;
  for (int i = 0; i < 51; ++i) many.push_back(json::object{{"Key", "k" + std::to_string(i)}});
  EXPECT_EQ(Err("CreateTrail", {{"Name", "abc"}, {"S3BucketName", "b-1"}, {"TagsList", many}}),
            "TagsLimitExceededException");
  EXPECT_EQ(listener_.changes, 0);
  EXPECT_TRUE(store_->List(kAccount)->empty());
  // Explicit false is fine.
  Ok("CreateTrail", {{"Name", "abc"}, {"S3BucketName", "b-1"}, {"IsOrganizationTrail", false}});
}

TEST_F(TrailApiTest, NamesPerRegionAndShadowsBlock) {
  Create("same", "us-east-1");
  std::string msg;
  EXPECT_EQ(Err("CreateTrail", {{"Name", "same"}, {"S3BucketName", "b-1"}}, "us-east-1", &msg),
            "TrailAlreadyExistsException");
  EXPECT_EQ(msg, "Trail same already exists for customer: 111122223333");
  // Single-region trails of the same name in different regions are fine.
  Create("same", "us-west-2");
  // A multi-region trail of that name would meet them.
  EXPECT_EQ(Err("CreateTrail", {{"Name", "same"}, {"S3BucketName", "b-1"}, {"IsMultiRegionTrail", true}}, "eu-west-1"),
            "TrailAlreadyExistsException");
  Create("multi", "us-east-1", true);
  // A shadow blocks a same-named trail in its region.
  EXPECT_EQ(Err("CreateTrail", {{"Name", "multi"}, {"S3BucketName", "b-1"}}, "eu-west-1"),
            "TrailAlreadyExistsException");
  // Another account may use any name.
  auto o = Do("CreateTrail", {{"Name", "multi"}, {"S3BucketName", "b-1"}}, "us-east-1", &other_);
  EXPECT_TRUE(o.status.ok()) << o.status.ToString();
}

TEST_F(TrailApiTest, FiveTrailsPerRegionCountingShadows) {
  Create("multi-1", "us-west-2", true);
  for (int i = 2; i <= 5; ++i) Create("trail" + std::to_string(i), "us-east-1");
  std::string msg;
  EXPECT_EQ(Err("CreateTrail", {{"Name", "trail6"}, {"S3BucketName", "b-1"}}, "us-east-1", &msg),
            "MaximumNumberOfTrailsExceededException");
  EXPECT_EQ(msg, "User: 111122223333 already has 5 trails in us-east-1.");
  // A multi-region trail created elsewhere needs room in us-east-1 too.
  EXPECT_EQ(Err("CreateTrail", {{"Name", "multi-2"}, {"S3BucketName", "b-1"}, {"IsMultiRegionTrail", true}},
                "eu-west-1"),
            "MaximumNumberOfTrailsExceededException");
  // A single-region one there is fine.
  Create("single-eu", "eu-west-1");
  // Converting it to multi-region would put a shadow into full us-east-1: refused, unchanged.
  EXPECT_EQ(Err("UpdateTrail", {{"Name", "single-eu"}, {"IsMultiRegionTrail", true}}, "eu-west-1"),
            "MaximumNumberOfTrailsExceededException");
  EXPECT_FALSE((*store_->Get(kAccount, "eu-west-1", "single-eu"))->multi_region);
  // Other accounts have their own limit.
  EXPECT_TRUE(Do("CreateTrail", {{"Name", "trail6"}, {"S3BucketName", "b-1"}}, "us-east-1", &other_).status.ok());
  // Deleting one makes room.
  Ok("DeleteTrail", {{"Name", "trail5"}});
  Create("trail6", "us-east-1");
}

TEST_F(TrailApiTest, ShadowTrails) {
  Create("multi", "us-east-1", true);
  Create("single", "us-east-1");
  Create("west", "us-west-2");
  const std::string multi = Arn("us-east-1", "multi");
  // Home region sees its own trails; other regions see the shadow.
  EXPECT_EQ(DescribedNames("us-east-1"), (std::vector<std::string>{multi, Arn("us-east-1", "single")}));
  EXPECT_EQ(DescribedNames("us-west-2"), (std::vector<std::string>{Arn("us-west-2", "west"), multi}));
  EXPECT_EQ(DescribedNames("us-west-2", {{"includeShadowTrails", false}}),
            (std::vector<std::string>{Arn("us-west-2", "west")}));
  EXPECT_EQ(DescribedNames("eu-west-1"), (std::vector<std::string>{multi}));
  // A region that is not enabled sees no shadows.
  EXPECT_TRUE(DescribedNames("ap-south-1").empty());
  // Shadow objects carry the home region.
  auto d = Ok("DescribeTrails", {}, "eu-west-1");
  EXPECT_EQ(d["trailList"].as_array()[0].at("HomeRegion"), "us-east-1");
  // Names: home region only, unknown names skipped; ARNs from anywhere.
  EXPECT_EQ(DescribedNames("eu-west-1", {{"trailNameList", json::array{"multi", "nope"}}}),
            std::vector<std::string>{});
  EXPECT_EQ(DescribedNames("eu-west-1", {{"trailNameList", json::array{multi, multi, Arn("us-east-1", "gone")}}}),
            std::vector<std::string>{multi});
  EXPECT_EQ(DescribedNames("us-east-1", {{"trailNameList", json::array{"single", "multi"}}}),
            (std::vector<std::string>{Arn("us-east-1", "single"), multi}));
  EXPECT_EQ(Err("DescribeTrails", {{"trailNameList", json::array{"a"}}}), "InvalidTrailNameException");
  EXPECT_EQ(Err("DescribeTrails", {{"trailNameList", json::array{"arn:aws:nope"}}}), "CloudTrailARNInvalidException");
  // ListTrails: the same set as DescribeTrails with shadows.
  auto list = Ok("ListTrails", {}, "us-west-2");
  EXPECT_EQ(json::value(list), json::parse(R"({"Trails":[{"TrailARN":")" + multi +
                                           R"(","Name":"multi","HomeRegion":"us-east-1"},{"TrailARN":")" +
                                           Arn("us-west-2", "west") +
                                           R"(","Name":"west","HomeRegion":"us-west-2"}]})"));
  EXPECT_EQ(Err("ListTrails", {{"NextToken", "garbage"}}), "InvalidNextTokenException");
  EXPECT_TRUE(Do("ListTrails", {}, "us-west-2").request_parameters.is_null());
  // GetTrail: by name only at home; by ARN from a shadow region.
  EXPECT_EQ(Err("GetTrail", {{"Name", "multi"}}, "eu-west-1"), "TrailNotFoundException");
  EXPECT_EQ(Ok("GetTrail", {{"Name", multi}}, "eu-west-1")["Trail"].at("TrailARN"), json::value(multi));
  // Mutations: by name elsewhere not found; by ARN elsewhere wrong home region.
  for (const char* op : {"UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"}) {
    EXPECT_EQ(Err(op, {{"Name", "multi"}}, "eu-west-1"), "TrailNotFoundException") << op;
    EXPECT_EQ(Err(op, {{"Name", multi}}, "eu-west-1"), "InvalidHomeRegionException") << op;
  }
  EXPECT_EQ(Err("PutEventSelectors", {{"TrailName", multi}, {"EventSelectors", json::parse(R"([{}])")}}, "eu-west-1"),
            "InvalidHomeRegionException");
  EXPECT_EQ(Err("PutInsightSelectors", {{"TrailName", multi}, {"InsightSelectors", json::array{}}}, "eu-west-1"),
            "InvalidHomeRegionException");
  // Selectors are readable from the shadow region by ARN.
  EXPECT_TRUE(Ok("GetEventSelectors", {{"TrailName", multi}}, "eu-west-1").contains("EventSelectors"));
  // Tags are region-bound.
  std::string msg;
  EXPECT_EQ(Err("ListTags", {{"ResourceIdList", json::array{multi}}}, "eu-west-1", &msg),
            "CloudTrailARNInvalidException");
  EXPECT_EQ(msg, "Region in ARN is wrong, you can only access resources in region eu-west-1.");
  // Single → multi → single.
  Ok("UpdateTrail", {{"Name", "west"}, {"IsMultiRegionTrail", true}}, "us-west-2");
  EXPECT_EQ(DescribedNames("eu-west-1").size(), 2u);
  Ok("UpdateTrail", {{"Name", "west"}, {"IsMultiRegionTrail", false}}, "us-west-2");
  EXPECT_EQ(DescribedNames("eu-west-1"), (std::vector<std::string>{multi}));
  // Deleting a multi-region trail removes it everywhere.
  Ok("DeleteTrail", {{"Name", multi}});
  EXPECT_TRUE(DescribedNames("eu-west-1").empty());
}

TEST_F(TrailApiTest, GlobalServiceEventsRules) {
  EXPECT_EQ(Err("CreateTrail", {{"Name", "abc"}, {"S3BucketName", "b-1"}, {"IsMultiRegionTrail", true},
                                {"IncludeGlobalServiceEvents", false}}),
            "InvalidParameterCombinationException");
  Create("multi", "us-east-1", true);
  std::string msg;
  EXPECT_EQ(Err("UpdateTrail", {{"Name", "multi"}, {"IncludeGlobalServiceEvents", false}}, "us-east-1", &msg),
            "InvalidParameterCombinationException");
  EXPECT_EQ(msg, "Multi-Region trail must include global service events.");
  auto single = Ok("CreateTrail", {{"Name", "single"}, {"S3BucketName", "b-1"}, {"IncludeGlobalServiceEvents", false}});
  EXPECT_EQ(single["IncludeGlobalServiceEvents"], false);
  EXPECT_EQ(Err("UpdateTrail", {{"Name", "single"}, {"IsMultiRegionTrail", true}}), "InvalidParameterCombinationException");
  auto both = Ok("UpdateTrail", {{"Name", "single"}, {"IsMultiRegionTrail", true}, {"IncludeGlobalServiceEvents", true}});
  EXPECT_EQ(both["IsMultiRegionTrail"], true);
}

TEST_F(TrailApiTest, UpdateTrail) {
  Ok("CreateTrail", {{"Name", "upd"}, {"S3BucketName", "b-1"}, {"S3KeyPrefix", "p"}, {"SnsTopicName", "t"},
                     {"KmsKeyId", "k"}, {"CloudWatchLogsLogGroupArn", "g"}, {"CloudWatchLogsRoleArn", "r"}});
  int calls = checks_.bucket_calls;
  // A change that does not touch the bucket does not re-check it.
  auto o = Do("UpdateTrail", {{"Name", "upd"}, {"EnableLogFileValidation", true}});
  ASSERT_TRUE(o.status.ok());
  EXPECT_EQ(checks_.bucket_calls, calls);
  EXPECT_EQ(o.out.at("LogFileValidationEnabled"), true);
  EXPECT_EQ(o.out.at("S3KeyPrefix"), "p");
  EXPECT_EQ(o.request_parameters, json::parse(R"({"name":"upd","enableLogFileValidation":true})"));
  EXPECT_EQ(o.response_elements.at("logFileValidationEnabled"), true);
  // Bucket and prefix changes are checked against the new values.
  Ok("UpdateTrail", {{"Name", Arn("us-east-1", "upd")}, {"S3BucketName", "b-2"}, {"S3KeyPrefix", "q"}});
  EXPECT_EQ(checks_.bucket_calls, calls + 1);
  EXPECT_EQ(checks_.last_bucket, "b-2");
  EXPECT_EQ(checks_.last_prefix, "q");
  checks_.bucket = Status::Error("InsufficientS3BucketPolicyException", "policy", 400);
  EXPECT_EQ(Err("UpdateTrail", {{"Name", "upd"}, {"S3KeyPrefix", "other"}}), "InsufficientS3BucketPolicyException");
  checks_.bucket = Status::Ok();
  EXPECT_EQ((*store_->Get(kAccount, "us-east-1", "upd"))->s3_key_prefix, "q");
  EXPECT_EQ(Err("UpdateTrail", {{"Name", "upd"}, {"S3BucketName", ""}}), "InvalidS3BucketNameException");
  // "" removes prefix, topic, key, and (both) the Logs pair.
  EXPECT_EQ(Err("UpdateTrail", {{"Name", "upd"}, {"CloudWatchLogsLogGroupArn", ""}}),
            "InvalidCloudWatchLogsLogGroupArnException");
  auto cleared = Ok("UpdateTrail", {{"Name", "upd"}, {"S3KeyPrefix", ""}, {"SnsTopicName", ""}, {"KmsKeyId", ""},
                                    {"CloudWatchLogsLogGroupArn", ""}, {"CloudWatchLogsRoleArn", ""}});
  for (const char* gone : {"S3KeyPrefix", "SnsTopicName", "SnsTopicARN", "KmsKeyId", "CloudWatchLogsLogGroupArn",
                           "CloudWatchLogsRoleArn"})
    EXPECT_FALSE(cleared.contains(gone)) << gone;
  auto t = *store_->Get(kAccount, "us-east-1", "upd");
  EXPECT_GE(t->generation, 4u);
  EXPECT_EQ(Err("UpdateTrail", {{"Name", "nope"}}), "TrailNotFoundException");
  EXPECT_EQ(Err("UpdateTrail", {{"Name", "upd"}, {"IsOrganizationTrail", true}}), "OrganizationsNotInUseException");
}

TEST_F(TrailApiTest, LoggingAndStatus) {
  Create("logme");
  auto fresh = Ok("GetTrailStatus", {{"Name", "logme"}});
  EXPECT_EQ(json::value(fresh), json::parse(R"({"IsLogging":false,"LatestDeliveryAttemptTime":"",
      "LatestNotificationAttemptTime":"","LatestNotificationAttemptSucceeded":"",
      "LatestDeliveryAttemptSucceeded":"","TimeLoggingStarted":"","TimeLoggingStopped":""})"));
  int before = listener_.changes;
  auto start = Do("StartLogging", {{"Name", "logme"}});
  ASSERT_TRUE(start.status.ok());
  EXPECT_TRUE(start.out.as_object().empty());
  EXPECT_EQ(start.request_parameters, json::parse(R"({"name":"logme"})"));
  EXPECT_TRUE(start.response_elements.is_null());
  EXPECT_EQ(listener_.changes, before + 1);
  auto t = **store_->Get(kAccount, "us-east-1", "logme");
  EXPECT_TRUE(t.logging);
  EXPECT_EQ(t.logging_from, 1u);  // no journal: LastSequence() counts as 0
  EXPECT_GT(t.start_logging_ms, 0);
  auto s = Ok("GetTrailStatus", {{"Name", "logme"}});
  EXPECT_EQ(s["IsLogging"], true);
  EXPECT_TRUE(s["StartLoggingTime"].is_double());
  EXPECT_EQ(s["TimeLoggingStarted"].as_string().size(), 20u);
  EXPECT_FALSE(s.contains("StopLoggingTime"));
  // Idempotent.
  Ok("StartLogging", {{"Name", Arn("us-east-1", "logme")}});
  Ok("StopLogging", {{"Name", "logme"}});
  t = **store_->Get(kAccount, "us-east-1", "logme");
  EXPECT_FALSE(t.logging);
  EXPECT_EQ(t.logging_until, 0u);
  s = Ok("GetTrailStatus", {{"Name", "logme"}});
  EXPECT_EQ(s["IsLogging"], false);
  EXPECT_TRUE(s.contains("StartLoggingTime"));
  EXPECT_TRUE(s.contains("StopLoggingTime"));
  EXPECT_NE(s["TimeLoggingStopped"], "");
}

TEST_F(TrailApiTest, StatusLiveFieldsPerRegion) {
  Create("multi", "us-east-1", true);
  trails::DeliveryStatus d;
  d.latest_delivery_ms = 1454022144869;
  d.latest_delivery_error = "AccessDenied";
  d.latest_delivery_attempt_ms = 1454022144000;
  d.latest_delivery_attempt_succeeded_ms = 1454022000000;
  d.latest_notification_ms = 1454022144001;
  d.latest_notification_error = "NotFound";
  d.latest_cloudwatch_logs_delivery_ms = 1454022144002;
  d.latest_cloudwatch_logs_delivery_error = "AccessDeniedException";
  d.latest_digest_delivery_ms = 1454022144003;
  d.latest_digest_delivery_error = "NoSuchBucket";
  status_.by_region["eu-west-1"] = d;
  Call call;
  call.operation = "GetTrailStatus";
  call.region = "eu-west-1";
  call.principal = &principal_;
  call.json_input = {{"Name", Arn("us-east-1", "multi")}};
  ASSERT_TRUE(service_->Handle(call).ok());
  EXPECT_EQ(status_.last_region, "eu-west-1");
  // Timestamps are epoch seconds with a millisecond fraction on the wire.
  EXPECT_NE(call.json_output_text.find("\"LatestDeliveryTime\":1454022144.869"), std::string::npos)
      << call.json_output_text;
  auto s = json::parse(call.json_output_text).as_object();
  EXPECT_EQ(s["LatestDeliveryError"], "AccessDenied");
  EXPECT_EQ(s["LatestNotificationError"], "NotFound");
  EXPECT_EQ(s["LatestCloudWatchLogsDeliveryError"], "AccessDeniedException");
  EXPECT_EQ(s["LatestDigestDeliveryError"], "NoSuchBucket");
  EXPECT_TRUE(s.contains("LatestNotificationTime"));
  EXPECT_TRUE(s.contains("LatestCloudWatchLogsDeliveryTime"));
  EXPECT_TRUE(s.contains("LatestDigestDeliveryTime"));
  EXPECT_EQ(s["LatestDeliveryAttemptTime"], "2016-01-28T23:02:24Z");
  EXPECT_EQ(s["LatestDeliveryAttemptSucceeded"], "2016-01-28T23:00:00Z");
  EXPECT_EQ(s["LatestNotificationAttemptTime"], "");
  // At home: the home region's status (empty here).
  auto home = Ok("GetTrailStatus", {{"Name", "multi"}});
  EXPECT_EQ(status_.last_region, "us-east-1");
  EXPECT_FALSE(home.contains("LatestDeliveryTime"));
}

TEST_F(TrailApiTest, Tags) {
  Create("tagged");
  const std::string arn = Arn("us-east-1", "tagged");
  auto add = Do("AddTags", {{"ResourceId", arn},
                            {"TagsList", json::array{json::object{{"Key", "a"}, {"Value", "1"}},
                                                     json::object{{"Key", "b"}}}}});
  ASSERT_TRUE(add.status.ok()) << add.status.ToString();
  EXPECT_TRUE(add.out.as_object().empty());
  EXPECT_EQ(add.request_parameters,
            json::parse(R"({"resourceId":")" + arn + R"(","tagsList":[{"key":"a","value":"1"},{"key":"b"}]})"));
  EXPECT_TRUE(add.response_elements.is_null());
  // Overwrite; remove (values ignored, absent keys fine).
  Ok("AddTags", {{"ResourceId", arn}, {"TagsList", json::array{json::object{{"Key", "a"}, {"Value", "2"}}}}});
  Ok("RemoveTags", {{"ResourceId", arn},
                    {"TagsList", json::array{json::object{{"Key", "b"}, {"Value", "x"}}, json::object{{"Key", "zz"}}}}});
  auto list = Ok("ListTags", {{"ResourceIdList", json::array{arn}}});
  EXPECT_EQ(json::value(list["ResourceTagList"]),
            json::parse(R"([{"ResourceId":")" + arn + R"(","TagsList":[{"Key":"a","Value":"2"}]}])"));
  // Errors.
  std::string msg;
  EXPECT_EQ(Err("AddTags", {{"ResourceId", "tagged"}, {"TagsList", json::array{}}}), "CloudTrailARNInvalidException");
  EXPECT_EQ(Err("AddTags", {{"ResourceId", Arn("us-east-1", "missing")}, {"TagsList", json::array{}}}),
            "ResourceNotFoundException");
  EXPECT_EQ(Err("AddTags", {{"ResourceId", "arn:aws:cloudtrail:us-east-1:444455556666:trail/tagged"},
                            {"TagsList", json::array{}}},
                "us-east-1", &msg),
            "CloudTrailARNInvalidException");
  EXPECT_EQ(msg, "AccountID in ARN is wrong, you can only access resources with AccountID 111122223333.");
  EXPECT_EQ(Err("AddTags", {{"ResourceId", "arn:aws:cloudtrail:us-east-1:111122223333:widget/x"},
                            {"TagsList", json::array{}}}),
            "ResourceTypeNotSupportedException");
  EXPECT_EQ(Err("AddTags", {{"ResourceId", "arn:aws:cloudtrail:us-east-1:111122223333:eventdatastore/x"},
                            {"TagsList", json::array{}}}),
            "ResourceNotFoundException");
  EXPECT_EQ(Err("AddTags", {{"ResourceId", arn},
                            {"TagsList", json::array{json::object{{"Key", "d"}}, json::object{{"Key", "d"}}}}}),
            "InvalidTagParameterException");
  EXPECT_EQ(Err("AddTags", {{"ResourceId", arn}, {"TagsList", json::array{json::object{{"Key", ""}}}}}),
            "InvalidTagParameterException");
  EXPECT_EQ(Err("AddTags", {{"ResourceId", arn},
                            {"TagsList", json::array{json::object{{"Key", "k"}, {"Value", std::string(257, 'v')}}}}}),
            "InvalidTagParameterException");
  json::array fifty;
  for (int i = 0; i < 49; ++i) fifty.push_back(json::object{{"Key", "k" + std::to_string(i)}});
  Ok("AddTags", {{"ResourceId", arn}, {"TagsList", fifty}});  // 1 + 49 = 50
  EXPECT_EQ(Err("AddTags", {{"ResourceId", arn}, {"TagsList", json::array{json::object{{"Key", "one-more"}}}}}),
            "TagsLimitExceededException");
  // Overwriting an existing key at the limit is fine.
  Ok("AddTags", {{"ResourceId", arn}, {"TagsList", json::array{json::object{{"Key", "a"}, {"Value", "3"}}}}});
  json::array ids;
  for (int i = 0; i < 21; ++i) ids.push_back(json::string(arn));
  EXPECT_EQ(Err("ListTags", {{"ResourceIdList", ids}}), "InvalidParameterException");
  EXPECT_EQ(Err("ListTags", {{"ResourceIdList", json::array{arn}}, {"NextToken", "x"}}), "InvalidTokenException");
  // DeleteTrail removes the tags with the trail.
  Ok("DeleteTrail", {{"Name", "tagged"}});
  Create("tagged");
  list = Ok("ListTags", {{"ResourceIdList", json::array{arn}}});
  EXPECT_TRUE(list["ResourceTagList"].as_array()[0].at("TagsList").as_array().empty());
}

TEST_F(TrailApiTest, EventSelectors) {
  Create("sel");
  auto def = Ok("GetEventSelectors", {{"TrailName", "sel"}});
  EXPECT_EQ(json::value(def), json::parse(R"({"TrailARN":")" + Arn("us-east-1", "sel") + R"(","EventSelectors":[
      {"ReadWriteType":"All","IncludeManagementEvents":true,"DataResources":[],"ExcludeManagementEventSources":[]}]})"));
  auto put = Do("PutEventSelectors",
                {{"TrailName", "sel"},
                 {"EventSelectors", json::parse(R"([{"ReadWriteType":"WriteOnly",
                    "DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::bkt/"]}]}])")}});
  ASSERT_TRUE(put.status.ok()) << put.status.ToString();
  auto expected = json::parse(R"({"TrailARN":")" + Arn("us-east-1", "sel") + R"(","EventSelectors":[
      {"ReadWriteType":"WriteOnly","IncludeManagementEvents":true,
       "DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::bkt/"]}],"ExcludeManagementEventSources":[]}]})");
  EXPECT_EQ(put.out, expected);
  EXPECT_EQ(put.request_parameters.at("trailName"), "sel");
  EXPECT_EQ(put.request_parameters.at("eventSelectors").at(0).at("readWriteType"), "WriteOnly");
  EXPECT_EQ(put.response_elements.at("trailARN"), json::value(Arn("us-east-1", "sel")));
  EXPECT_TRUE(put.response_elements.at("eventSelectors").at(0).as_object().contains("dataResources"));
  EXPECT_EQ(json::value(Ok("GetEventSelectors", {{"TrailName", Arn("us-east-1", "sel")}})), expected);
  EXPECT_EQ(Ok("GetTrail", {{"Name", "sel"}})["Trail"].at("HasCustomEventSelectors"), true);
  // Advanced replaces basic.
  auto adv = Ok("PutEventSelectors",
                {{"TrailName", "sel"},
                 {"AdvancedEventSelectors", json::parse(R"([{"Name":"mgmt","FieldSelectors":[
                    {"Field":"eventCategory","Equals":["Management"]}]}])")}});
  EXPECT_TRUE(adv.contains("AdvancedEventSelectors"));
  EXPECT_FALSE(adv.contains("EventSelectors"));
  auto got = Ok("GetEventSelectors", {{"TrailName", "sel"}});
  EXPECT_TRUE(got.contains("AdvancedEventSelectors"));
  EXPECT_FALSE(got.contains("EventSelectors"));
  // Back to the default: not custom any more.
  Ok("PutEventSelectors", {{"TrailName", "sel"}, {"EventSelectors", json::parse(R"([{}])")}});
  EXPECT_EQ(Ok("GetTrail", {{"Name", "sel"}})["Trail"].at("HasCustomEventSelectors"), false);
  EXPECT_EQ(Err("PutEventSelectors", {{"TrailName", "sel"}}), "InvalidEventSelectorsException");
  EXPECT_EQ(Err("PutEventSelectors", {{"TrailName", "sel"}, {"EventSelectors", json::array{}}}),
            "InvalidEventSelectorsException");
  EXPECT_EQ(Err("PutEventSelectors", {{"TrailName", "nope"}, {"EventSelectors", json::parse(R"([{}])")}}),
            "TrailNotFoundException");
  EXPECT_EQ(Err("GetEventSelectors", {{"TrailName", "sel"}}, "us-west-2"), "TrailNotFoundException");
}

TEST_F(TrailApiTest, InsightSelectors) {
  Create("ins");
  std::string msg;
  EXPECT_EQ(Err("GetInsightSelectors", {{"TrailName", "ins"}}, "us-east-1", &msg), "InsightNotEnabledException");
  EXPECT_EQ(msg, "Trail " + Arn("us-east-1", "ins") +
                     " does not have Insights enabled. Edit the trail settings to enable Insights, and then try "
                     "the operation again.");
  auto put = Do("PutInsightSelectors",
                {{"TrailName", "ins"}, {"InsightSelectors", json::parse(R"([{"InsightType":"ApiCallRateInsight"}])")}});
  ASSERT_TRUE(put.status.ok()) << put.status.ToString();
  EXPECT_EQ(put.out.at("TrailARN"), json::value(Arn("us-east-1", "ins")));
  EXPECT_EQ(put.out.at("InsightSelectors").at(0).at("InsightType"), "ApiCallRateInsight");
  EXPECT_EQ(put.response_elements.at("insightSelectors").at(0).at("insightType"), "ApiCallRateInsight");
  auto got = Ok("GetInsightSelectors", {{"TrailName", "ins"}});
  EXPECT_EQ(got["InsightSelectors"].at(0).at("InsightType"), "ApiCallRateInsight");
  EXPECT_EQ(Ok("GetTrail", {{"Name", "ins"}})["Trail"].at("HasInsightSelectors"), true);
  EXPECT_EQ(Err("PutInsightSelectors", {{"TrailName", "ins"},
                                        {"InsightSelectors", json::parse(R"([{"InsightType":"Nope"}])")}}),
            "InvalidInsightSelectorsException");
  EXPECT_EQ(Err("PutInsightSelectors", {{"TrailName", "ins"}}), "InvalidInsightSelectorsException");
  EXPECT_EQ(Err("PutInsightSelectors", {{"TrailName", "ins"}, {"EventDataStore", "eds"}, {"InsightSelectors", json::array{}}}),
            "InvalidParameterCombinationException");
  EXPECT_EQ(Err("GetInsightSelectors", json::object{}), "InvalidParameterCombinationException");
  // The bucket must still accept writes when Insights are turned on.
  checks_.bucket = Status::Error("S3BucketDoesNotExistException", "gone", 400);
  EXPECT_EQ(Err("PutInsightSelectors", {{"TrailName", "ins"},
                                        {"InsightSelectors", json::parse(R"([{"InsightType":"ApiErrorRateInsight"}])")}}),
            "S3BucketDoesNotExistException");
  // Turning them off needs no bucket.
  Ok("PutInsightSelectors", {{"TrailName", "ins"}, {"InsightSelectors", json::array{}}});
  EXPECT_EQ(Err("GetInsightSelectors", {{"TrailName", "ins"}}), "InsightNotEnabledException");
  EXPECT_EQ(Ok("GetTrail", {{"Name", "ins"}})["Trail"].at("HasInsightSelectors"), false);
}

TEST_F(TrailApiTest, UnavailableWithoutStore) {
  CloudTrailDeps deps;
  CloudTrailService bare(deps);
  Call call;
  call.operation = "ListTrails";
  call.region = "us-east-1";
  call.principal = &principal_;
  auto s = bare.Handle(call);
  EXPECT_FALSE(s.ok());
}

}  // namespace
}  // namespace ot::services
