// trails/selectors.cc — PutEventSelectors validation (selectors.md §5), the stored normalised
// form (§2.1), defaults (§2.2) and PutInsightSelectors validation (insights.md §2.1).
// The evaluator (ExtractFacts, Matches) is in selector_match.cc.
#include "trails/selectors.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "trails/selector_impl.h"

namespace ot::trails {

namespace json = boost::json;
using namespace selector_internal;

namespace {

// ---- shared helpers ---------------------------------------------------------------------------

constexpr std::string_view kPartition = "aws";  // opentrail trails live in the aws partition

constexpr size_t kMaxBasicSelectors = 5;
constexpr size_t kMaxDataResourceValues = 250;
constexpr size_t kMaxAdvancedValues = 500;
constexpr size_t kMaxNameLength = 1000;
constexpr size_t kMaxFieldLength = 1000;
constexpr size_t kMaxValueLength = 2048;

Status Invalid(std::string message) {
  return Status::Error("InvalidEventSelectorsException", std::move(message));
}

Status InvalidInsight(std::string message) {
  return Status::Error("InvalidInsightSelectorsException", std::move(message));
}

// Absent members and JSON null are the same thing (the JSON protocol's deserializers agree).
const json::value* Member(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

std::string Quote(std::string_view s) {
  // Values are echoed in messages; keep them short and printable.
  std::string out;
  size_t limit = 200;
  for (char c : s.substr(0, limit)) out += (static_cast<unsigned char>(c) < 0x20) ? '?' : c;
  if (s.size() > limit) out += "...";
  return out;
}

bool IsDigits(std::string_view s, size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsRegion(std::string_view s) {
  if (s.size() < 4 || s.find('-') == std::string_view::npos) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool AllOf(std::string_view s, size_t min, size_t max, std::string_view extra) {
  if (s.size() < min || s.size() > max) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              extra.find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// S3 bucket names: 3–63 lower-case in today's rules; legacy us-east-1 buckets allow upper case
// and underscores up to 255. Lenient on length (selectors.md §5 #8 names only the shapes it
// rejects); no wildcards.
bool IsBucketName(std::string_view s) { return AllOf(s, 1, 255, "._-"); }

struct Arn {
  std::string_view partition, service, region, account, resource;
};

// arn:<partition>:<service>:<region>:<account>:<resource> (the resource may contain ':').
bool SplitArn(std::string_view v, Arn* out) {
  std::array<std::string_view, 5> head;
  size_t pos = 0;
  for (size_t i = 0; i < 5; ++i) {
    size_t colon = v.find(':', pos);
    if (colon == std::string_view::npos) return false;
    head[i] = v.substr(pos, colon - pos);
    pos = colon + 1;
  }
  if (head[0] != "arn") return false;
  out->partition = head[1];
  out->service = head[2];
  out->region = head[3];
  out->account = head[4];
  out->resource = v.substr(pos);
  return !out->service.empty() && !out->resource.empty();
}

bool IsRegionalArn(const Arn& a, std::string_view service) {
  return a.partition == kPartition && a.service == service && IsRegion(a.region) &&
         IsDigits(a.account, 12);
}

// function:<name>[:<qualifier>]
bool IsLambdaFunctionArn(std::string_view v) {
  Arn a;
  if (!SplitArn(v, &a) || !IsRegionalArn(a, "lambda")) return false;
  std::string_view r = a.resource;
  if (!r.starts_with("function:")) return false;
  r.remove_prefix(9);
  size_t colon = r.find(':');
  std::string_view name = r.substr(0, colon);
  if (!AllOf(name, 1, 64, "-_")) return false;
  if (colon == std::string_view::npos) return true;
  return AllOf(r.substr(colon + 1), 1, 128, "-_$");
}

bool IsDynamoDbTableArn(std::string_view v) {
  Arn a;
  if (!SplitArn(v, &a) || !IsRegionalArn(a, "dynamodb")) return false;
  return a.resource.starts_with("table/") && AllOf(a.resource.substr(6), 1, 255, "._-");
}

bool IsDynamoDbStreamArn(std::string_view v) {
  Arn a;
  if (!SplitArn(v, &a) || !IsRegionalArn(a, "dynamodb")) return false;
  std::string_view r = a.resource;
  if (!r.starts_with("table/")) return false;
  r.remove_prefix(6);
  size_t s = r.find("/stream/");
  if (s == std::string_view::npos) return false;
  return AllOf(r.substr(0, s), 1, 255, "._-") && AllOf(r.substr(s + 8), 1, 64, ".:-_");
}

// arn:aws:s3:::<bucket>/  or  arn:aws:s3:::<bucket>/<object_path>/  (advanced Equals/NotEquals)
bool IsS3ObjectArnForEquals(std::string_view v) {
  std::string prefix = "arn:" + std::string(kPartition) + ":s3:::";
  if (!v.starts_with(prefix)) return false;
  v.remove_prefix(prefix.size());
  size_t slash = v.find('/');
  if (slash == std::string_view::npos || !IsBucketName(v.substr(0, slash))) return false;
  return v.ends_with('/');
}

bool IsAccessPointArn(std::string_view v) {
  Arn a;
  if (!SplitArn(v, &a) || !IsRegionalArn(a, "s3")) return false;
  std::string_view r = a.resource;
  if (!r.starts_with("accesspoint/")) return false;
  r.remove_prefix(12);
  size_t slash = r.find('/');
  if (!AllOf(r.substr(0, slash), 3, 50, "-")) return false;
  if (slash == std::string_view::npos) return true;
  return r.substr(slash).starts_with("/object/");
}

bool IsNamedResourceArn(std::string_view v, std::string_view service) {
  Arn a;
  if (!SplitArn(v, &a) || !IsRegionalArn(a, service)) return false;
  return AllOf(a.resource, 1, 256, "._-");
}

bool IsChannelArn(std::string_view v) {
  Arn a;
  if (!SplitArn(v, &a) || !IsRegionalArn(a, "cloudtrail")) return false;
  return a.resource.starts_with("channel/") && AllOf(a.resource.substr(8), 1, 128, "-");
}

bool IsSnapshotArn(std::string_view v) {
  Arn a;
  if (!SplitArn(v, &a)) return false;
  return a.partition == kPartition && a.service == "ec2" && IsRegion(a.region) && a.account.empty() &&
         a.resource.starts_with("snapshot/") && AllOf(a.resource.substr(9), 1, 128, "-");
}

bool IsGenericArn(std::string_view v) {
  Arn a;
  return SplitArn(v, &a) && a.partition == kPartition && AllOf(a.service, 1, 64, "-") &&
         v.find('*') == std::string_view::npos;
}

// selectors.md §4.3: the ARN an Equals/NotEquals resources.ARN value must have.
bool IsValidArnForType(std::string_view type, std::string_view v) {
  if (type == "AWS::S3::Object") return IsS3ObjectArnForEquals(v);
  if (type == "AWS::Lambda::Function") return IsLambdaFunctionArn(v);
  if (type == "AWS::DynamoDB::Table") return IsDynamoDbTableArn(v);
  if (type == "AWS::DynamoDB::Stream") return IsDynamoDbStreamArn(v);
  if (type == "AWS::S3::AccessPoint") return IsAccessPointArn(v);
  if (type == "AWS::SNS::Topic") return IsNamedResourceArn(v, "sns");
  if (type == "AWS::SQS::Queue") return IsNamedResourceArn(v, "sqs");
  if (type == "AWS::CloudTrail::Channel") return IsChannelArn(v);
  if (type == "AWS::EC2::Snapshot") return IsSnapshotArn(v);
  return IsGenericArn(v);
}

// selectors.md §4.3 (opentrail rule): the built-in list of data resource types advanced
// selectors accept on trails.
constexpr std::string_view kAdvancedResourceTypes[] = {
    "AWS::AppConfig::Configuration",
    "AWS::AppSync::GraphQL",
    "AWS::B2BI::Transformer",
    "AWS::Bedrock::AgentAlias",
    "AWS::Bedrock::AsyncInvoke",
    "AWS::Bedrock::FlowAlias",
    "AWS::Bedrock::Guardrail",
    "AWS::Bedrock::InlineAgent",
    "AWS::Bedrock::KnowledgeBase",
    "AWS::Bedrock::Model",
    "AWS::Bedrock::PromptVersion",
    "AWS::Cassandra::Table",
    "AWS::CloudFront::KeyValueStore",
    "AWS::CloudTrail::Channel",
    "AWS::CloudWatch::Metric",
    "AWS::CodeWhisperer::Customization",
    "AWS::CodeWhisperer::Profile",
    "AWS::Cognito::IdentityPool",
    "AWS::DataExchange::Asset",
    "AWS::Deadline::Fleet",
    "AWS::Deadline::Job",
    "AWS::Deadline::Queue",
    "AWS::Deadline::Worker",
    "AWS::DynamoDB::Stream",
    "AWS::DynamoDB::Table",
    "AWS::EC2::Snapshot",
    "AWS::EMRWAL::Workspace",
    "AWS::FinSpace::Environment",
    "AWS::Glue::Table",
    "AWS::GreengrassV2::ComponentVersion",
    "AWS::GreengrassV2::Deployment",
    "AWS::GuardDuty::Detector",
    "AWS::IoT::Certificate",
    "AWS::IoT::Thing",
    "AWS::IoTSiteWise::Asset",
    "AWS::IoTSiteWise::TimeSeries",
    "AWS::IoTTwinMaker::Entity",
    "AWS::IoTTwinMaker::Workspace",
    "AWS::KendraRanking::ExecutionPlan",
    "AWS::Kinesis::Stream",
    "AWS::Kinesis::StreamConsumer",
    "AWS::KinesisVideo::Stream",
    "AWS::Lambda::Function",
    "AWS::MachineLearning::MlModel",
    "AWS::ManagedBlockchain::Network",
    "AWS::ManagedBlockchain::Node",
    "AWS::MedicalImaging::Datastore",
    "AWS::NeptuneGraph::Graph",
    "AWS::One::UKey",
    "AWS::One::User",
    "AWS::PaymentCryptography::Alias",
    "AWS::PaymentCryptography::Key",
    "AWS::PCAConnectorAD::Connector",
    "AWS::PCAConnectorSCEP::Connector",
    "AWS::QApps::QApp",
    "AWS::QBusiness::Application",
    "AWS::QBusiness::DataSource",
    "AWS::QBusiness::Index",
    "AWS::QBusiness::WebExperience",
    "AWS::RDS::DBCluster",
    "AWS::RUM::AppMonitor",
    "AWS::S3::AccessPoint",
    "AWS::S3::Object",
    "AWS::S3Express::Object",
    "AWS::S3ObjectLambda::AccessPoint",
    "AWS::S3Outposts::Object",
    "AWS::SageMaker::Endpoint",
    "AWS::SageMaker::ExperimentTrialComponent",
    "AWS::SageMaker::FeatureGroup",
    "AWS::SCN::Instance",
    "AWS::ServiceDiscovery::Namespace",
    "AWS::ServiceDiscovery::Service",
    "AWS::SNS::PlatformEndpoint",
    "AWS::SNS::Topic",
    "AWS::SQS::Queue",
    "AWS::SSM::ManagedNode",
    "AWS::SSMMessages::ControlChannel",
    "AWS::StepFunctions::StateMachine",
    "AWS::SWF::Domain",
    "AWS::ThinClient::Device",
    "AWS::ThinClient::Environment",
    "AWS::Timestream::Database",
    "AWS::Timestream::Table",
    "AWS::VerifiedPermissions::PolicyStore",
    "AWS::XRay::Trace",
};

bool IsAdvancedResourceType(std::string_view t) {
  for (auto known : kAdvancedResourceTypes)
    if (known == t) return true;
  return false;
}

// ---- basic selectors --------------------------------------------------------------------------

constexpr std::string_view kExcludableSources[] = {"kms.amazonaws.com", "rdsdata.amazonaws.com"};

const char* ReadWriteName(ReadWrite rw) {
  switch (rw) {
    case ReadWrite::kReadOnly: return "ReadOnly";
    case ReadWrite::kWriteOnly: return "WriteOnly";
    default: return "All";
  }
}

Status InvalidValue(std::string_view v) {
  return Invalid("Value " + Quote(v) + " for DataResources.Values is invalid.");
}

// Checks one basic DataResources value and files it into the compiled lists.
Status AddBasicValue(BasicDataResource* dr, std::string_view v) {
  std::string p(kPartition);
  switch (dr->kind) {
    case BasicKind::kS3Object: {
      if (v == "arn:" + p + ":s3") {
        dr->all = true;
        return Status::Ok();
      }
      std::string head = "arn:" + p + ":s3:::";
      if (!v.starts_with(head) || v.find('*') != std::string_view::npos) return InvalidValue(v);
      std::string_view rest = v.substr(head.size());
      size_t slash = rest.find('/');
      if (slash == std::string_view::npos || !IsBucketName(rest.substr(0, slash))) return InvalidValue(v);
      dr->specific.emplace_back(v);
      if (slash + 1 == rest.size()) dr->bucket_arns.push_back(head + std::string(rest.substr(0, slash)));
      return Status::Ok();
    }
    case BasicKind::kLambdaFunction:
      if (v == "arn:" + p + ":lambda") {
        dr->all = true;
        return Status::Ok();
      }
      if (!IsLambdaFunctionArn(v)) return InvalidValue(v);
      dr->specific.emplace_back(v);
      return Status::Ok();
    case BasicKind::kDynamoDbTable:
      if (v == "arn:" + p + ":dynamodb") {
        dr->all = true;
        return Status::Ok();
      }
      if (!IsDynamoDbTableArn(v)) return InvalidValue(v);
      dr->specific.emplace_back(v);
      return Status::Ok();
  }
  return InvalidValue(v);
}

Status ParseBasic(const json::value& list, std::vector<BasicSelector>* out) {
  if (!list.is_array()) return Invalid("EventSelectors must be a list of event selectors.");
  const json::array& arr = list.get_array();
  if (arr.empty() || arr.size() > kMaxBasicSelectors)
    return Invalid("EventSelectors must contain between 1 and 5 event selectors; got " +
                   std::to_string(arr.size()) + ".");
  size_t total_values = 0;
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string where = "EventSelectors[" + std::to_string(i) + "]";
    if (!arr[i].is_object()) return Invalid(where + " must be a structure.");
    const json::object& o = arr[i].get_object();
    BasicSelector sel;

    if (auto* rw = Member(o, "ReadWriteType")) {
      if (!rw->is_string())
        return Invalid("ReadWriteType in " + where + " must be a string: ReadOnly, WriteOnly or All.");
      std::string_view v = rw->get_string();
      if (v == "ReadOnly") sel.read_write = ReadWrite::kReadOnly;
      else if (v == "WriteOnly") sel.read_write = ReadWrite::kWriteOnly;
      else if (v == "All") sel.read_write = ReadWrite::kAll;
      else
        return Invalid("Value " + Quote(v) +
                       " for ReadWriteType is invalid. Valid values: ReadOnly, WriteOnly, All.");
    }

    if (auto* im = Member(o, "IncludeManagementEvents")) {
      if (!im->is_bool()) return Invalid("IncludeManagementEvents in " + where + " must be a boolean.");
      sel.include_management = im->get_bool();
    }

    if (auto* drs = Member(o, "DataResources")) {
      if (!drs->is_array()) return Invalid("DataResources in " + where + " must be a list.");
      for (const json::value& d : drs->get_array()) {
        if (!d.is_object()) return Invalid("Each entry of DataResources in " + where + " must be a structure.");
        const json::object& dobj = d.get_object();
        BasicDataResource dr;
        auto* type = Member(dobj, "Type");
        if (!type) return Invalid("DataResources.Type is required in " + where + ".");
        if (!type->is_string()) return Invalid("DataResources.Type in " + where + " must be a string.");
        dr.type = std::string(type->get_string());
        if (dr.type == "AWS::S3::Object") dr.kind = BasicKind::kS3Object;
        else if (dr.type == "AWS::Lambda::Function") dr.kind = BasicKind::kLambdaFunction;
        else if (dr.type == "AWS::DynamoDB::Table") dr.kind = BasicKind::kDynamoDbTable;
        else
          return Invalid("Value " + Quote(dr.type) +
                         " for DataResources.Type is invalid. Basic event selectors support "
                         "AWS::S3::Object, AWS::Lambda::Function and AWS::DynamoDB::Table; use "
                         "AdvancedEventSelectors for other resource types.");
        auto* values = Member(dobj, "Values");
        if (values && !values->is_array())
          return Invalid("DataResources.Values in " + where + " must be a list of strings.");
        if (!values || values->get_array().empty())
          return Invalid("DataResources.Values for type " + dr.type + " in " + where + " must not be empty.");
        for (const json::value& v : values->get_array()) {
          if (!v.is_string()) return Invalid("DataResources.Values in " + where + " must be a list of strings.");
          std::string_view s = v.get_string();
          OT_RETURN_IF_ERROR(AddBasicValue(&dr, s));
          dr.values.emplace_back(s);
        }
        total_values += dr.values.size();
        sel.data_resources.push_back(std::move(dr));
      }
    }

    if (auto* ex = Member(o, "ExcludeManagementEventSources")) {
      if (!ex->is_array())
        return Invalid("ExcludeManagementEventSources in " + where + " must be a list of strings.");
      for (const json::value& v : ex->get_array()) {
        if (!v.is_string())
          return Invalid("ExcludeManagementEventSources in " + where + " must be a list of strings.");
        std::string_view s = v.get_string();
        if (std::find(std::begin(kExcludableSources), std::end(kExcludableSources), s) ==
            std::end(kExcludableSources))
          return Invalid("Value " + Quote(s) +
                         " for ExcludeManagementEventSources is invalid. Valid values: "
                         "kms.amazonaws.com, rdsdata.amazonaws.com.");
        sel.exclude_sources.emplace_back(s);
      }
    }

    if (!sel.include_management && sel.data_resources.empty())
      return Invalid(
          "Invalid combination of parameters in EventSelectors. When includeManagementEvents is "
          "false, DataResources must not be empty.");
    out->push_back(std::move(sel));
  }
  if (total_values > kMaxDataResourceValues)
    return Invalid("The number of DataResources.Values across all event selectors of a trail must "
                   "not exceed 250; got " + std::to_string(total_values) + ".");
  return Status::Ok();
}

// ---- advanced selectors -----------------------------------------------------------------------

constexpr std::array<std::string_view, kOpCount> kOpNames = {
    "Equals", "StartsWith", "EndsWith", "NotEquals", "NotStartsWith", "NotEndsWith"};

struct FieldInfo {
  std::string_view name;
  Field id;
};
constexpr FieldInfo kFields[] = {
    {"eventCategory", Field::kEventCategory},
    {"readOnly", Field::kReadOnly},
    {"eventSource", Field::kEventSource},
    {"eventName", Field::kEventName},
    {"eventType", Field::kEventType},
    {"resources.type", Field::kResourcesType},
    {"resources.ARN", Field::kResourcesArn},
    {"userIdentity.arn", Field::kUserIdentityArn},
    {"sessionCredentialFromConsole", Field::kSessionCredentialFromConsole},
    {"errorCode", Field::kErrorCode},
    {"vpcEndpointId", Field::kVpcEndpointId},
};

const char* CategoryName(Category c) {
  switch (c) {
    case Category::kData: return "Data";
    case Category::kNetworkActivity: return "NetworkActivity";
    default: return "Management";
  }
}

bool IsFieldPattern(std::string_view f) {
  // [\w|\d|\.|_]+
  return AllOf(f, 1, kMaxFieldLength, "_.|");
}

bool OnlyOp(const FieldSelector& fs, Op op) { return fs.ops.size() == 1 && fs.ops[0].first == op; }

// Fields allowed per category on trails (selectors.md §4.2).
bool FieldAllowed(Category c, Field f) {
  switch (f) {
    case Field::kEventCategory: return true;
    case Field::kReadOnly: return c == Category::kManagement || c == Category::kData;
    case Field::kEventSource: return true;
    case Field::kEventName: return c == Category::kData || c == Category::kNetworkActivity;
    case Field::kEventType: return c == Category::kData;
    case Field::kResourcesType: return c == Category::kData;
    case Field::kResourcesArn: return c == Category::kData;
    case Field::kUserIdentityArn: return c == Category::kData || c == Category::kNetworkActivity;
    case Field::kSessionCredentialFromConsole: return c == Category::kData;
    case Field::kErrorCode: return c == Category::kNetworkActivity;
    case Field::kVpcEndpointId: return c == Category::kNetworkActivity;
  }
  return false;
}

Status EqualsOneValue(const FieldSelector& fs, const std::string& where) {
  if (!OnlyOp(fs, Op::kEquals) || fs.ops[0].second.size() != 1)
    return Invalid("Field " + fs.field + " in " + where +
                   " supports only the Equals operator with exactly one value.");
  return Status::Ok();
}

Status ParseFieldSelector(const json::value& v, const std::string& where, FieldSelector* out,
                          size_t* values) {
  if (!v.is_object()) return Invalid("Each entry of FieldSelectors in " + where + " must be a structure.");
  const json::object& o = v.get_object();
  auto* field = Member(o, "Field");
  if (!field) return Invalid("Field is required in each field selector of " + where + ".");
  if (!field->is_string()) return Invalid("Field in " + where + " must be a string.");
  out->field = std::string(field->get_string());
  if (!IsFieldPattern(out->field))
    return Invalid("Value " + Quote(out->field) + " for Field in " + where +
                   " is invalid: it must be 1-1000 characters of letters, digits, '.', '_' or '|'.");
  // Operators in the order given.
  for (const auto& kv : o) {
    auto it = std::find(kOpNames.begin(), kOpNames.end(), std::string_view(kv.key()));
    if (it == kOpNames.end() || kv.value().is_null()) continue;
    Op op = static_cast<Op>(it - kOpNames.begin());
    std::string what = std::string(*it) + " of field " + Quote(out->field) + " in " + where;
    if (!kv.value().is_array()) return Invalid(what + " must be a list of strings.");
    const json::array& vals = kv.value().get_array();
    if (vals.empty()) return Invalid(what + " must not be empty.");
    std::vector<std::string> list;
    list.reserve(vals.size());
    for (const json::value& s : vals) {
      if (!s.is_string()) return Invalid(what + " must be a list of strings.");
      std::string_view sv = s.get_string();
      if (sv.empty()) return Invalid(what + " must not contain an empty value.");
      if (sv.size() > kMaxValueLength)
        return Invalid(what + " has a value longer than 2048 characters.");
      list.emplace_back(sv);
    }
    *values += list.size();
    out->ops.emplace_back(op, std::move(list));
  }
  if (out->ops.empty())
    return Invalid("Field selector " + Quote(out->field) + " in " + where +
                   " must specify at least one operator: Equals, StartsWith, EndsWith, NotEquals, "
                   "NotStartsWith or NotEndsWith.");
  bool known = false;
  for (auto& f : kFields)
    if (f.name == out->field) {
      out->id = f.id;
      known = true;
    }
  if (!known)
    return Invalid("Field " + Quote(out->field) + " in " + where +
                   " is not supported for advanced event selectors on trails.");
  return Status::Ok();
}

// Rules per field once the category is known (selectors.md §4.2, §5 #12–#18).
Status CheckField(const FieldSelector& fs, Category cat, const AdvancedSelector& sel,
                  const std::string& where) {
  if (!FieldAllowed(cat, fs.id))
    return Invalid("Field " + fs.field + " in " + where + " is not allowed in a selector whose "
                   "eventCategory is " + CategoryName(cat) + " on trails.");
  switch (fs.id) {
    case Field::kEventCategory:
      return Status::Ok();
    case Field::kReadOnly:
      OT_RETURN_IF_ERROR(EqualsOneValue(fs, where));
      if (fs.ops[0].second[0] != "true" && fs.ops[0].second[0] != "false")
        return Invalid("Value " + Quote(fs.ops[0].second[0]) + " for readOnly in " + where +
                       " is invalid. Valid values: true, false.");
      return Status::Ok();
    case Field::kEventSource:
      if (cat == Category::kManagement) {
        if (!OnlyOp(fs, Op::kNotEquals))
          return Invalid("Field eventSource in " + where + " (eventCategory Management) supports only "
                         "NotEquals with kms.amazonaws.com and/or rdsdata.amazonaws.com.");
        for (auto& v : fs.ops[0].second)
          if (std::find(std::begin(kExcludableSources), std::end(kExcludableSources), v) ==
              std::end(kExcludableSources))
            return Invalid("Value " + Quote(v) + " for eventSource in " + where +
                           " is invalid. Management selectors can exclude only kms.amazonaws.com "
                           "and rdsdata.amazonaws.com.");
      } else if (cat == Category::kNetworkActivity) {
        OT_RETURN_IF_ERROR(EqualsOneValue(fs, where));
        std::string_view v = fs.ops[0].second[0];
        if (!v.ends_with(".amazonaws.com") || !AllOf(v, 15, 128, ".-"))
          return Invalid("Value " + Quote(v) + " for eventSource in " + where +
                         " is invalid: network activity selectors need a service event source "
                         "such as ec2.amazonaws.com.");
      }
      return Status::Ok();
    case Field::kResourcesType:
      OT_RETURN_IF_ERROR(EqualsOneValue(fs, where));
      if (!IsAdvancedResourceType(fs.ops[0].second[0]))
        return Invalid("Value " + Quote(fs.ops[0].second[0]) + " for resources.type in " + where +
                       " is invalid: unsupported data resource type.");
      return Status::Ok();
    case Field::kResourcesArn:
      for (auto& [op, vals] : fs.ops) {
        if (op != Op::kEquals && op != Op::kNotEquals) continue;
        for (auto& v : vals)
          if (!IsValidArnForType(sel.resource_type, v))
            return Invalid("Value " + Quote(v) + " for resources.ARN in " + where + " is invalid: with " +
                           std::string(kOpNames[static_cast<int>(op)]) + " it must be a valid " +
                           sel.resource_type + " ARN (use StartsWith for prefixes).");
      }
      return Status::Ok();
    case Field::kSessionCredentialFromConsole:
      for (auto& [op, vals] : fs.ops) {
        if (op != Op::kEquals && op != Op::kNotEquals)
          return Invalid("Field sessionCredentialFromConsole in " + where +
                         " supports only the Equals and NotEquals operators.");
        for (auto& v : vals)
          if (v != "true" && v != "false")
            return Invalid("Value " + Quote(v) + " for sessionCredentialFromConsole in " + where +
                           " is invalid. Valid values: true, false.");
      }
      return Status::Ok();
    case Field::kErrorCode:
      if (!OnlyOp(fs, Op::kEquals))
        return Invalid("Field errorCode in " + where + " supports only the Equals operator.");
      for (auto& v : fs.ops[0].second)
        if (v != "VpceAccessDenied")
          return Invalid("Value " + Quote(v) + " for errorCode in " + where +
                         " is invalid. Valid values: VpceAccessDenied.");
      return Status::Ok();
    case Field::kEventName:
    case Field::kEventType:
    case Field::kUserIdentityArn:
    case Field::kVpcEndpointId:
      return Status::Ok();
  }
  return Status::Ok();
}

Status ParseAdvanced(const json::value& list, std::vector<AdvancedSelector>* out) {
  if (!list.is_array()) return Invalid("AdvancedEventSelectors must be a list of advanced event selectors.");
  const json::array& arr = list.get_array();
  size_t total_values = 0, arn_values = 0;
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string where = "AdvancedEventSelectors[" + std::to_string(i) + "]";
    if (!arr[i].is_object()) return Invalid(where + " must be a structure.");
    const json::object& o = arr[i].get_object();
    AdvancedSelector sel;
    if (auto* name = Member(o, "Name")) {
      if (!name->is_string()) return Invalid("Name in " + where + " must be a string.");
      if (name->get_string().size() > kMaxNameLength)
        return Invalid("Name in " + where + " must be at most 1000 characters.");
      sel.name = std::string(name->get_string());
    }
    auto* fsl = Member(o, "FieldSelectors");
    if (!fsl) return Invalid("FieldSelectors is required in " + where + ".");
    if (!fsl->is_array()) return Invalid("FieldSelectors in " + where + " must be a list.");
    if (fsl->get_array().empty()) return Invalid("FieldSelectors in " + where + " must not be empty.");
    for (const json::value& v : fsl->get_array()) {
      FieldSelector fs;
      OT_RETURN_IF_ERROR(ParseFieldSelector(v, where, &fs, &total_values));
      for (auto& prev : sel.fields)
        if (prev.id == fs.id)
          return Invalid("Field " + fs.field + " appears more than once in " + where +
                         "; combine its values in one field selector.");
      sel.fields.push_back(std::move(fs));
    }

    // eventCategory: required, Equals one supported value.
    const FieldSelector* cat = nullptr;
    for (auto& fs : sel.fields)
      if (fs.id == Field::kEventCategory) cat = &fs;
    if (!cat) return Invalid(where + " must contain an eventCategory field selector.");
    OT_RETURN_IF_ERROR(EqualsOneValue(*cat, where));
    const std::string& cv = cat->ops[0].second[0];
    if (cv == "Management") sel.category = Category::kManagement;
    else if (cv == "Data") sel.category = Category::kData;
    else if (cv == "NetworkActivity") sel.category = Category::kNetworkActivity;
    else if (cv == "Insight" || cv == "ConfigurationItem" || cv == "Evidence" || cv == "ActivityAuditLog")
      return Invalid("Value " + Quote(cv) + " for eventCategory in " + where +
                     " is valid only for event data stores, not for trails. Valid values: "
                     "Management, Data, NetworkActivity.");
    else
      return Invalid("Value " + Quote(cv) + " for eventCategory in " + where +
                     " is invalid. Valid values: Management, Data, NetworkActivity.");

    // resources.type first: resources.ARN values are checked against it.
    for (auto& fs : sel.fields)
      if (fs.id == Field::kResourcesType && sel.category == Category::kData) {
        OT_RETURN_IF_ERROR(CheckField(fs, sel.category, sel, where));
        sel.has_resource_type = true;
        sel.resource_type = fs.ops[0].second[0];
        sel.s3_object = sel.resource_type == "AWS::S3::Object";
      }
    if (sel.category == Category::kData && !sel.has_resource_type)
      return Invalid(where + " has eventCategory Data and must contain a resources.type field selector.");
    for (uint32_t k = 0; k < sel.fields.size(); ++k) {
      const FieldSelector& fs = sel.fields[k];
      OT_RETURN_IF_ERROR(CheckField(fs, sel.category, sel, where));
      if (fs.id == Field::kEventCategory || fs.id == Field::kResourcesType) continue;
      if (fs.id == Field::kResourcesArn) {
        sel.arn.push_back(k);
        for (auto& [op, vals] : fs.ops) arn_values += vals.size();
      } else {
        sel.scalar.push_back(k);
      }
    }
    if (sel.category == Category::kNetworkActivity) {
      bool source = false;
      for (auto& fs : sel.fields) source |= fs.id == Field::kEventSource;
      if (!source)
        return Invalid(where + " has eventCategory NetworkActivity and must contain an eventSource "
                       "field selector with Equals.");
    }
    out->push_back(std::move(sel));
  }
  if (total_values > kMaxAdvancedValues)
    return Invalid("Advanced event selectors of a trail may hold at most 500 values in total; got " +
                   std::to_string(total_values) + ".");
  if (arn_values > kMaxDataResourceValues)
    return Invalid("Advanced event selectors of a trail may hold at most 250 resources.ARN values in "
                   "total; got " + std::to_string(arn_values) + ".");
  return Status::Ok();
}

json::array StringArray(const std::vector<std::string>& v) {
  json::array a;
  a.reserve(v.size());
  for (auto& s : v) a.emplace_back(json::string_view(s));
  return a;
}

}  // namespace

// ---- SelectorSet ------------------------------------------------------------------------------

SelectorSet::SelectorSet() : impl_(std::make_unique<Impl>()) {}
SelectorSet::~SelectorSet() = default;
SelectorSet::SelectorSet(const SelectorSet& o) : impl_(std::make_unique<Impl>(*o.impl_)) {}
SelectorSet& SelectorSet::operator=(const SelectorSet& o) {
  if (this != &o) impl_ = std::make_unique<Impl>(*o.impl_);
  return *this;
}
SelectorSet::SelectorSet(SelectorSet&& o) noexcept : impl_(std::move(o.impl_)) {
  o.impl_ = nullptr;
}
SelectorSet& SelectorSet::operator=(SelectorSet&& o) noexcept {
  impl_ = std::move(o.impl_);
  return *this;
}

SelectorSet SelectorSet::Default() {
  SelectorSet s;
  s.impl_->basic.emplace_back();  // All, management events, no data resources, no exclusions
  return s;
}

Result<SelectorSet> SelectorSet::FromRequest(const json::value* event_selectors,
                                             const json::value* advanced_event_selectors) {
  if (event_selectors && event_selectors->is_null()) event_selectors = nullptr;
  if (advanced_event_selectors && advanced_event_selectors->is_null()) advanced_event_selectors = nullptr;
  if (event_selectors && advanced_event_selectors)
    return Invalid("Specify either EventSelectors or AdvancedEventSelectors, not both.");
  if (!event_selectors && !advanced_event_selectors)
    return Invalid("Specify either EventSelectors or AdvancedEventSelectors.");
  SelectorSet s;
  if (event_selectors) {
    OT_RETURN_IF_ERROR(ParseBasic(*event_selectors, &s.impl_->basic));
  } else {
    s.impl_->advanced = true;
    OT_RETURN_IF_ERROR(ParseAdvanced(*advanced_event_selectors, &s.impl_->adv));
  }
  return s;
}

json::object SelectorSet::ToResponse() const {
  json::object out;
  if (!impl_) return out;
  if (!impl_->advanced) {
    json::array list;
    for (auto& sel : impl_->basic) {
      json::object o;
      o["ReadWriteType"] = ReadWriteName(sel.read_write);
      o["IncludeManagementEvents"] = sel.include_management;
      json::array drs;
      for (auto& dr : sel.data_resources) {
        json::object d;
        d["Type"] = json::string_view(dr.type);
        d["Values"] = StringArray(dr.values);
        drs.emplace_back(std::move(d));
      }
      o["DataResources"] = std::move(drs);
      o["ExcludeManagementEventSources"] = StringArray(sel.exclude_sources);
      list.emplace_back(std::move(o));
    }
    out["EventSelectors"] = std::move(list);
  } else {
    json::array list;
    for (auto& sel : impl_->adv) {
      json::object o;
      if (sel.name) o["Name"] = json::string_view(*sel.name);
      json::array fields;
      for (auto& fs : sel.fields) {
        json::object f;
        f["Field"] = json::string_view(fs.field);
        for (auto& [op, vals] : fs.ops) f[kOpNames[static_cast<int>(op)]] = StringArray(vals);
        fields.emplace_back(std::move(f));
      }
      o["FieldSelectors"] = std::move(fields);
      list.emplace_back(std::move(o));
    }
    out["AdvancedEventSelectors"] = std::move(list);
  }
  return out;
}

std::string SelectorSet::Serialize() const { return json::serialize(ToResponse()); }

Result<SelectorSet> SelectorSet::Deserialize(std::string_view text) {
  if (text.empty()) return Default();
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object())
    return Status::Internal("stored event selectors are not a JSON object");
  const json::object& o = v.get_object();
  auto r = FromRequest(Member(o, "EventSelectors"), Member(o, "AdvancedEventSelectors"));
  if (!r.ok()) return Status::Internal("stored event selectors are invalid: " + r.status().message());
  return r;
}

bool SelectorSet::advanced() const { return impl_ && impl_->advanced; }

bool SelectorSet::IsDefault() const {
  // trails.md §2 (opentrail rule): exactly the default basic selector.
  if (!impl_ || impl_->advanced || impl_->basic.size() != 1) return false;
  const BasicSelector& s = impl_->basic[0];
  return s.read_write == ReadWrite::kAll && s.include_management && s.data_resources.empty() &&
         s.exclude_sources.empty();
}

bool SelectorSet::LogsDataEvents() const {
  if (!impl_) return false;
  for (auto& s : impl_->basic)
    if (!s.data_resources.empty()) return true;
  for (auto& s : impl_->adv)
    if (s.category == Category::kData) return true;
  return false;
}

// ---- insight selectors (insights.md §2.1) ------------------------------------------------------

Result<std::string> ValidateInsightSelectors(const json::value* insight_selectors) {
  if (!insight_selectors || insight_selectors->is_null())
    return InvalidInsight("InsightSelectors is required.");
  if (!insight_selectors->is_array()) return InvalidInsight("InsightSelectors must be a list.");
  const json::array& arr = insight_selectors->get_array();
  if (arr.empty()) return std::string();  // turns Insights off
  json::array stored;
  std::vector<std::string> seen;
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string where = "InsightSelectors[" + std::to_string(i) + "]";
    if (!arr[i].is_object()) return InvalidInsight(where + " must be a structure.");
    const json::object& o = arr[i].get_object();
    auto* type = Member(o, "InsightType");
    if (!type) return InvalidInsight("InsightType is required in " + where + ".");
    if (!type->is_string()) return InvalidInsight("InsightType in " + where + " must be a string.");
    std::string_view t = type->get_string();
    if (t != "ApiCallRateInsight" && t != "ApiErrorRateInsight")
      return InvalidInsight("Value " + Quote(t) +
                            " for InsightType is invalid. Valid values: ApiCallRateInsight, "
                            "ApiErrorRateInsight.");
    if (std::find(seen.begin(), seen.end(), t) != seen.end())
      return InvalidInsight("InsightType " + std::string(t) + " appears more than once in InsightSelectors.");
    seen.emplace_back(t);
    json::object s;
    s["InsightType"] = t;
    if (auto* cats = Member(o, "EventCategories")) {
      if (!cats->is_array())
        return InvalidInsight("EventCategories in " + where + " must be a list of strings.");
      if (cats->get_array().empty())
        return InvalidInsight("EventCategories in " + where +
                              " must not be empty; omit it to analyse management events.");
      json::array list;
      for (const json::value& c : cats->get_array()) {
        if (!c.is_string())
          return InvalidInsight("EventCategories in " + where + " must be a list of strings.");
        std::string_view cv = c.get_string();
        if (cv != "Management" && cv != "Data")
          return InvalidInsight("Value " + Quote(cv) +
                                " for EventCategories is invalid. Valid values: Management, Data.");
        for (auto& prev : list)
          if (prev.get_string() == cv)
            return InvalidInsight("EventCategories in " + where + " lists " + std::string(cv) + " twice.");
        list.emplace_back(cv);
      }
      s["EventCategories"] = std::move(list);
    }
    stored.emplace_back(std::move(s));
  }
  return json::serialize(stored);
}

json::array InsightSelectorsFromStored(std::string_view stored) {
  if (stored.empty()) return {};
  boost::system::error_code ec;
  json::value v = json::parse(stored, ec);
  if (ec || !v.is_array()) return {};
  return std::move(v.get_array());
}

Status CheckInsightPrerequisites(const SelectorSet& selectors, std::string_view stored_insights) {
  json::array list = InsightSelectorsFromStored(stored_insights);
  for (const json::value& v : list) {
    if (!v.is_object()) continue;
    const json::object& o = v.get_object();
    auto* type = Member(o, "InsightType");
    if (!type || !type->is_string()) continue;
    bool call_rate = type->get_string() == "ApiCallRateInsight";
    bool management = true, data = false;
    if (auto* cats = Member(o, "EventCategories"); cats && cats->is_array()) {
      management = false;
      for (auto& c : cats->get_array()) {
        if (c.is_string() && c.get_string() == "Management") management = true;
        if (c.is_string() && c.get_string() == "Data") data = true;
      }
    }
    if (management) {
      RecordFacts f;
      f.event_category = "Management";
      f.has_read_only = true;
      f.event_source = "ec2.amazonaws.com";  // any source a selector cannot exclude
      f.event_type = "AwsApiCall";
      f.read_only = false;
      bool writes = selectors.Matches(f);
      f.read_only = true;
      bool reads = selectors.Matches(f);
      if (call_rate && !writes)
        return InvalidInsight("ApiCallRateInsight on management events needs the trail to log write "
                              "management events; update its event selectors first.");
      if (!call_rate && !writes && !reads)
        return InvalidInsight("ApiErrorRateInsight on management events needs the trail to log read or "
                              "write management events; update its event selectors first.");
    }
    if (data && !selectors.LogsDataEvents())
      return InvalidInsight(std::string(type->get_string()) +
                            " on data events needs the trail to log data events; update its event "
                            "selectors first.");
  }
  return Status::Ok();
}

}  // namespace ot::trails
