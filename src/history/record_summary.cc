#include "history/record_summary.h"

#include <simdjson.h>

#include "common/time.h"

namespace ot::history {

namespace {

using simdjson::dom::element;

std::string_view Str(element e, std::string_view key) {
  std::string_view v;
  if (e[key].get(v) == simdjson::SUCCESS) return v;
  return {};
}

std::optional<bool> Bool(element e, std::string_view key) {
  bool v;
  if (e[key].get(v) == simdjson::SUCCESS) return v;
  return std::nullopt;
}

void AddResource(std::vector<ResourceRef>* out, std::string_view type, std::string_view name) {
  if (name.empty()) return;
  for (auto& existing : *out)
    if (existing.type == type && existing.name == name) return;
  out->push_back(ResourceRef{std::string(type), std::string(name)});
}

// history.md §4.1.
std::optional<std::string_view> Username(element identity) {
  std::string_view type = Str(identity, "type");
  std::string_view user = Str(identity, "userName");
  std::string_view arn = Str(identity, "arn");
  if (type == "Root") return user.empty() ? std::string_view("root") : user;
  if (type == "IAMUser" || type == "SAMLUser" || type == "WebIdentityUser") {
    if (!user.empty()) return user;
    return std::nullopt;
  }
  if (type == "AssumedRole") {
    auto pos = arn.rfind('/');
    if (pos != std::string_view::npos && arn.find("assumed-role/") != std::string_view::npos)
      return arn.substr(pos + 1);
    std::string_view pid = Str(identity, "principalId");
    auto colon = pid.find(':');
    if (colon != std::string_view::npos) return pid.substr(colon + 1);
    return std::nullopt;
  }
  if (type == "FederatedUser") {
    auto pos = arn.find("federated-user/");
    if (pos != std::string_view::npos) return arn.substr(pos + 15);
    return std::nullopt;
  }
  if (type == "AWSService") {
    std::string_view by = Str(identity, "invokedBy");
    if (!by.empty()) return by;
    return std::nullopt;
  }
  if (!user.empty()) return user;
  return std::nullopt;
}

// history.md §4.2 (opentrail): the record's resources[] plus the operation's named
// resources in its parameters and response.
void Resources(element record, std::vector<ResourceRef>* out) {
  simdjson::dom::array list;
  if (record["resources"].get(list) == simdjson::SUCCESS) {
    for (element r : list) {
      std::string_view type = Str(r, "type");
      std::string_view arn = Str(r, "ARN");
      if (arn.empty()) arn = Str(r, "ARNPrefix");
      if (type == "AWS::S3::Bucket" && arn.starts_with("arn:aws:s3:::")) arn.remove_prefix(13);
      AddResource(out, type, arn);
    }
  }
  element params;
  bool has_params = record["requestParameters"].get(params) == simdjson::SUCCESS && params.is_object();
  if (has_params) {
    AddResource(out, "AWS::S3::Bucket", Str(params, "bucketName"));
    std::string_view source = Str(record, "eventSource");
    if (source == "iam.amazonaws.com") {
      AddResource(out, "AWS::IAM::User", Str(params, "userName"));
      AddResource(out, "AWS::IAM::AccessKey", Str(params, "accessKeyId"));
      AddResource(out, "AWS::IAM::Role", Str(params, "roleArn"));
      AddResource(out, "AWS::IAM::Policy", Str(params, "policyArn"));
    } else if (source == "kms.amazonaws.com") {
      AddResource(out, "AWS::KMS::Key", Str(params, "keyId"));
    } else if (source == "sts.amazonaws.com") {
      AddResource(out, "AWS::IAM::Role", Str(params, "roleArn"));
    }
  }
  element response;
  if (record["responseElements"].get(response) == simdjson::SUCCESS && response.is_object()) {
    AddResource(out, "AWS::CloudTrail::Trail", Str(response, "trailARN"));
    element key;
    if (response["accessKey"].get(key) == simdjson::SUCCESS)
      AddResource(out, "AWS::IAM::AccessKey", Str(key, "accessKeyId"));
  }
  if (Str(record, "eventSource") == "cloudtrail.amazonaws.com" && has_params) {
    std::string_view trail = Str(params, "name");
    if (trail.empty()) trail = Str(params, "trailName");
    bool known = false;
    for (auto& r : *out) known |= r.type == "AWS::CloudTrail::Trail";
    if (!known) AddResource(out, "AWS::CloudTrail::Trail", trail);
  }
}

}  // namespace

bool Summarize(std::string_view record_json, RecordSummary* out) {
  thread_local simdjson::dom::parser parser;
  element record;
  if (parser.parse(record_json.data(), record_json.size(), true).get(record) != simdjson::SUCCESS ||
      !record.is_object())
    return false;
  // Fields are assigned in place: a summary reused across records keeps its buffers.
  out->event_id.assign(Str(record, "eventID"));
  auto time = ParseIso8601Millis(Str(record, "eventTime"));
  out->account_id.assign(Str(record, "recipientAccountId"));
  out->region.assign(Str(record, "awsRegion"));
  out->event_time_ms = 0;
  out->event_name.clear();
  out->event_source.clear();
  out->read_only.reset();
  out->access_key_id.clear();
  out->username.reset();
  out->resources.clear();
  out->category = Category::kOther;
  if (out->event_id.empty() || !time || out->account_id.empty()) return false;
  out->event_time_ms = *time;

  std::string_view category = Str(record, "eventCategory");
  std::string_view type = Str(record, "eventType");
  auto management = Bool(record, "managementEvent");
  if (category == "Insight" || type == "AwsCloudTrailInsight") {
    out->category = Category::kInsight;
    element details;
    if (record["insightDetails"].get(details) == simdjson::SUCCESS) {
      out->event_name.assign(Str(details, "eventName"));
      out->event_source.assign(Str(details, "eventSource"));
    }
    return true;
  }
  if (management.has_value())
    out->category = *management ? Category::kManagement : Category::kOther;
  else if (category.empty() || category == "Management")
    out->category = category == "Management" || type == "AwsApiCall" || type == "AwsConsoleAction" ||
                            type == "AwsConsoleSignIn" || type == "AwsServiceEvent"
                        ? Category::kManagement
                        : Category::kOther;
  if (category == "Data" || category == "NetworkActivity") out->category = Category::kOther;

  out->event_name.assign(Str(record, "eventName"));
  out->event_source.assign(Str(record, "eventSource"));
  out->read_only = Bool(record, "readOnly");
  element identity;
  if (record["userIdentity"].get(identity) == simdjson::SUCCESS && identity.is_object()) {
    out->access_key_id.assign(Str(identity, "accessKeyId"));
    if (auto user = Username(identity)) out->username.emplace(*user);
  }
  Resources(record, &out->resources);
  return true;
}

}  // namespace ot::history
