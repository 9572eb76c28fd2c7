// Tests for auth/policy: the IAM policy language — validation (MalformedPolicy), action /
// resource / principal matching, every condition operator with its IfExists, ForAnyValue,
// ForAllValues and Null forms, the delivery.md §8 bucket policies, and hostile input.
#include "auth/policy/policy.h"

#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace ot::auth::policy {
namespace {

using Keys = std::map<std::string, std::vector<std::string>>;

// --------------------------------------------------------------------------------------
// Helpers
// --------------------------------------------------------------------------------------

PrincipalRef Aws(std::string arn, std::string account = "") {
  PrincipalRef p;
  p.type = PrincipalRef::Type::kAws;
  if (account.empty() && arn.size() > 25) {
    // arn:aws:iam::ACCOUNT:... / arn:aws:sts::ACCOUNT:...
    size_t start = arn.find("::") + 2;
    account = arn.substr(start, 12);
  }
  p.arn = std::move(arn);
  p.account_id = std::move(account);
  return p;
}

PrincipalRef Service(std::string name) {
  PrincipalRef p;
  p.type = PrincipalRef::Type::kService;
  p.service = std::move(name);
  return p;
}

PrincipalRef Anonymous() {
  PrincipalRef p;
  p.type = PrincipalRef::Type::kAnonymous;
  return p;
}

const PrincipalRef kAlice = Aws("arn:aws:iam::111122223333:user/alice");

RequestContext Req(std::string action, std::string resource, PrincipalRef who = kAlice, Keys keys = {}) {
  RequestContext r;
  r.action = std::move(action);
  r.resource = std::move(resource);
  r.principal = std::move(who);
  r.keys = std::move(keys);
  return r;
}

std::unique_ptr<Policy> MustParse(std::string_view text, PolicyKind kind = PolicyKind::kResource) {
  auto p = ParsePolicy(text, kind);
  EXPECT_TRUE(p.ok()) << p.status().ToString() << "\n" << text;
  if (!p.ok()) return nullptr;
  return std::move(*p);
}

// A one-statement resource policy.
std::string OneStatement(std::string_view effect, std::string_view principal, std::string_view action,
                         std::string_view resource, std::string_view condition = "") {
  std::string s = R"({"Version":"2012-10-17","Statement":[{"Effect":")" + std::string(effect) + R"(",)";
  if (!principal.empty()) s += R"("Principal":)" + std::string(principal) + ",";
  s += R"("Action":)" + std::string(action) + R"(,"Resource":)" + std::string(resource);
  if (!condition.empty()) s += R"(,"Condition":)" + std::string(condition);
  s += "}]}";
  return s;
}

const char* Name(Decision d) {
  switch (d) {
    case Decision::kAllow: return "Allow";
    case Decision::kDeny: return "Deny";
    case Decision::kNoMatch: return "NoMatch";
  }
  return "?";
}

// --------------------------------------------------------------------------------------
// Validation: every MalformedPolicy case
// --------------------------------------------------------------------------------------

constexpr std::string_view kGood =
    R"({"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]})";

struct MalformedCase {
  const char* name;
  std::string text;
  PolicyKind kind;
  const char* message;  // substring of the error message
};

std::string Stmt(std::string_view body) {  // a resource policy around one statement's fields
  return R"({"Version":"2012-10-17","Statement":[{)" + std::string(body) + "}]}";
}

constexpr const char* kBase = R"("Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*")";

std::string WithCondition(std::string_view condition) {
  return Stmt(std::string(kBase) + R"(,"Condition":)" + std::string(condition));
}

