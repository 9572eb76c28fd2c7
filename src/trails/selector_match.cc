// trails/selector_match.cc — the evaluator: a record's facts (ExtractFacts, simdjson DOM,
// one pass over the record's members) and the selectors.md §3.3 / §4.4 matching rules.
// Runs for every record × trail: no allocation in Matches, none in ExtractFacts once the
// caller's RecordFacts has grown to size.
#include <simdjson.h>

#include <string_view>

#include "trails/selector_impl.h"
#include "trails/selectors.h"

namespace ot::trails {

using namespace selector_internal;

namespace {

using simdjson::dom::element;

inline void AssignString(element e, std::string* out) {
  std::string_view v;
  if (e.get_string().get(v) == simdjson::SUCCESS) out->assign(v.data(), v.size());
}

// "true" as a JSON string or boolean.
inline bool TrueValue(element e) {
  bool b;
  if (e.get_bool().get(b) == simdjson::SUCCESS) return b;
  std::string_view v;
  return e.get_string().get(v) == simdjson::SUCCESS && v == "true";
}

}  // namespace

bool ExtractFacts(std::string_view record_json, RecordFacts* out) {
  thread_local simdjson::dom::parser parser;
  element root;
  if (parser.parse(record_json.data(), record_json.size(), true).get(root) != simdjson::SUCCESS)
    return false;
  simdjson::dom::object record;
  if (root.get_object().get(record) != simdjson::SUCCESS) return false;

  out->event_category.clear();
  out->read_only = false;
  out->has_read_only = false;
  out->event_source.clear();
  out->event_name.clear();
  out->event_type.clear();
  out->user_identity_arn.clear();
  out->error_code.clear();
  out->session_credential_from_console = false;
  out->vpc_endpoint_id.clear();
  size_t resources = 0;
  int management_event = -1;  // -1 absent, 0 false, 1 true

  for (auto field : record) {
    std::string_view key = field.key;
    element value = field.value;
    switch (key.size()) {
      case 8:
        if (key == "readOnly") {
          bool b;
          if (value.get_bool().get(b) == simdjson::SUCCESS) {
            out->read_only = b;
            out->has_read_only = true;
          } else {
            std::string_view s;
            if (value.get_string().get(s) == simdjson::SUCCESS && (s == "true" || s == "false")) {
              out->read_only = s == "true";
              out->has_read_only = true;
            }
          }
        }
        break;
      case 9:
        if (key == "eventName") AssignString(value, &out->event_name);
        else if (key == "eventType") AssignString(value, &out->event_type);
        else if (key == "errorCode") AssignString(value, &out->error_code);
        else if (key == "resources") {
          simdjson::dom::array list;
          if (value.get_array().get(list) != simdjson::SUCCESS) break;
          for (element r : list) {
            simdjson::dom::object ro;
            if (r.get_object().get(ro) != simdjson::SUCCESS) continue;
            if (resources == out->resources.size()) out->resources.emplace_back();
            RecordFacts::Resource& res = out->resources[resources];
            res.type.clear();
            res.arn.clear();
            bool have_arn = false;
            for (auto rf : ro) {
              if (rf.key == "type") {
                AssignString(rf.value, &res.type);
              } else if (rf.key == "ARN") {
                AssignString(rf.value, &res.arn);
                have_arn = true;
              } else if (rf.key == "ARNPrefix" && !have_arn) {
                AssignString(rf.value, &res.arn);  // S3 listings address a set of objects
              }
            }
            ++resources;
          }
        }
        break;
      case 11:
        if (key == "eventSource") AssignString(value, &out->event_source);
        break;
      case 12:
        if (key == "userIdentity") {
          simdjson::dom::object ui;
          if (value.get_object().get(ui) != simdjson::SUCCESS) break;
          for (auto uf : ui)
            if (uf.key == "arn") {
              AssignString(uf.value, &out->user_identity_arn);
              break;
            }
        }
        break;
      case 13:
        if (key == "eventCategory") AssignString(value, &out->event_category);
        else if (key == "vpcEndpointId") AssignString(value, &out->vpc_endpoint_id);
        break;
      case 15:
        if (key == "managementEvent") {
          bool b;
          if (value.get_bool().get(b) == simdjson::SUCCESS) management_event = b ? 1 : 0;
        }
        break;
      case 28:
        if (key == "sessionCredentialFromConsole") out->session_credential_from_console = TrueValue(value);
        break;
      default:
        break;
    }
  }
  out->resources.resize(resources);

  if (out->event_category.empty()) {
    // Records older than eventVersion 1.07 carry no eventCategory (selectors.md §1).
    if (out->event_type == "AwsCloudTrailInsight") out->event_category = "Insight";
    else if (management_event == 1) out->event_category = "Management";
    else if (management_event == 0) out->event_category = "Data";
    else if (out->event_type == "AwsApiCall" || out->event_type == "AwsServiceEvent" ||
             out->event_type == "AwsConsoleAction" || out->event_type == "AwsConsoleSignIn")
      out->event_category = "Management";
  }
  return true;
}

namespace {

// ---- basic (selectors.md §3.3) ----------------------------------------------------------------

inline bool ReadWriteOk(ReadWrite rw, const RecordFacts& f) {
  switch (rw) {
    case ReadWrite::kReadOnly: return f.has_read_only && f.read_only;
    case ReadWrite::kWriteOnly: return f.has_read_only && !f.read_only;
    default: return true;
  }
}

// The unqualified function ARN equals `value`, or the record names a version/alias of it.
inline bool LambdaArnMatches(std::string_view arn, std::string_view value) {
  if (arn.size() < value.size() || arn.compare(0, value.size(), value) != 0) return false;
  if (arn.size() == value.size()) return true;
  return arn[value.size()] == ':' && arn.find(':', value.size() + 1) == std::string_view::npos &&
         value.find(':', value.rfind("function:") + 9) == std::string_view::npos;
}

bool DataResourceMatches(const BasicDataResource& dr, const RecordFacts& f) {
  switch (dr.kind) {
    case BasicKind::kS3Object: {
      bool has_object = false;
      for (const auto& r : f.resources) {
        if (r.type != "AWS::S3::Object") continue;
        has_object = true;
        if (dr.all) return true;
        for (const auto& v : dr.specific)
          if (std::string_view(r.arn).starts_with(v)) return true;
      }
      if (!has_object) {
        // Bucket-level S3 data events (opentrail rule): "all" and "<bucket>/" values.
        for (const auto& r : f.resources) {
          if (r.type != "AWS::S3::Bucket") continue;
          if (dr.all) return true;
          for (const auto& b : dr.bucket_arns)
            if (r.arn == b) return true;
        }
        if (dr.all && f.resources.empty() && f.event_source == "s3.amazonaws.com") return true;
      }
      return false;
    }
    case BasicKind::kLambdaFunction:
    case BasicKind::kDynamoDbTable: {
      for (const auto& r : f.resources) {
        if (r.type != dr.type) continue;
        if (dr.all) return true;
        for (const auto& v : dr.specific) {
          if (dr.kind == BasicKind::kLambdaFunction ? LambdaArnMatches(r.arn, v) : r.arn == v) return true;
        }
      }
      if (dr.all && f.resources.empty())
        return f.event_source == (dr.kind == BasicKind::kLambdaFunction ? "lambda.amazonaws.com"
                                                                        : "dynamodb.amazonaws.com");
      return false;
    }
  }
  return false;
}

bool BasicMatches(const BasicSelector& s, const RecordFacts& f) {
  if (f.event_category == "Management") {
    if (!s.include_management || !ReadWriteOk(s.read_write, f)) return false;
    for (const auto& src : s.exclude_sources)
      if (f.event_source == src) return false;
    return true;
  }
  if (f.event_category == "Data") {
    if (!ReadWriteOk(s.read_write, f)) return false;
    for (const auto& dr : s.data_resources)
      if (DataResourceMatches(dr, f)) return true;
  }
  return false;  // NetworkActivity, Insight: not selectable by basic selectors
}

// ---- advanced (selectors.md §4.4) -------------------------------------------------------------

// An absent field is the empty string: values are never empty, so positive operators fail
// and negative operators hold on it, as the opentrail rule wants.
inline bool Holds(const FieldSelector& fs, std::string_view x) {
  for (const auto& [op, values] : fs.ops) {
    bool any = false;
    switch (op) {
      case Op::kEquals:
      case Op::kNotEquals:
        for (const auto& v : values)
          if (x == v) { any = true; break; }
        break;
      case Op::kStartsWith:
      case Op::kNotStartsWith:
        for (const auto& v : values)
          if (x.starts_with(v)) { any = true; break; }
        break;
      case Op::kEndsWith:
      case Op::kNotEndsWith:
        for (const auto& v : values)
          if (x.ends_with(v)) { any = true; break; }
        break;
    }
    bool negative = op == Op::kNotEquals || op == Op::kNotStartsWith || op == Op::kNotEndsWith;
    if (any == negative) return false;
  }
  return true;
}

inline std::string_view ScalarValue(Field field, const RecordFacts& f) {
  switch (field) {
    case Field::kReadOnly: return f.has_read_only ? (f.read_only ? "true" : "false") : "";
    case Field::kEventSource: return f.event_source;
    case Field::kEventName: return f.event_name;
    case Field::kEventType: return f.event_type;
    case Field::kUserIdentityArn: return f.user_identity_arn;
    // The record carries the member only when "true"; its absence means "false".
    case Field::kSessionCredentialFromConsole: return f.session_credential_from_console ? "true" : "false";
    case Field::kErrorCode: return f.error_code;
    case Field::kVpcEndpointId: return f.vpc_endpoint_id;
    default: return {};
  }
}

inline std::string_view CategoryString(Category c) {
  switch (c) {
    case Category::kData: return "Data";
    case Category::kNetworkActivity: return "NetworkActivity";
    default: return "Management";
  }
}

inline bool ArnHolds(const AdvancedSelector& s, std::string_view arn) {
  for (uint32_t k : s.arn)
    if (!Holds(s.fields[k], arn)) return false;
  return true;
}

bool AdvancedMatches(const AdvancedSelector& s, const RecordFacts& f) {
  if (f.event_category != CategoryString(s.category)) return false;
  for (uint32_t k : s.scalar) {
    const FieldSelector& fs = s.fields[k];
    if (!Holds(fs, ScalarValue(fs.id, f))) return false;
  }
  if (!s.has_resource_type) return true;
  // One resource of the selected type whose ARN satisfies every resources.ARN condition.
  bool has_type = false;
  for (const auto& r : f.resources) {
    if (r.type != s.resource_type) continue;
    has_type = true;
    if (ArnHolds(s, r.arn)) return true;
  }
  if (s.s3_object && !has_type) {
    // Bucket-level S3 data events (ListObjects, HeadBucket …) stand for "<bucket ARN>/", so
    // resources.type AWS::S3::Object and StartsWith "arn:aws:s3:::b/" keep the basic
    // selectors' meaning (selectors.md §4.4 equivalences).
    char buf[1100];
    for (const auto& r : f.resources) {
      if (r.type != "AWS::S3::Bucket" || r.arn.size() + 1 > sizeof(buf)) continue;
      r.arn.copy(buf, r.arn.size());
      buf[r.arn.size()] = '/';
      if (ArnHolds(s, std::string_view(buf, r.arn.size() + 1))) return true;
    }
  }
  return false;
}

}  // namespace

bool SelectorSet::Matches(const RecordFacts& facts) const {
  if (!impl_) return false;
  if (impl_->advanced) {
    for (const auto& s : impl_->adv)
      if (AdvancedMatches(s, facts)) return true;
    return false;
  }
  for (const auto& s : impl_->basic)
    if (BasicMatches(s, facts)) return true;
  return false;
}

}  // namespace ot::trails