std::vector<MalformedCase> MalformedCases() {
  auto R = PolicyKind::kResource;
  auto I = PolicyKind::kIdentity;
  std::vector<MalformedCase> cases = {
      // JSON
      {"empty", "", R, "not valid JSON"},
      {"truncated", "{\"Statement\":[", R, "not valid JSON"},
      {"not_json", "Version: 2012-10-17", R, "not valid JSON"},
      {"trailing_data", std::string(kGood) + " {}", R, "not valid JSON"},
      {"trailing_comma", R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*",}]})", R,
       "not valid JSON"},
      {"comment", R"({/*c*/"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]})", R,
       "not valid JSON"},
      {"invalid_utf8", Stmt(R"("Sid":")" + std::string("\xff\xfe") + R"(",)" + kBase), R, "not valid JSON"},
      {"array_root", "[" + std::string(kGood) + "]", R, "must be a JSON object"},
      {"string_root", R"("policy")", R, "must be a JSON object"},
      {"duplicate_top_key", R"({"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}],)"
                            R"("Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]})",
       R, "duplicate field: Statement"},
      {"duplicate_statement_key", Stmt(std::string(kBase) + R"(,"Effect":"Deny")"), R, "duplicate field: Effect"},
      {"duplicate_condition_operator",
       WithCondition(R"({"StringEquals":{"aws:SourceAccount":"1"},"StringEquals":{"aws:SourceAccount":"2"}})"), R,
       "duplicate field: StringEquals"},
      {"deep_nesting", std::string(5000, '[') + std::string(5000, ']'), R, "not valid JSON"},
      {"deep_nesting_in_condition",
       WithCondition(R"({"StringEquals":{"k":)" + std::string(100, '[') + "\"v\"" + std::string(100, ']') + "}}"), R,
       "not valid JSON"},
      {"too_large", std::string(kGood) + std::string(20 * 1024, ' '), R, "maximum allowed document size"},
      // Top level
      {"unknown_top_field", R"({"Version":"2012-10-17","Foo":1,"Statement":[{)" + std::string(kBase) + "}]}", R,
       "Unknown field Foo"},
      {"lowercase_statement", R"({"statement":[{)" + std::string(kBase) + "}]}", R, "Unknown field statement"},
      {"bad_version", R"({"Version":"2020-01-01","Statement":[{)" + std::string(kBase) + "}]}", R,
       "Invalid policy version"},
      {"numeric_version", R"({"Version":20121017,"Statement":[{)" + std::string(kBase) + "}]}", R,
       "Invalid policy version"},
      {"id_not_string", R"({"Id":5,"Statement":[{)" + std::string(kBase) + "}]}", R, "Id must be a string"},
      {"missing_statement", R"({"Version":"2012-10-17"})", R, "Missing required field Statement"},
      {"empty_statement_list", R"({"Version":"2012-10-17","Statement":[]})", R, "no statements"},
      {"statement_string", R"({"Statement":"allow all"})", R, "Statement must be"},
      {"statement_null", R"({"Statement":null})", R, "Statement must be"},
      {"statement_element_not_object", R"({"Statement":[{)" + std::string(kBase) + "},42]}", R,
       "Statement must be an object"},
      // Statement elements
      {"unknown_statement_field", Stmt(std::string(kBase) + R"(,"Actions":"s3:*")"), R, "Unknown field Actions"},
      {"lowercase_effect_field", Stmt(R"("effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*")"), R,
       "Unknown field effect"},
      {"sid_not_string", Stmt(std::string(kBase) + R"(,"Sid":1)"), R, "Sid must be a string"},
      {"duplicate_sid",
       R"({"Statement":[{"Sid":"S",)" + std::string(kBase) + R"(},{"Sid":"S",)" + std::string(kBase) + "}]}", R,
       "must be unique"},
      {"missing_effect", Stmt(R"("Principal":"*","Action":"s3:*","Resource":"*")"), R, "Missing required field Effect"},
      {"effect_lowercase", Stmt(R"("Effect":"allow","Principal":"*","Action":"s3:*","Resource":"*")"), R,
       "Invalid effect"},
      {"effect_other", Stmt(R"("Effect":"Permit","Principal":"*","Action":"s3:*","Resource":"*")"), R,
       "Invalid effect"},
      {"effect_bool", Stmt(R"("Effect":true,"Principal":"*","Action":"s3:*","Resource":"*")"), R, "Invalid effect"},
      // Principal rules per kind
      {"resource_missing_principal", Stmt(R"("Effect":"Allow","Action":"s3:*","Resource":"*")"), R,
       "Missing required field Principal"},
      {"principal_and_not_principal",
       Stmt(R"("Effect":"Allow","Principal":"*","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*")"),
       R, "both Principal and NotPrincipal"},
      {"identity_with_principal", Stmt(kBase), I, "should not specify a principal"},
      {"identity_with_not_principal",
       Stmt(R"("Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*")"), I,
       "should not specify a principal"},
      {"principal_string_not_star", Stmt(R"("Effect":"Allow","Principal":"111122223333","Action":"s3:*","Resource":"*")"),
       R, "Invalid principal in policy"},
      {"principal_empty_object", Stmt(R"("Effect":"Allow","Principal":{},"Action":"s3:*","Resource":"*")"), R,
       "Invalid principal in policy"},
      {"principal_number", Stmt(R"("Effect":"Allow","Principal":7,"Action":"s3:*","Resource":"*")"), R,
       "Invalid principal in policy"},
      {"principal_unknown_type", Stmt(R"("Effect":"Allow","Principal":{"Group":"x"},"Action":"s3:*","Resource":"*")"),
       R, "Invalid principal in policy"},
      {"principal_aws_name", Stmt(R"("Effect":"Allow","Principal":{"AWS":"alice"},"Action":"s3:*","Resource":"*")"), R,
       "Invalid principal in policy"},
      {"principal_aws_short_account",
       Stmt(R"("Effect":"Allow","Principal":{"AWS":"11112222333"},"Action":"s3:*","Resource":"*")"), R,
       "Invalid principal in policy"},
      {"principal_aws_wildcard_arn",
       Stmt(R"("Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/*"},"Action":"s3:*","Resource":"*")"),
       R, "Invalid principal in policy"},
      {"principal_aws_wildcard_account",
       Stmt(R"("Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:root"},"Action":"s3:*","Resource":"*")"), R,
       "Invalid principal in policy"},
      {"principal_aws_group",
       Stmt(R"("Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:group/admins"},"Action":"s3:*","Resource":"*")"),
       R, "Invalid principal in policy"},
      {"principal_aws_bad_root_account",
       Stmt(R"("Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1234:root"},"Action":"s3:*","Resource":"*")"), R,
       "Invalid principal in policy"},
      {"principal_aws_s3_arn",
       Stmt(R"("Effect":"Allow","Principal":{"AWS":"arn:aws:s3:::bucket"},"Action":"s3:*","Resource":"*")"), R,
       "Invalid principal in policy"},
      {"principal_aws_empty_list", Stmt(R"("Effect":"Allow","Principal":{"AWS":[]},"Action":"s3:*","Resource":"*")"), R,
       "Invalid principal in policy"},
      {"principal_aws_list_with_number",
       Stmt(R"("Effect":"Allow","Principal":{"AWS":["111122223333",5]},"Action":"s3:*","Resource":"*")"), R,
       "Invalid principal in policy"},
      {"principal_service_wildcard",
       Stmt(R"("Effect":"Allow","Principal":{"Service":"*"},"Action":"s3:*","Resource":"*")"), R,
       "Invalid principal in policy"},
      {"principal_service_empty",
       Stmt(R"("Effect":"Allow","Principal":{"Service":""},"Action":"s3:*","Resource":"*")"), R,
       "Invalid principal in policy"},
      // Action / NotAction
      {"missing_action", Stmt(R"("Effect":"Allow","Principal":"*","Resource":"*")"), R, "Missing required field Action"},
      {"action_and_not_action",
       Stmt(R"("Effect":"Allow","Principal":"*","Action":"s3:*","NotAction":"iam:*","Resource":"*")"), R,
       "both Action and NotAction"},
      {"action_without_service", Stmt(R"("Effect":"Allow","Principal":"*","Action":"GetObject","Resource":"*")"), R,
       "Policy has invalid action"},
      {"action_empty_string", Stmt(R"("Effect":"Allow","Principal":"*","Action":"","Resource":"*")"), R,
       "Policy has invalid action"},
      {"action_empty_name", Stmt(R"("Effect":"Allow","Principal":"*","Action":"s3:","Resource":"*")"), R,
       "Policy has invalid action"},
      {"action_space", Stmt(R"("Effect":"Allow","Principal":"*","Action":"s3 :GetObject","Resource":"*")"), R,
       "Policy has invalid action"},
      {"action_wildcard_service", Stmt(R"("Effect":"Allow","Principal":"*","Action":"s*:GetObject","Resource":"*")"), R,
       "Policy has invalid action"},
      {"action_number", Stmt(R"("Effect":"Allow","Principal":"*","Action":5,"Resource":"*")"), R,
       "Policy has invalid action"},
      {"action_empty_list", Stmt(R"("Effect":"Allow","Principal":"*","Action":[],"Resource":"*")"), R,
       "Policy has invalid action"},
      {"action_list_with_object", Stmt(R"("Effect":"Allow","Principal":"*","Action":["s3:*",{}],"Resource":"*")"), R,
       "Policy has invalid action"},
      {"not_action_invalid", Stmt(R"("Effect":"Allow","Principal":"*","NotAction":"nope","Resource":"*")"), R,
       "Policy has invalid action"},
      // Resource / NotResource
      {"missing_resource", Stmt(R"("Effect":"Allow","Principal":"*","Action":"s3:*")"), R,
       "Missing required field Resource"},
      {"identity_missing_resource", Stmt(R"("Effect":"Allow","Action":"s3:*")"), I, "Missing required field Resource"},
      {"resource_and_not_resource",
       Stmt(R"("Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","NotResource":"arn:aws:s3:::b")"), R,
       "both Resource and NotResource"},
      {"resource_not_arn", Stmt(R"("Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"bucket/key")"), R,
       "Policy has invalid resource"},
      {"resource_short_arn", Stmt(R"("Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3")"), R,
       "Policy has invalid resource"},
      {"resource_empty", Stmt(R"("Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"")"), R,
       "Policy has invalid resource"},
      {"resource_number", Stmt(R"("Effect":"Allow","Principal":"*","Action":"s3:*","Resource":1)"), R,
       "Policy has invalid resource"},
      {"resource_empty_list", Stmt(R"("Effect":"Allow","Principal":"*","Action":"s3:*","Resource":[])"), R,
       "Policy has invalid resource"},
      {"not_resource_invalid", Stmt(R"("Effect":"Allow","Principal":"*","Action":"s3:*","NotResource":["x"])"), R,
       "Policy has invalid resource"},
      // Condition
      {"condition_not_object", WithCondition(R"(["StringEquals"])"), R, "Condition must be an object"},
      {"condition_string", WithCondition(R"("aws:SecureTransport")"), R, "Condition must be an object"},
      {"unknown_operator", WithCondition(R"({"StringEqualz":{"k":"v"}})"), R, "Unknown condition operator"},
      {"operator_wrong_case", WithCondition(R"({"stringequals":{"k":"v"}})"), R, "Unknown condition operator"},
      {"null_if_exists", WithCondition(R"({"NullIfExists":{"k":"true"}})"), R, "Unknown condition operator"},
      {"for_any_value_null", WithCondition(R"({"ForAnyValue:Null":{"k":"true"}})"), R, "Unknown condition operator"},
      {"unknown_set_prefix", WithCondition(R"({"ForSomeValues:StringEquals":{"k":"v"}})"), R,
       "Unknown condition operator"},
      {"double_if_exists", WithCondition(R"({"StringEqualsIfExistsIfExists":{"k":"v"}})"), R,
       "Unknown condition operator"},
      {"operator_value_string", WithCondition(R"({"StringEquals":"v"})"), R, "must map condition keys"},
      {"operator_value_empty", WithCondition(R"({"StringEquals":{}})"), R, "must map condition keys"},
      {"condition_key_empty", WithCondition(R"({"StringEquals":{"":"v"}})"), R, "Condition key must not be empty"},
      {"condition_value_null", WithCondition(R"({"StringEquals":{"k":null}})"), R, "Invalid condition value"},
      {"condition_value_object", WithCondition(R"({"StringEquals":{"k":{"a":"b"}}})"), R, "Invalid condition value"},
      {"condition_value_nested_list", WithCondition(R"({"StringEquals":{"k":[["v"]]}})"), R, "Invalid condition value"},
      {"condition_value_empty_list", WithCondition(R"({"StringEquals":{"k":[]}})"), R, "is empty"},
      {"numeric_not_number", WithCondition(R"({"NumericLessThan":{"s3:max-keys":"ten"}})"), R,
       "Invalid condition value for NumericLessThan"},
      {"numeric_inf", WithCondition(R"({"NumericEquals":{"k":"inf"}})"), R, "Invalid condition value"},
      {"date_not_date", WithCondition(R"({"DateGreaterThan":{"aws:CurrentTime":"yesterday"}})"), R,
       "Invalid condition value for DateGreaterThan"},
      {"date_bad_month", WithCondition(R"({"DateLessThan":{"aws:CurrentTime":"2026-13-01T00:00:00Z"}})"), R,
       "Invalid condition value"},
      {"ip_bad_octet", WithCondition(R"({"IpAddress":{"aws:SourceIp":"300.1.1.1/8"}})"), R,
       "Invalid condition value for IpAddress"},
      {"ip_bad_prefix", WithCondition(R"({"NotIpAddress":{"aws:SourceIp":"10.0.0.0/33"}})"), R,
       "Invalid condition value"},
      {"ip6_bad_prefix", WithCondition(R"({"IpAddress":{"aws:SourceIp":"2001:db8::/129"}})"), R,
       "Invalid condition value"},
      {"ip_hostname", WithCondition(R"({"IpAddress":{"aws:SourceIp":"example.com"}})"), R, "Invalid condition value"},
      {"bool_not_bool", WithCondition(R"({"Bool":{"aws:SecureTransport":"yes"}})"), R,
       "Invalid condition value for Bool"},
      {"null_not_bool", WithCondition(R"({"Null":{"aws:SourceArn":"maybe"}})"), R, "Invalid condition value for Null"},
  };
  // More than 100 statements.
  std::string many = R"({"Statement":[)";
  for (int i = 0; i < 101; ++i) many += std::string(i ? "," : "") + "{" + kBase + "}";
  many += "]}";
  cases.push_back({"too_many_statements", many, R, "too many statements"});
  return cases;
}

class PolicyMalformedTest : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(PolicyMalformedTest, IsMalformedPolicy) {
  const auto& c = GetParam();
  auto p = ParsePolicy(c.text, c.kind);
  ASSERT_FALSE(p.ok()) << c.text;
  EXPECT_EQ(p.status().code(), "MalformedPolicy");
  EXPECT_EQ(p.status().http_status(), 400);
  EXPECT_NE(p.status().message().find(c.message), std::string::npos)
      << "message: " << p.status().message() << "\nwant substring: " << c.message;
}

INSTANTIATE_TEST_SUITE_P(All, PolicyMalformedTest, ::testing::ValuesIn(MalformedCases()),
                         [](const auto& info) { return std::string(info.param.name); });

struct ValidCase {
  const char* name;
  std::string text;
  PolicyKind kind;
};

class PolicyValidTest : public ::testing::TestWithParam<ValidCase> {};

TEST_P(PolicyValidTest, Parses) {
  const auto& c = GetParam();
  auto p = ParsePolicy(c.text, c.kind);
  ASSERT_TRUE(p.ok()) << p.status().ToString() << "\n" << c.text;
  EXPECT_EQ((*p)->text(), c.text);
}

INSTANTIATE_TEST_SUITE_P(
    All, PolicyValidTest,
    ::testing::Values(
        ValidCase{"basic", std::string(kGood), PolicyKind::kResource},
        ValidCase{"no_version", R"({"Statement":[{)" + std::string(kBase) + "}]}", PolicyKind::kResource},
        ValidCase{"version_2008", R"({"Version":"2008-10-17","Statement":{)" + std::string(kBase) + "}}",
                  PolicyKind::kResource},
        ValidCase{"statement_object_and_id", R"({"Id":"p1","Statement":{)" + std::string(kBase) + "}}",
                  PolicyKind::kResource},
        ValidCase{"identity", R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]})",
                  PolicyKind::kIdentity},
        ValidCase{"identity_not_action_not_resource",
                  R"({"Statement":[{"Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:iam::111122223333:*"}]})",
                  PolicyKind::kIdentity},
        ValidCase{"not_principal", Stmt(R"("Effect":"Deny","NotPrincipal":{"AWS":["111122223333","arn:aws:iam::111122223333:user/alice"]},"Action":"s3:*","Resource":"*")"),
                  PolicyKind::kResource},
        ValidCase{"all_principal_types",
                  Stmt(R"("Effect":"Allow","Principal":{"AWS":["*","111122223333","arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:user/a/b/alice","arn:aws:iam::111122223333:role/service-role/R","arn:aws:sts::111122223333:assumed-role/R/s","arn:aws:sts::111122223333:federated-user/bob"],"Service":["cloudtrail.amazonaws.com","s3.amazonaws.com"],"Federated":"cognito-identity.amazonaws.com","CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"s3:*","Resource":"*")"),
                  PolicyKind::kResource},
        ValidCase{"condition_scalars",
                  WithCondition(R"({"Bool":{"aws:SecureTransport":false},"NumericLessThanEquals":{"s3:max-keys":[10,2.5,"7"]},"StringEquals":{"k":["a",1,true]},"DateGreaterThan":{"aws:EpochTime":1700000000}})"),
                  PolicyKind::kResource},
        ValidCase{"every_operator",
                  WithCondition(
                      R"({"StringEquals":{"a":"x"},"StringNotEquals":{"a":"x"},"StringEqualsIgnoreCase":{"a":"x"},)"
                      R"("StringNotEqualsIgnoreCase":{"a":"x"},"StringLike":{"a":"x*"},"StringNotLike":{"a":"x?"},)"
                      R"("ArnEquals":{"a":"arn:aws:s3:::b"},"ArnNotEquals":{"a":"arn:aws:s3:::b"},"ArnLike":{"a":"arn:aws:s3:::*"},)"
                      R"("ArnNotLike":{"a":"arn:*"},"Bool":{"a":"true"},"BinaryEquals":{"a":"QmluYXJ5"},)"
                      R"("NumericEquals":{"a":"1"},"NumericNotEquals":{"a":"1"},"NumericLessThan":{"a":"1"},)"
                      R"("NumericLessThanEquals":{"a":"1"},"NumericGreaterThan":{"a":"1"},"NumericGreaterThanEquals":{"a":"1"},)"
                      R"("DateEquals":{"a":"2026-01-01T00:00:00Z"},"DateNotEquals":{"a":"2026-01-01"},"DateLessThan":{"a":"1700000000"},)"
                      R"("DateLessThanEquals":{"a":"2026-01-01T00:00:00+02:00"},"DateGreaterThan":{"a":"20260101T000000Z"},)"
                      R"("DateGreaterThanEquals":{"a":"2026-01-01T00:00:00.5Z"},"IpAddress":{"a":["10.0.0.0/8","2001:db8::/32","::1"]},)"
                      R"("NotIpAddress":{"a":"192.0.2.1"},"Null":{"a":"true"},"StringEqualsIfExists":{"a":"x"},)"
                      R"("ForAnyValue:StringLike":{"a":"x"},"ForAllValues:StringEquals":{"a":"x"},)"
                      R"("ForAnyValue:NumericLessThanIfExists":{"a":"1"},"ForAllValues:IpAddressIfExists":{"a":"10.0.0.0/8"}})"),
                  PolicyKind::kResource},
        ValidCase{"empty_condition_block", WithCondition("{}"), PolicyKind::kResource}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(PolicyParseTest, ResourceOptionalOnlyWhenAsked) {
  std::string trust =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
  EXPECT_FALSE(ParsePolicy(trust, PolicyKind::kResource).ok());
  ParseOptions options;
  options.require_resource = false;
  auto p = ParsePolicy(trust, PolicyKind::kResource, options);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ((*p)->Evaluate(Req("sts:AssumeRole", "arn:aws:iam::111122223333:role/R", Service("cloudtrail.amazonaws.com"))),
            Decision::kAllow);
  EXPECT_EQ((*p)->Evaluate(Req("sts:AssumeRole", "", kAlice)), Decision::kNoMatch);
}

TEST(PolicyParseTest, SizeLimitIsConfigurable) {
  std::string big = std::string(kGood) + std::string(25 * 1024, ' ');
  EXPECT_FALSE(ParsePolicy(big, PolicyKind::kResource).ok());
  ParseOptions kms;
  kms.max_bytes = 32 * 1024;
  EXPECT_TRUE(ParsePolicy(big, PolicyKind::kResource, kms).ok());
  // Exactly at the limit is fine.
  std::string at_limit = std::string(kGood) + std::string(20 * 1024 - kGood.size(), ' ');
  EXPECT_TRUE(ParsePolicy(at_limit, PolicyKind::kResource).ok());
}

TEST(PolicyParseTest, HostileInputNeverThrowsOrCrashes) {
  // Random bytes, and random single-byte mutations of valid policies: parse must return
  // (ok or MalformedPolicy), and whatever parses must evaluate.
  std::mt19937 rng(12345);
  std::string seed = OneStatement("Allow", R"({"AWS":["111122223333"],"Service":"cloudtrail.amazonaws.com"})",
                                  R"(["s3:Get*","s3:PutObject"])", R"(["arn:aws:s3:::b/*"])",
                                  R"({"StringLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:111122223333:trail/*"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"Null":{"s3:x-amz-acl":"false"}})");
  std::string alphabet = "{}[]\":,*?\\ abcAWS0123456789-./";
  alphabet += '\0';
  alphabet += '\xff';
  int parsed = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text = seed;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t pos = rng() % text.size();
      switch (rng() % 3) {
        case 0: text[pos] = alphabet[rng() % alphabet.size()]; break;
        case 1: text.erase(pos, 1); break;
        default: text.insert(pos, 1, alphabet[rng() % alphabet.size()]); break;
      }
    }
    auto p = ParsePolicy(text, PolicyKind::kResource);
    if (p.ok()) {
      ++parsed;
      (*p)->Evaluate(Req("s3:GetObject", "arn:aws:s3:::b/k", kAlice, {{"aws:SourceIp", {"10.1.2.3"}}}));
    } else {
      EXPECT_EQ(p.status().code(), "MalformedPolicy") << p.status().ToString();
    }
  }
  EXPECT_GT(parsed, 0);
  for (int i = 0; i < 2000; ++i) {
    std::string text(rng() % 200, '\0');
    for (auto& c : text) c = static_cast<char>(rng());
    auto p = ParsePolicy(text, PolicyKind::kResource);
    EXPECT_FALSE(p.ok());
  }
}

TEST(PolicyParseTest, HugeArraysAreBoundedBySize) {
  std::string actions = "[";
  for (int i = 0; i < 5000; ++i) actions += std::string(i ? "," : "") + "\"s3:GetObject\"";
  actions += "]";
  auto p = ParsePolicy(OneStatement("Allow", "\"*\"", actions, "\"*\""), PolicyKind::kResource);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), "MalformedPolicy");
}

// --------------------------------------------------------------------------------------
// Actions and resources
// --------------------------------------------------------------------------------------

struct MatchCase {
  const char* pattern;
  const char* value;
  bool match;
};

TEST(PolicyActionTest, WildcardsAndCaseInsensitivity) {
  const MatchCase cases[] = {
      {"s3:GetObject", "s3:GetObject", true},
      {"s3:GetObject", "S3:getobject", true},
      {"S3:GETOBJECT", "s3:GetObject", true},
      {"s3:Get*", "s3:GetObjectAcl", true},
      {"s3:get*", "s3:GetObject", true},
      {"s3:Get*", "s3:PutObject", false},
      {"s3:*", "s3:DeleteBucket", true},
      {"s3:*", "s3express:CreateSession", false},
      {"s3:*", "iam:CreateUser", false},
      {"*", "kms:Decrypt", true},
      {"s3:?etObject", "s3:GetObject", true},
      {"s3:?etObject", "s3:GettObject", false},
      {"kms:GenerateDataKey*", "kms:GenerateDataKeyWithoutPlaintext", true},
      {"kms:GenerateDataKey*", "kms:GenerateDataKey", true},
      {"s3:*Object", "s3:GetObject", true},
      {"s3:*Object", "s3:GetObjectAcl", false},
      {"s3:GetObject", "s3:GetObjectAcl", false},
  };
  for (const auto& c : cases) {
    auto p = MustParse(OneStatement("Allow", "\"*\"", "\"" + std::string(c.pattern) + "\"", "\"*\""));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->Evaluate(Req(c.value, "arn:aws:s3:::b")), c.match ? Decision::kAllow : Decision::kNoMatch)
        << c.pattern << " vs " << c.value;
  }
}

TEST(PolicyActionTest, NotActionMatchesEverythingElseInAnyService) {
  auto p = MustParse(Stmt(R"("Effect":"Allow","Principal":"*","NotAction":["s3:Delete*","iam:*"],"Resource":"*")"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->Evaluate(Req("s3:GetObject", "arn:aws:s3:::b/k")), Decision::kAllow);
  EXPECT_EQ(p->Evaluate(Req("kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/k")), Decision::kAllow);
  EXPECT_EQ(p->Evaluate(Req("s3:DeleteObject", "arn:aws:s3:::b/k")), Decision::kNoMatch);
  EXPECT_EQ(p->Evaluate(Req("S3:deleteBucket", "arn:aws:s3:::b")), Decision::kNoMatch);
  EXPECT_EQ(p->Evaluate(Req("iam:CreateUser", "*")), Decision::kNoMatch);
}

TEST(PolicyResourceTest, WildcardsCaseSensitive) {
  const MatchCase cases[] = {
      {"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c", true},
      {"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", false},
      {"arn:aws:s3:::bucket*", "arn:aws:s3:::bucket", true},
      {"arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/x", false},
      {"arn:aws:s3:::bucket/Key", "arn:aws:s3:::bucket/key", false},
      {"arn:aws:s3:::bucket/AWSLogs/111122223333/*", "arn:aws:s3:::bucket/AWSLogs/111122223333/CloudTrail/x.json.gz", true},
      {"arn:aws:s3:::bucket/AWSLogs/111122223333/*", "arn:aws:s3:::bucket/AWSLogs/444455556666/CloudTrail/x", false},
      {"arn:aws:s3:::bucket/?" "?/*", "arn:aws:s3:::bucket/ab/c", true},
      {"arn:aws:s3:::bucket/?" "?/*", "arn:aws:s3:::bucket/abc/c", false},
      {"arn:aws:logs:*:*:*", "arn:aws:logs:us-east-1:111122223333:log-group:g:log-stream:s", true},
      {"*", "arn:aws:kms:us-east-1:111122223333:key/1234", true},
  };
  for (const auto& c : cases) {
    auto p = MustParse(OneStatement("Allow", "\"*\"", "\"s3:GetObject\"", "\"" + std::string(c.pattern) + "\""));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->Evaluate(Req("s3:GetObject", c.value)), c.match ? Decision::kAllow : Decision::kNoMatch)
        << c.pattern << " vs " << c.value;
  }
}

TEST(PolicyResourceTest, NotResource) {
  auto p = MustParse(
      Stmt(R"("Effect":"Deny","Principal":"*","Action":"s3:*","NotResource":["arn:aws:s3:::public/*","arn:aws:s3:::public"])"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->Evaluate(Req("s3:GetObject", "arn:aws:s3:::private/k")), Decision::kDeny);
  EXPECT_EQ(p->Evaluate(Req("s3:GetObject", "arn:aws:s3:::public/k")), Decision::kNoMatch);
  EXPECT_EQ(p->Evaluate(Req("s3:ListBucket", "arn:aws:s3:::public")), Decision::kNoMatch);
}

// --------------------------------------------------------------------------------------
// Principals
// --------------------------------------------------------------------------------------

struct PrincipalCase {
  const char* name;
  const char* principal;  // the Principal element's JSON
  PrincipalRef who;
  bool match;
};

std::vector<PrincipalCase> PrincipalCases() {
  const auto root = Aws("arn:aws:iam::111122223333:root");
  const auto alice = Aws("arn:aws:iam::111122223333:user/alice");
  const auto bob = Aws("arn:aws:iam::111122223333:user/bob");
  const auto pathed_alice = Aws("arn:aws:iam::111122223333:user/team/alice");
  const auto role = Aws("arn:aws:iam::111122223333:role/Deployer");
  const auto session = Aws("arn:aws:sts::111122223333:assumed-role/Deployer/build-42");
  const auto other_session = Aws("arn:aws:sts::111122223333:assumed-role/Reader/build-42");
  const auto federated = Aws("arn:aws:sts::111122223333:federated-user/carol");
  const auto stranger = Aws("arn:aws:iam::444455556666:user/alice");
  const auto stranger_root = Aws("arn:aws:iam::444455556666:root");
  const auto cloudtrail = Service("cloudtrail.amazonaws.com");
  const auto config = Service("config.amazonaws.com");
  const auto anonymous = Anonymous();
  return {
      {"star_user", R"("*")", alice, true},
      {"star_anonymous", R"("*")", anonymous, true},
      {"star_service", R"("*")", cloudtrail, true},
      {"aws_star_user", R"({"AWS":"*"})", stranger, true},
      {"aws_star_anonymous", R"({"AWS":"*"})", anonymous, true},
      {"aws_star_service", R"({"AWS":"*"})", cloudtrail, true},
      {"account_id_root", R"({"AWS":"111122223333"})", root, true},
      {"account_id_user", R"({"AWS":"111122223333"})", alice, true},
      {"account_id_role", R"({"AWS":"111122223333"})", role, true},
      {"account_id_session", R"({"AWS":"111122223333"})", session, true},
      {"account_id_federated", R"({"AWS":"111122223333"})", federated, true},
      {"account_id_other_account", R"({"AWS":"111122223333"})", stranger, false},
      {"account_id_anonymous", R"({"AWS":"111122223333"})", anonymous, false},
      {"account_id_service", R"({"AWS":"111122223333"})", cloudtrail, false},
      {"root_arn_user", R"({"AWS":"arn:aws:iam::111122223333:root"})", alice, true},
      {"root_arn_session", R"({"AWS":"arn:aws:iam::111122223333:root"})", session, true},
      {"root_arn_other_root", R"({"AWS":"arn:aws:iam::111122223333:root"})", stranger_root, false},
      {"root_arn_service", R"({"AWS":"arn:aws:iam::111122223333:root"})", cloudtrail, false},
      {"user_arn_same_user", R"({"AWS":"arn:aws:iam::111122223333:user/alice"})", alice, true},
      {"user_arn_name_case", R"({"AWS":"arn:aws:iam::111122223333:user/Alice"})", alice, true},
      {"user_arn_other_user", R"({"AWS":"arn:aws:iam::111122223333:user/alice"})", bob, false},
      {"user_arn_root", R"({"AWS":"arn:aws:iam::111122223333:user/alice"})", root, false},
      {"user_arn_other_account", R"({"AWS":"arn:aws:iam::111122223333:user/alice"})", stranger, false},
      {"user_arn_other_path", R"({"AWS":"arn:aws:iam::111122223333:user/alice"})", pathed_alice, false},
      {"user_arn_with_path", R"({"AWS":"arn:aws:iam::111122223333:user/team/alice"})", pathed_alice, true},
      {"role_arn_role", R"({"AWS":"arn:aws:iam::111122223333:role/Deployer"})", role, true},
      {"role_arn_session", R"({"AWS":"arn:aws:iam::111122223333:role/Deployer"})", session, true},
      {"role_arn_with_path_session", R"({"AWS":"arn:aws:iam::111122223333:role/ci/Deployer"})", session, true},
      {"role_arn_other_role_session", R"({"AWS":"arn:aws:iam::111122223333:role/Deployer"})", other_session, false},
      {"role_arn_user", R"({"AWS":"arn:aws:iam::111122223333:role/Deployer"})", alice, false},
      {"role_arn_root", R"({"AWS":"arn:aws:iam::111122223333:role/Deployer"})", root, false},
      {"session_arn_session", R"({"AWS":"arn:aws:sts::111122223333:assumed-role/Deployer/build-42"})", session, true},
      {"session_arn_role", R"({"AWS":"arn:aws:sts::111122223333:assumed-role/Deployer/build-42"})", role, false},
      {"session_arn_other_session", R"({"AWS":"arn:aws:sts::111122223333:assumed-role/Deployer/build-43"})", session,
       false},
      {"federated_user_arn", R"({"AWS":"arn:aws:sts::111122223333:federated-user/carol"})", federated, true},
      {"list_second_entry", R"({"AWS":["444455556666","arn:aws:iam::111122223333:user/alice"]})", alice, true},
      {"list_no_entry", R"({"AWS":["444455556666","arn:aws:iam::111122223333:user/bob"]})", alice, false},
      {"service_same", R"({"Service":"cloudtrail.amazonaws.com"})", cloudtrail, true},
      {"service_case", R"({"Service":"CloudTrail.amazonaws.com"})", cloudtrail, true},
      {"service_other", R"({"Service":"cloudtrail.amazonaws.com"})", config, false},
      {"service_list", R"({"Service":["config.amazonaws.com","cloudtrail.amazonaws.com"]})", cloudtrail, true},
      {"service_vs_user", R"({"Service":"cloudtrail.amazonaws.com"})", alice, false},
      {"service_vs_anonymous", R"({"Service":"cloudtrail.amazonaws.com"})", anonymous, false},
      {"aws_and_service_user", R"({"AWS":"111122223333","Service":"cloudtrail.amazonaws.com"})", alice, true},
      {"aws_and_service_service", R"({"AWS":"111122223333","Service":"cloudtrail.amazonaws.com"})", cloudtrail, true},
      {"federated_never_matches_aws", R"({"Federated":"cognito-identity.amazonaws.com"})", alice, false},
  };
}

class PolicyPrincipalTest : public ::testing::TestWithParam<PrincipalCase> {};

TEST_P(PolicyPrincipalTest, Principal) {
  const auto& c = GetParam();
  auto p = MustParse(OneStatement("Allow", c.principal, "\"s3:GetObject\"", "\"*\""));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->Evaluate(Req("s3:GetObject", "arn:aws:s3:::b/k", c.who)), c.match ? Decision::kAllow : Decision::kNoMatch);
}

TEST_P(PolicyPrincipalTest, NotPrincipalIsTheComplement) {
  const auto& c = GetParam();
  std::string text = Stmt(R"("Effect":"Deny","NotPrincipal":)" + std::string(c.principal) +
                          R"(,"Action":"s3:GetObject","Resource":"*")");
  auto p = MustParse(text);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->Evaluate(Req("s3:GetObject", "arn:aws:s3:::b/k", c.who)), c.match ? Decision::kNoMatch : Decision::kDeny);
}

INSTANTIATE_TEST_SUITE_P(All, PolicyPrincipalTest, ::testing::ValuesIn(PrincipalCases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(PolicyPrincipalTest, AccountFromArnWhenAccountIdMissing) {
  auto p = MustParse(OneStatement("Allow", R"({"AWS":"111122223333"})", "\"s3:*\"", "\"*\""));
  ASSERT_TRUE(p);
  PrincipalRef who;
  who.type = PrincipalRef::Type::kAws;
  who.arn = "arn:aws:iam::111122223333:user/alice";
  EXPECT_EQ(p->Evaluate(Req("s3:GetObject", "arn:aws:s3:::b", who)), Decision::kAllow);
}

TEST(PolicyPrincipalTest, IdentityPoliciesIgnoreThePrincipal) {
  auto p = MustParse(R"({"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]})", PolicyKind::kIdentity);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->Evaluate(Req("s3:GetObject", "arn:aws:s3:::b/k", Anonymous())), Decision::kAllow);
  EXPECT_EQ(p->Evaluate(Req("s3:GetObject", "arn:aws:s3:::b/k", kAlice)), Decision::kAllow);
}

// --------------------------------------------------------------------------------------
// Conditions
// --------------------------------------------------------------------------------------

struct ConditionCase {
  const char* name;
  const char* condition;  // the Condition element's JSON
  Keys keys;
  bool match;
};

std::vector<ConditionCase> ConditionCases() {
  const char* trail = "arn:aws:cloudtrail:us-east-1:111122223333:trail/audit";
  return {
      // String
      {"string_equals", R"({"StringEquals":{"aws:SourceAccount":"111122223333"}})", {{"aws:SourceAccount", {"111122223333"}}}, true},
      {"string_equals_differs", R"({"StringEquals":{"aws:SourceAccount":"111122223333"}})", {{"aws:SourceAccount", {"444455556666"}}}, false},
      {"string_equals_case_sensitive_value", R"({"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}})", {{"s3:x-amz-acl", {"Bucket-Owner-Full-Control"}}}, false},
      {"string_equals_key_case_insensitive", R"({"StringEquals":{"AWS:SOURCEACCOUNT":"111122223333"}})", {{"aws:SourceAccount", {"111122223333"}}}, true},
      {"string_equals_missing_key", R"({"StringEquals":{"aws:SourceAccount":"111122223333"}})", {}, false},
      {"string_equals_any_policy_value", R"({"StringEquals":{"aws:SourceAccount":["1","111122223333"]}})", {{"aws:SourceAccount", {"111122223333"}}}, true},
      {"string_equals_no_wildcards", R"({"StringEquals":{"s3:prefix":"logs/*"}})", {{"s3:prefix", {"logs/x"}}}, false},
      {"string_equals_number_value", R"({"StringEquals":{"s3:max-keys":10}})", {{"s3:max-keys", {"10"}}}, true},
      {"string_equals_bool_value", R"({"StringEquals":{"aws:SecureTransport":true}})", {{"aws:SecureTransport", {"true"}}}, true},
      {"string_equals_policy_variable_literal", R"({"StringEquals":{"s3:prefix":"${aws:username}"}})", {{"s3:prefix", {"${aws:username}"}}, {"aws:username", {"alice"}}}, true},
      {"string_not_equals", R"({"StringNotEquals":{"aws:SourceAccount":"111122223333"}})", {{"aws:SourceAccount", {"444455556666"}}}, true},
      {"string_not_equals_equal", R"({"StringNotEquals":{"aws:SourceAccount":["1","111122223333"]}})", {{"aws:SourceAccount", {"111122223333"}}}, false},
      {"string_not_equals_missing_key", R"({"StringNotEquals":{"aws:SourceAccount":"111122223333"}})", {}, true},
      {"string_equals_ignore_case", R"({"StringEqualsIgnoreCase":{"s3:x-amz-acl":"BUCKET-owner-full-control"}})", {{"s3:x-amz-acl", {"bucket-owner-full-control"}}}, true},
      {"string_equals_ignore_case_differs", R"({"StringEqualsIgnoreCase":{"s3:x-amz-acl":"private"}})", {{"s3:x-amz-acl", {"public-read"}}}, false},
      {"string_not_equals_ignore_case", R"({"StringNotEqualsIgnoreCase":{"s3:x-amz-acl":"PRIVATE"}})", {{"s3:x-amz-acl", {"private"}}}, false},
      {"string_not_equals_ignore_case_differs", R"({"StringNotEqualsIgnoreCase":{"s3:x-amz-acl":"PRIVATE"}})", {{"s3:x-amz-acl", {"public-read"}}}, true},
      {"string_like_star", R"({"StringLike":{"s3:prefix":"home/*"}})", {{"s3:prefix", {"home/alice/"}}}, true},
      {"string_like_question", R"({"StringLike":{"s3:prefix":"home/?"}})", {{"s3:prefix", {"home/a"}}}, true},
      {"string_like_no_match", R"({"StringLike":{"s3:prefix":"home/*"}})", {{"s3:prefix", {"tmp/x"}}}, false},
      {"string_like_case_sensitive", R"({"StringLike":{"s3:prefix":"Home/*"}})", {{"s3:prefix", {"home/x"}}}, false},
      {"string_like_kms_context", R"({"StringLike":{"kms:EncryptionContext:aws:cloudtrail:arn":"arn:aws:cloudtrail:*:111122223333:trail/*"}})", {{"kms:EncryptionContext:aws:cloudtrail:arn", {trail}}}, true},
      {"string_not_like", R"({"StringNotLike":{"s3:prefix":"home/*"}})", {{"s3:prefix", {"tmp/x"}}}, true},
      {"string_not_like_matches", R"({"StringNotLike":{"s3:prefix":["tmp/*","home/*"]}})", {{"s3:prefix", {"home/x"}}}, false},
      {"string_not_like_missing", R"({"StringNotLike":{"s3:prefix":"home/*"}})", {}, true},
      // Arn
      {"arn_equals", R"({"ArnEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/audit"}})", {{"aws:SourceArn", {trail}}}, true},
      {"arn_equals_other", R"({"ArnEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/other"}})", {{"aws:SourceArn", {trail}}}, false},
      {"arn_equals_case_sensitive", R"({"ArnEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/Audit"}})", {{"aws:SourceArn", {trail}}}, false},
      {"arn_like_segments", R"({"ArnLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:111122223333:trail/*"}})", {{"aws:SourceArn", {trail}}}, true},
      {"arn_like_star_stays_in_segment", R"({"ArnLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:trail/*"}})", {{"aws:SourceArn", {trail}}}, false},
      {"arn_like_other_account", R"({"ArnLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:444455556666:trail/*"}})", {{"aws:SourceArn", {trail}}}, false},
      {"arn_like_resource_with_colons", R"({"ArnLike":{"aws:SourceArn":"arn:aws:logs:us-east-1:111122223333:log-group:g:*"}})", {{"aws:SourceArn", {"arn:aws:logs:us-east-1:111122223333:log-group:g:log-stream:s"}}}, true},
      {"arn_like_not_an_arn", R"({"ArnLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:111122223333:trail/*"}})", {{"aws:SourceArn", {"trail/audit"}}}, false},
      {"arn_like_too_few_components", R"({"ArnLike":{"aws:SourceArn":"arn:aws:cloudtrail*"}})", {{"aws:SourceArn", {trail}}}, false},
      {"arn_not_like_too_few_components", R"({"ArnNotLike":{"aws:SourceArn":"arn:aws:cloudtrail*"}})", {{"aws:SourceArn", {trail}}}, true},
      {"arn_like_whole_star", R"({"ArnLike":{"aws:SourceArn":"*"}})", {{"aws:SourceArn", {trail}}}, true},
      {"arn_not_equals", R"({"ArnNotEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/other"}})", {{"aws:SourceArn", {trail}}}, true},
      {"arn_not_like", R"({"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/*"}})", {{"aws:PrincipalArn", {"arn:aws:iam::111122223333:role/Admin"}}}, false},
      {"arn_not_like_missing", R"({"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/*"}})", {}, true},
      // Bool
      {"bool_true", R"({"Bool":{"aws:SecureTransport":"true"}})", {{"aws:SecureTransport", {"true"}}}, true},
      {"bool_case_insensitive", R"({"Bool":{"aws:SecureTransport":"TRUE"}})", {{"aws:SecureTransport", {"True"}}}, true},
      {"bool_json_bool", R"({"Bool":{"aws:SecureTransport":false}})", {{"aws:SecureTransport", {"false"}}}, true},
      {"bool_mismatch", R"({"Bool":{"aws:SecureTransport":"false"}})", {{"aws:SecureTransport", {"true"}}}, false},
      {"bool_request_garbage", R"({"Bool":{"aws:SecureTransport":"false"}})", {{"aws:SecureTransport", {"nope"}}}, false},
      {"bool_missing", R"({"Bool":{"aws:SecureTransport":"false"}})", {}, false},
      {"bool_if_exists_missing", R"({"BoolIfExists":{"aws:SecureTransport":"false"}})", {}, true},
      // Binary
      {"binary_equals", R"({"BinaryEquals":{"k":"QmluYXJ5VmFsdWU="}})", {{"k", {"QmluYXJ5VmFsdWU="}}}, true},
      // Numeric
      {"numeric_equals", R"({"NumericEquals":{"s3:max-keys":"10"}})", {{"s3:max-keys", {"10"}}}, true},
      {"numeric_equals_forms", R"({"NumericEquals":{"s3:max-keys":10}})", {{"s3:max-keys", {"10.0"}}}, true},
      {"numeric_equals_exponent", R"({"NumericEquals":{"s3:max-keys":"1e3"}})", {{"s3:max-keys", {"1000"}}}, true},
      {"numeric_not_equals", R"({"NumericNotEquals":{"s3:max-keys":"10"}})", {{"s3:max-keys", {"11"}}}, true},
      {"numeric_not_equals_equal", R"({"NumericNotEquals":{"s3:max-keys":"10"}})", {{"s3:max-keys", {"10"}}}, false},
      {"numeric_less_than", R"({"NumericLessThan":{"s3:max-keys":"10"}})", {{"s3:max-keys", {"9"}}}, true},
      {"numeric_less_than_equal", R"({"NumericLessThan":{"s3:max-keys":"10"}})", {{"s3:max-keys", {"10"}}}, false},
      {"numeric_less_than_equals", R"({"NumericLessThanEquals":{"s3:max-keys":"10"}})", {{"s3:max-keys", {"10"}}}, true},
      {"numeric_greater_than", R"({"NumericGreaterThan":{"s3:max-keys":"10"}})", {{"s3:max-keys", {"10.5"}}}, true},
      {"numeric_greater_than_not", R"({"NumericGreaterThan":{"s3:max-keys":"10"}})", {{"s3:max-keys", {"-3"}}}, false},
      {"numeric_greater_than_equals", R"({"NumericGreaterThanEquals":{"s3:max-keys":"10"}})", {{"s3:max-keys", {"10"}}}, true},
      {"numeric_request_not_numeric", R"({"NumericLessThan":{"s3:max-keys":"10"}})", {{"s3:max-keys", {"five"}}}, false},
      {"numeric_request_hex", R"({"NumericLessThan":{"s3:max-keys":"100"}})", {{"s3:max-keys", {"0x10"}}}, false},
      {"numeric_request_empty", R"({"NumericLessThan":{"s3:max-keys":"100"}})", {{"s3:max-keys", {""}}}, false},
      {"numeric_missing", R"({"NumericLessThan":{"s3:max-keys":"10"}})", {}, false},
      // Date
      {"date_less_than", R"({"DateLessThan":{"aws:CurrentTime":"2026-11-30T12:00:00Z"}})", {{"aws:CurrentTime", {"2026-11-30T11:59:59Z"}}}, true},
      {"date_less_than_equal_instant", R"({"DateLessThan":{"aws:CurrentTime":"2026-11-30T12:00:00Z"}})", {{"aws:CurrentTime", {"2026-11-30T12:00:00Z"}}}, false},
      {"date_less_than_equals", R"({"DateLessThanEquals":{"aws:CurrentTime":"2026-11-30T12:00:00Z"}})", {{"aws:CurrentTime", {"2026-11-30T12:00:00.000Z"}}}, true},
      {"date_greater_than", R"({"DateGreaterThan":{"aws:CurrentTime":"2026-11-30"}})", {{"aws:CurrentTime", {"2026-11-30T00:00:01Z"}}}, true},
      {"date_greater_than_equals", R"({"DateGreaterThanEquals":{"aws:CurrentTime":"2026-11-30T12:00:00Z"}})", {{"aws:CurrentTime", {"2026-11-30T11:00:00Z"}}}, false},
      {"date_equals_offset", R"({"DateEquals":{"aws:CurrentTime":"2026-11-30T13:00:00+01:00"}})", {{"aws:CurrentTime", {"2026-11-30T12:00:00Z"}}}, true},
      {"date_equals_epoch_vs_iso", R"({"DateEquals":{"aws:EpochTime":"1796040000"}})", {{"aws:EpochTime", {"2026-11-30T12:00:00Z"}}}, true},
      {"date_epoch_json_number", R"({"DateLessThan":{"aws:EpochTime":1796040000}})", {{"aws:EpochTime", {"1796039999"}}}, true},
      {"date_not_equals", R"({"DateNotEquals":{"aws:CurrentTime":"2026-11-30T12:00:00Z"}})", {{"aws:CurrentTime", {"2026-11-30T12:00:01Z"}}}, true},
      {"date_request_garbage", R"({"DateLessThan":{"aws:CurrentTime":"2026-11-30T12:00:00Z"}})", {{"aws:CurrentTime", {"soon"}}}, false},
      {"date_missing", R"({"DateLessThan":{"aws:CurrentTime":"2026-11-30T12:00:00Z"}})", {}, false},
      // IpAddress
      {"ip_v4_cidr", R"({"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}})", {{"aws:SourceIp", {"203.0.113.77"}}}, true},
      {"ip_v4_cidr_outside", R"({"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}})", {{"aws:SourceIp", {"203.0.114.1"}}}, false},
      {"ip_v4_odd_prefix", R"({"IpAddress":{"aws:SourceIp":"10.0.0.0/13"}})", {{"aws:SourceIp", {"10.7.255.255"}}}, true},
      {"ip_v4_odd_prefix_outside", R"({"IpAddress":{"aws:SourceIp":"10.0.0.0/13"}})", {{"aws:SourceIp", {"10.8.0.0"}}}, false},
      {"ip_v4_plain", R"({"IpAddress":{"aws:SourceIp":"192.0.2.1"}})", {{"aws:SourceIp", {"192.0.2.1"}}}, true},
      {"ip_v4_plain_other", R"({"IpAddress":{"aws:SourceIp":"192.0.2.1"}})", {{"aws:SourceIp", {"192.0.2.2"}}}, false},
      {"ip_v4_any", R"({"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}})", {{"aws:SourceIp", {"8.8.8.8"}}}, true},
      {"ip_v6_cidr", R"({"IpAddress":{"aws:SourceIp":"2001:db8::/32"}})", {{"aws:SourceIp", {"2001:db8:1234::1"}}}, true},
      {"ip_v6_cidr_outside", R"({"IpAddress":{"aws:SourceIp":"2001:db8::/32"}})", {{"aws:SourceIp", {"2001:db9::1"}}}, false},
      {"ip_v6_plain", R"({"IpAddress":{"aws:SourceIp":"::1"}})", {{"aws:SourceIp", {"0:0:0:0:0:0:0:1"}}}, true},
      {"ip_v4_policy_v6_request", R"({"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}})", {{"aws:SourceIp", {"2001:db8::1"}}}, false},
      {"ip_v4_mapped_request", R"({"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}})", {{"aws:SourceIp", {"::ffff:203.0.113.9"}}}, true},
      {"ip_list", R"({"IpAddress":{"aws:SourceIp":["198.51.100.0/24","203.0.113.0/24"]}})", {{"aws:SourceIp", {"203.0.113.9"}}}, true},
      {"ip_request_garbage", R"({"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}})", {{"aws:SourceIp", {"localhost"}}}, false},
      {"ip_request_cidr", R"({"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}})", {{"aws:SourceIp", {"10.0.0.0/8"}}}, false},
      {"ip_missing", R"({"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}})", {}, false},
      {"not_ip_outside", R"({"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}})", {{"aws:SourceIp", {"198.51.100.1"}}}, true},
      {"not_ip_inside", R"({"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}})", {{"aws:SourceIp", {"203.0.113.1"}}}, false},
      {"not_ip_missing", R"({"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}})", {}, true},
      // IfExists
      {"if_exists_missing", R"({"StringEqualsIfExists":{"s3:x-amz-acl":"private"}})", {}, true},
      {"if_exists_present_match", R"({"StringEqualsIfExists":{"s3:x-amz-acl":"private"}})", {{"s3:x-amz-acl", {"private"}}}, true},
      {"if_exists_present_mismatch", R"({"StringEqualsIfExists":{"s3:x-amz-acl":"private"}})", {{"s3:x-amz-acl", {"public-read"}}}, false},
      {"if_exists_empty_values_is_missing", R"({"StringEqualsIfExists":{"s3:x-amz-acl":"private"}})", {{"s3:x-amz-acl", {}}}, true},
      {"numeric_if_exists_missing", R"({"NumericLessThanIfExists":{"s3:max-keys":"10"}})", {}, true},
      {"ip_if_exists_present", R"({"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}})", {{"aws:SourceIp", {"11.0.0.1"}}}, false},
      {"arn_like_if_exists_missing", R"({"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:cloudtrail:*:*:trail/*"}})", {}, true},
      {"date_if_exists_missing", R"({"DateLessThanIfExists":{"aws:CurrentTime":"2020-01-01"}})", {}, true},
      // Null
      {"null_true_absent", R"({"Null":{"aws:SourceArn":"true"}})", {}, true},
      {"null_true_present", R"({"Null":{"aws:SourceArn":"true"}})", {{"aws:SourceArn", {trail}}}, false},
      {"null_false_present", R"({"Null":{"kms:EncryptionContext:aws:cloudtrail:arn":"false"}})", {{"kms:EncryptionContext:aws:cloudtrail:arn", {trail}}}, true},
      {"null_false_absent", R"({"Null":{"kms:EncryptionContext:aws:cloudtrail:arn":"false"}})", {}, false},
      {"null_json_bool", R"({"Null":{"aws:SourceArn":true}})", {}, true},
      {"null_key_case", R"({"Null":{"AWS:SOURCEARN":"false"}})", {{"aws:SourceArn", {trail}}}, true},
      // Multi-valued keys and set operators
      {"single_any_request_value", R"({"StringEquals":{"aws:TagKeys":"env"}})", {{"aws:TagKeys", {"owner", "env"}}}, true},
      {"any_value_match", R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}})", {{"aws:TagKeys", {"owner", "env"}}}, true},
      {"any_value_no_match", R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}})", {{"aws:TagKeys", {"owner", "cost"}}}, false},
      {"any_value_absent", R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}})", {}, false},
      {"any_value_empty", R"({"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}})", {{"aws:TagKeys", {}}}, false},
      {"any_value_if_exists_absent", R"({"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["env"]}})", {}, true},
      {"any_value_like", R"({"ForAnyValue:StringLike":{"aws:TagKeys":"team-*"}})", {{"aws:TagKeys", {"owner", "team-a"}}}, true},
      {"any_value_not_equals", R"({"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env","team"]}})", {{"aws:TagKeys", {"env", "owner"}}}, true},
      {"any_value_not_equals_all_listed", R"({"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env","team"]}})", {{"aws:TagKeys", {"env", "team"}}}, false},
      {"all_values_subset", R"({"ForAllValues:StringEquals":{"aws:TagKeys":["env","team","owner"]}})", {{"aws:TagKeys", {"env", "owner"}}}, true},
      {"all_values_not_subset", R"({"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}})", {{"aws:TagKeys", {"env", "owner"}}}, false},
      {"all_values_absent", R"({"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}})", {}, true},
      {"all_values_empty", R"({"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}})", {{"aws:TagKeys", {}}}, true},
      {"all_values_not_like", R"({"ForAllValues:StringNotLike":{"aws:TagKeys":"secret*"}})", {{"aws:TagKeys", {"env", "owner"}}}, true},
      {"all_values_not_like_one_hit", R"({"ForAllValues:StringNotLike":{"aws:TagKeys":"secret*"}})", {{"aws:TagKeys", {"env", "secret-x"}}}, false},
      {"all_values_numeric", R"({"ForAllValues:NumericLessThan":{"k":"10"}})", {{"k", {"1", "2", "9"}}}, true},
      {"all_values_numeric_fail", R"({"ForAllValues:NumericLessThan":{"k":"10"}})", {{"k", {"1", "20"}}}, false},
      {"single_not_equals_multi_request", R"({"StringNotEquals":{"aws:TagKeys":"env"}})", {{"aws:TagKeys", {"owner", "env"}}}, false},
      // Blocks: every operator and every key must hold
      {"block_all_hold",
       R"({"StringEquals":{"aws:SourceAccount":"111122223333","s3:x-amz-acl":"bucket-owner-full-control"},"Bool":{"aws:SecureTransport":"true"}})",
       {{"aws:SourceAccount", {"111122223333"}}, {"s3:x-amz-acl", {"bucket-owner-full-control"}}, {"aws:SecureTransport", {"true"}}}, true},
      {"block_one_key_fails",
       R"({"StringEquals":{"aws:SourceAccount":"111122223333","s3:x-amz-acl":"bucket-owner-full-control"},"Bool":{"aws:SecureTransport":"true"}})",
       {{"aws:SourceAccount", {"111122223333"}}, {"s3:x-amz-acl", {"private"}}, {"aws:SecureTransport", {"true"}}}, false},
      {"block_one_operator_fails",
       R"({"StringEquals":{"aws:SourceAccount":"111122223333"},"Bool":{"aws:SecureTransport":"true"}})",
       {{"aws:SourceAccount", {"111122223333"}}, {"aws:SecureTransport", {"false"}}}, false},
      {"org_id", R"({"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}})", {{"aws:PrincipalOrgID", {"o-a1b2c3d4e5"}}}, true},
      {"caller_account", R"({"StringEquals":{"kms:CallerAccount":"111122223333"}})", {{"kms:CallerAccount", {"444455556666"}}}, false},
      {"empty_block", R"({})", {}, true},
  };
}

class PolicyConditionTest : public ::testing::TestWithParam<ConditionCase> {};

TEST_P(PolicyConditionTest, Condition) {
  const auto& c = GetParam();
  auto p = MustParse(OneStatement("Allow", "\"*\"", "\"s3:PutObject\"", "\"*\"", c.condition));
  ASSERT_TRUE(p);
  Decision d = p->Evaluate(Req("s3:PutObject", "arn:aws:s3:::b/k", kAlice, c.keys));
  EXPECT_EQ(d, c.match ? Decision::kAllow : Decision::kNoMatch) << c.condition << " → " << Name(d);
}

INSTANTIATE_TEST_SUITE_P(All, PolicyConditionTest, ::testing::ValuesIn(ConditionCases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(PolicyConditionTest, KeyLookupIsCaseInsensitiveBothWays) {
  auto p = MustParse(OneStatement("Allow", "\"*\"", "\"s3:*\"", "\"*\"", R"({"StringEquals":{"aws:sourcearn":"x"}})"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->Evaluate(Req("s3:GetObject", "arn:aws:s3:::b", kAlice, {{"AWS:SourceArn", {"x"}}})), Decision::kAllow);
  EXPECT_EQ(p->Evaluate(Req("s3:GetObject", "arn:aws:s3:::b", kAlice, {{"aws:sourcearn", {"x"}}})), Decision::kAllow);
}

// --------------------------------------------------------------------------------------
// Decisions
// --------------------------------------------------------------------------------------

TEST(PolicyDecisionTest, ExplicitDenyWins) {
  auto p = MustParse(R"({"Version":"2012-10-17","Statement":[
    {"Sid":"AllowAll","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"},
    {"Sid":"DenyInsecure","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*",
     "Condition":{"Bool":{"aws:SecureTransport":"false"}}},
    {"Sid":"AllowAgain","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"*"}]})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->Evaluate(Req("s3:GetObject", "arn:aws:s3:::b/k", kAlice, {{"aws:SecureTransport", {"true"}}})), Decision::kAllow);
  EXPECT_EQ(p->Evaluate(Req("s3:GetObject", "arn:aws:s3:::b/k", kAlice, {{"aws:SecureTransport", {"false"}}})), Decision::kDeny);
  // The deny's condition key missing: Bool on a missing key is false, so no deny.
  EXPECT_EQ(p->Evaluate(Req("s3:GetObject", "arn:aws:s3:::b/k", kAlice)), Decision::kAllow);
}

TEST(PolicyDecisionTest, DenyUnlessPatternWithNegatedOperatorOnMissingKey) {
  // "Deny unless from the trail": StringNotEquals on a missing key is true, so a request
  // without aws:SourceArn is denied rather than slipping through.
  auto p = MustParse(R"({"Statement":[
    {"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"*"},
    {"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"*",
     "Condition":{"StringNotEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/audit"}}}]})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->Evaluate(Req("s3:PutObject", "arn:aws:s3:::b/k")), Decision::kDeny);
  EXPECT_EQ(p->Evaluate(Req("s3:PutObject", "arn:aws:s3:::b/k", kAlice,
                            {{"aws:SourceArn", {"arn:aws:cloudtrail:us-east-1:111122223333:trail/audit"}}})),
            Decision::kAllow);
}

TEST(PolicyDecisionTest, NoMatchWhenNothingApplies) {
  auto p = MustParse(kGood);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->Evaluate(Req("s3:PutObject", "arn:aws:s3:::b/k")), Decision::kNoMatch);
  EXPECT_EQ(p->Evaluate(Req("s3:GetObject", "arn:aws:s3:::c/k")), Decision::kNoMatch);
}

TEST(PolicyDecisionTest, Combine) {
  using D = Decision;
  EXPECT_EQ(Combine({}), D::kNoMatch);
  EXPECT_EQ(Combine({D::kNoMatch, D::kNoMatch}), D::kNoMatch);
  EXPECT_EQ(Combine({D::kNoMatch, D::kAllow}), D::kAllow);
  EXPECT_EQ(Combine({D::kAllow, D::kDeny}), D::kDeny);
  EXPECT_EQ(Combine({D::kDeny, D::kAllow}), D::kDeny);
  EXPECT_EQ(Combine({D::kDeny, D::kNoMatch}), D::kDeny);
  EXPECT_EQ(Combine({D::kAllow}), D::kAllow);
}

// --------------------------------------------------------------------------------------
// delivery.md §8: the bucket policies CloudTrail needs
// --------------------------------------------------------------------------------------

constexpr const char* kTrailPolicy = R"({"Version":"2012-10-17","Statement":[
 {"Sid":"AWSCloudTrailAclCheck20150319","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::audit-logs-111122223333",
  "Condition":{"StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/audit"}}},
 {"Sid":"AWSCloudTrailWrite20150319","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"s3:PutObject","Resource":"arn:aws:s3:::audit-logs-111122223333/AWSLogs/111122223333/*",
  "Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control",
                               "aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/audit"}}}]})";

RequestContext TrailPut(std::string key, std::string source_arn, std::optional<std::string> acl = "bucket-owner-full-control",
                        PrincipalRef who = Service("cloudtrail.amazonaws.com"), std::string bucket = "audit-logs-111122223333") {
  size_t colon = 0;
  for (int i = 0; i < 4; ++i) colon = source_arn.find(':', colon) + 1;
  Keys keys{{"aws:SourceArn", {source_arn}}, {"aws:SourceAccount", {source_arn.substr(colon, 12)}}};
  if (acl) keys["s3:x-amz-acl"] = {*acl};
  return Req("s3:PutObject", "arn:aws:s3:::" + bucket + "/" + key, std::move(who), std::move(keys));
}

TEST(PolicyDeliveryTest, SingleAccountTrailPolicy) {
  auto p = MustParse(kTrailPolicy);
  ASSERT_TRUE(p);
  const std::string trail = "arn:aws:cloudtrail:us-east-1:111122223333:trail/audit";
  const std::string key = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/30/x.json.gz";
  EXPECT_EQ(p->Evaluate(TrailPut(key, trail)), Decision::kAllow);
  EXPECT_EQ(p->Evaluate(TrailPut("AWSLogs/111122223333/x", trail)), Decision::kAllow);
  // Another account's prefix, a prefix outside AWSLogs, the bucket root.
  EXPECT_EQ(p->Evaluate(TrailPut("AWSLogs/444455556666/x", trail)), Decision::kNoMatch);
  EXPECT_EQ(p->Evaluate(TrailPut("logs/AWSLogs/111122223333/x", trail)), Decision::kNoMatch);
  EXPECT_EQ(p->Evaluate(TrailPut("x", trail)), Decision::kNoMatch);
  // A missing or different ACL.
  EXPECT_EQ(p->Evaluate(TrailPut(key, trail, std::nullopt)), Decision::kNoMatch);
  EXPECT_EQ(p->Evaluate(TrailPut(key, trail, "private")), Decision::kNoMatch);
  // Another trail (same account, other account, other region).
  EXPECT_EQ(p->Evaluate(TrailPut(key, "arn:aws:cloudtrail:us-east-1:111122223333:trail/other")), Decision::kNoMatch);
  EXPECT_EQ(p->Evaluate(TrailPut(key, "arn:aws:cloudtrail:us-east-1:444455556666:trail/audit")), Decision::kNoMatch);
  EXPECT_EQ(p->Evaluate(TrailPut(key, "arn:aws:cloudtrail:eu-west-1:111122223333:trail/audit")), Decision::kNoMatch);
  // Not the service: the account's root, a user, another service, anonymous.
  EXPECT_EQ(p->Evaluate(TrailPut(key, trail, "bucket-owner-full-control", Aws("arn:aws:iam::111122223333:root"))), Decision::kNoMatch);
  EXPECT_EQ(p->Evaluate(TrailPut(key, trail, "bucket-owner-full-control", kAlice)), Decision::kNoMatch);
  EXPECT_EQ(p->Evaluate(TrailPut(key, trail, "bucket-owner-full-control", Service("config.amazonaws.com"))), Decision::kNoMatch);
  EXPECT_EQ(p->Evaluate(TrailPut(key, trail, "bucket-owner-full-control", Anonymous())), Decision::kNoMatch);
  // Another action on the same object.
  auto get = TrailPut(key, trail);
  get.action = "s3:GetObject";
  EXPECT_EQ(p->Evaluate(get), Decision::kNoMatch);
  // The ACL check.
  auto acl = Req("s3:GetBucketAcl", "arn:aws:s3:::audit-logs-111122223333", Service("cloudtrail.amazonaws.com"),
                 {{"aws:SourceArn", {trail}}});
  EXPECT_EQ(p->Evaluate(acl), Decision::kAllow);
  acl.keys["aws:SourceArn"] = {"arn:aws:cloudtrail:us-east-1:444455556666:trail/audit"};
  EXPECT_EQ(p->Evaluate(acl), Decision::kNoMatch);
  acl.keys.clear();
  EXPECT_EQ(p->Evaluate(acl), Decision::kNoMatch);
  acl.keys["aws:SourceArn"] = {trail};
  acl.resource = "arn:aws:s3:::audit-logs-111122223333/x";
  EXPECT_EQ(p->Evaluate(acl), Decision::kNoMatch);
}

constexpr const char* kMultiAccountPolicy = R"({"Version":"2012-10-17","Statement":[
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

TEST(PolicyDeliveryTest, MultiAccountPolicyAdmitsExactlyTheListedAccounts) {
  auto p = MustParse(kMultiAccountPolicy);
  ASSERT_TRUE(p);
  const char* accounts[] = {"111111111111", "222222222222", "333333333333"};
  for (const char* writer : accounts) {
    std::string trail = std::string("arn:aws:cloudtrail:us-east-1:") + writer + ":trail/main";
    for (const char* folder : accounts) {
      std::string key = std::string("logs/AWSLogs/") + folder + "/CloudTrail/us-east-1/2026/11/30/f.json.gz";
      bool listed_writer = std::string(writer) != "333333333333";
      bool listed_folder = std::string(folder) != "333333333333";
      // The policy (like AWS's example) does not tie a trail to its own folder: any listed
      // trail may write any listed folder. CloudTrail itself only writes its own account's.
      Decision want = listed_writer && listed_folder ? Decision::kAllow : Decision::kNoMatch;
      EXPECT_EQ(p->Evaluate(TrailPut(key, trail, "bucket-owner-full-control", Service("cloudtrail.amazonaws.com"),
                                     "central-trail")),
                want)
          << writer << " → " << folder;
    }
    auto acl = Req("s3:GetBucketAcl", "arn:aws:s3:::central-trail", Service("cloudtrail.amazonaws.com"),
                   {{"aws:SourceArn", {trail}}});
    EXPECT_EQ(p->Evaluate(acl), std::string(writer) != "333333333333" ? Decision::kAllow : Decision::kNoMatch) << writer;
  }
  const std::string trail1 = "arn:aws:cloudtrail:us-east-1:111111111111:trail/main";
  // Without the logs/ prefix, missing ACL, non-service principal.
  EXPECT_EQ(p->Evaluate(TrailPut("AWSLogs/111111111111/x", trail1, "bucket-owner-full-control",
                                 Service("cloudtrail.amazonaws.com"), "central-trail")),
            Decision::kNoMatch);
  EXPECT_EQ(p->Evaluate(TrailPut("logs/AWSLogs/111111111111/x", trail1, std::nullopt, Service("cloudtrail.amazonaws.com"),
                                 "central-trail")),
            Decision::kNoMatch);
  EXPECT_EQ(p->Evaluate(TrailPut("logs/AWSLogs/111111111111/x", trail1, "bucket-owner-full-control",
                                 Aws("arn:aws:iam::111111111111:root"), "central-trail")),
            Decision::kNoMatch);
  // Another trail name in a listed account.
  EXPECT_EQ(p->Evaluate(TrailPut("logs/AWSLogs/111111111111/x", "arn:aws:cloudtrail:us-east-1:111111111111:trail/other",
                                 "bucket-owner-full-control", Service("cloudtrail.amazonaws.com"), "central-trail")),
            Decision::kNoMatch);
}

TEST(PolicyDeliveryTest, KmsKeyPolicyStatements) {
  // delivery.md §9.2: CloudTrail may GenerateDataKey* for its account's trails; readers may
  // Decrypt only CloudTrail-encrypted data; the console's CallerAccount form.
  auto p = MustParse(R"({"Version":"2012-10-17","Statement":[
    {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
    {"Sid":"Allow CloudTrail to encrypt logs","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
     "Action":"kms:GenerateDataKey*","Resource":"*",
     "Condition":{"StringLike":{"kms:EncryptionContext:aws:cloudtrail:arn":"arn:aws:cloudtrail:*:111122223333:trail/*"},
                  "StringEquals":{"aws:SourceArn":"arn:aws:cloudtrail:us-east-1:111122223333:trail/audit"}}},
    {"Sid":"Allow log readers","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},
     "Action":["kms:Decrypt","kms:ReEncryptFrom"],"Resource":"*",
     "Condition":{"Null":{"kms:EncryptionContext:aws:cloudtrail:arn":"false"}}},
    {"Sid":"Console default","Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*",
     "Condition":{"StringEquals":{"kms:CallerAccount":"777788889999"},
                  "StringLike":{"kms:EncryptionContext:aws:cloudtrail:arn":"arn:aws:cloudtrail:*:111122223333:trail/*"}}}]})");
  ASSERT_TRUE(p);
  const std::string key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  const std::string trail = "arn:aws:cloudtrail:us-east-1:111122223333:trail/audit";
  Keys ctx{{"kms:EncryptionContext:aws:cloudtrail:arn", {trail}}, {"aws:SourceArn", {trail}}};
  EXPECT_EQ(p->Evaluate(Req("kms:GenerateDataKey", key, Service("cloudtrail.amazonaws.com"), ctx)), Decision::kAllow);
  Keys foreign{{"kms:EncryptionContext:aws:cloudtrail:arn", {"arn:aws:cloudtrail:us-east-1:444455556666:trail/x"}},
               {"aws:SourceArn", {trail}}};
  EXPECT_EQ(p->Evaluate(Req("kms:GenerateDataKey", key, Service("cloudtrail.amazonaws.com"), foreign)), Decision::kNoMatch);
  auto reader = Aws("arn:aws:sts::444455556666:assumed-role/LogReader/s");
  EXPECT_EQ(p->Evaluate(Req("kms:Decrypt", key, reader, ctx)), Decision::kAllow);
  EXPECT_EQ(p->Evaluate(Req("kms:Decrypt", key, reader)), Decision::kNoMatch);
  EXPECT_EQ(p->Evaluate(Req("kms:Encrypt", key, reader, ctx)), Decision::kNoMatch);
  auto console = Aws("arn:aws:iam::777788889999:user/ops");
  Keys console_ctx{{"kms:CallerAccount", {"777788889999"}}, {"kms:EncryptionContext:aws:cloudtrail:arn", {trail}}};
  EXPECT_EQ(p->Evaluate(Req("kms:Decrypt", key, console, console_ctx)), Decision::kAllow);
  console_ctx["kms:CallerAccount"] = {"000011112222"};
  EXPECT_EQ(p->Evaluate(Req("kms:Decrypt", key, console, console_ctx)), Decision::kNoMatch);
  EXPECT_EQ(p->Evaluate(Req("kms:ScheduleKeyDeletion", key, Aws("arn:aws:iam::111122223333:user/admin"))), Decision::kAllow);
}

// --------------------------------------------------------------------------------------
// WildcardMatch
// --------------------------------------------------------------------------------------

TEST(WildcardMatchTest, Table) {
  struct Case {
    const char* pattern;
    const char* value;
    bool ignore_case;
    bool match;
  } cases[] = {
      {"", "", false, true},
      {"", "a", false, false},
      {"*", "", false, true},
      {"*", "anything", false, true},
      {"**", "x", false, true},
      {"?", "", false, false},
      {"?", "a", false, true},
      {"?", "ab", false, false},
      {"abc", "abc", false, true},
      {"abc", "ABC", false, false},
      {"abc", "ABC", true, true},
      {"a*", "abc", false, true},
      {"a*", "bac", false, false},
      {"*c", "abc", false, true},
      {"*c", "abd", false, false},
      {"a*c", "ac", false, true},
      {"a*c", "abbbc", false, true},
      {"a*c", "abbbcd", false, false},
      {"a*b*c", "aXbYc", false, true},
      {"a*b*c", "aXcYb", false, false},
      {"*a*", "banana", false, true},
      {"*x*", "banana", false, false},
      {"a?c", "abc", false, true},
      {"a?c", "ac", false, false},
      {"*?", "", false, false},
      {"*?", "a", false, true},
      {"?*?", "ab", false, true},
      {"?*?", "a", false, false},
      {"*ab*ab*", "xxabyyab", false, true},
      {"*ab*ab*", "xxaby", false, false},
      {"A*B", "axxb", true, true},
      {"a?c*", "AbCdef", true, true},
      {"arn:aws:s3:::b/*", "arn:aws:s3:::b/", false, true},
      {"mississippi*", "mississippi", false, true},
      {"*issip*", "mississippi", false, true},
      {"*iss*ipp?", "mississippi", false, true},
      {"*iss*ipp?", "mississipp", false, false},
      {"\xc3\xa9*", "\xc3\xa9t\xc3\xa9", false, true},
  };
  for (const auto& c : cases)
    EXPECT_EQ(WildcardMatch(c.pattern, c.value, c.ignore_case), c.match)
        << "'" << c.pattern << "' vs '" << c.value << "' ignore_case=" << c.ignore_case;
}

TEST(WildcardMatchTest, LongPatternsSpanManyWords) {
  // Over 64 tokens: the multi-word state path.
  std::string value(300, 'a');
  value += "b";
  std::string pattern = std::string(150, 'a') + "*" + std::string(100, 'a') + "?b";
  EXPECT_TRUE(WildcardMatch(pattern, value));
  EXPECT_FALSE(WildcardMatch(pattern + "c", value));
  EXPECT_FALSE(WildcardMatch(std::string(302, '?'), value));
  EXPECT_TRUE(WildcardMatch(std::string(301, '?'), value));
  std::string mid = value;
  mid[140] = 'x';
  EXPECT_FALSE(WildcardMatch(pattern, mid));  // the literal prefix is broken
  mid = value;
  mid[200] = 'x';
  EXPECT_FALSE(WildcardMatch(pattern, mid));  // 'x' at 200 leaves only 99 a's before ?b
  mid = value;
  mid[160] = 'x';
  EXPECT_TRUE(WildcardMatch(pattern, mid));  // absorbed by the '*'
}

// Reference: textbook dynamic programming.
bool ReferenceMatch(const std::string& p, const std::string& v, bool ignore_case) {
  auto eq = [&](char a, char b) {
    if (ignore_case) return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    return a == b;
  };
  std::vector<std::vector<char>> dp(p.size() + 1, std::vector<char>(v.size() + 1, 0));
  dp[0][0] = 1;
  for (size_t i = 1; i <= p.size(); ++i) {
    for (size_t j = 0; j <= v.size(); ++j) {
      if (p[i - 1] == '*') dp[i][j] = dp[i - 1][j] || (j > 0 && dp[i][j - 1]);
      else if (j > 0) dp[i][j] = dp[i - 1][j - 1] && (p[i - 1] == '?' || eq(p[i - 1], v[j - 1]));
    }
  }
  return dp[p.size()][v.size()];
}

TEST(WildcardMatchTest, AgreesWithReferenceOnRandomInput) {
  std::mt19937 rng(7);
  const std::string pattern_alphabet = "aAb**?";
  const std::string value_alphabet = "aAbB";
  int matches = 0;
  for (int i = 0; i < 20000; ++i) {
    size_t plen = rng() % (i % 10 == 0 ? 160 : 12);
    size_t vlen = rng() % (i % 10 == 0 ? 200 : 16);
    std::string p, v;
    for (size_t k = 0; k < plen; ++k) p += pattern_alphabet[rng() % pattern_alphabet.size()];
    for (size_t k = 0; k < vlen; ++k) v += value_alphabet[rng() % value_alphabet.size()];
    bool ignore_case = rng() % 2;
    bool want = ReferenceMatch(p, v, ignore_case);
    matches += want;
    ASSERT_EQ(WildcardMatch(p, v, ignore_case), want) << "'" << p << "' vs '" << v << "' ignore_case=" << ignore_case;
  }
  EXPECT_GT(matches, 100);
}

TEST(WildcardMatchTest, PathologicalPatternsCompleteFast) {
  auto start = std::chrono::steady_clock::now();
  // Classic exponential-backtracking killers.
  std::string many_stars;
  for (int i = 0; i < 2000; ++i) many_stars += "*a";
  many_stars += "*b";
  std::string as(20000, 'a');
  EXPECT_FALSE(WildcardMatch(many_stars, as));
  EXPECT_TRUE(WildcardMatch(many_stars, as + "b"));
  std::string long_segment = "*" + std::string(5000, 'a') + "b*";
  EXPECT_FALSE(WildcardMatch(long_segment, as));
  std::string questions = "*" + std::string(3000, '?') + "b";
  EXPECT_FALSE(WildcardMatch(questions, as));
  EXPECT_TRUE(WildcardMatch("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*", as, true));
  // Through a policy: the biggest pattern a policy may hold against a long resource.
  std::string resource_pattern = "arn:aws:s3:::b/";
  while (resource_pattern.size() < 19000) resource_pattern += "*a";
  resource_pattern += "*z";
  auto p = MustParse(OneStatement("Allow", "\"*\"", "\"s3:GetObject\"", "\"" + resource_pattern + "\""));
  ASSERT_TRUE(p);
  std::string resource = "arn:aws:s3:::b/" + std::string(8000, 'a');
  for (int i = 0; i < 5; ++i) EXPECT_EQ(p->Evaluate(Req("s3:GetObject", resource)), Decision::kNoMatch);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 2000);
}

}  // namespace
}  // namespace ot::auth::policy
