// services/cloudtrail/trail_common.cc — helpers shared by the trail operations.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "common/json_writer.h"
#include "services/cloudtrail/trail_internal.h"
#include "trails/selectors.h"

namespace ot::services::trailapi {

Status Serialization(const std::string& what) {
  return Status::Error("SerializationException", what, 400);
}

Status InvalidParameter(const std::string& what) {
  return Status::Error("InvalidParameterException", what, 400);
}

Status OptString(const json::object& in, std::string_view key, std::optional<std::string>* out) {
  out->reset();
  auto* v = in.if_contains(key);
  if (!v || v->is_null()) return Status::Ok();
  if (!v->is_string()) return Serialization(std::string(key) + " must be a string.");
  *out = std::string(v->get_string());
  return Status::Ok();
}

Status OptBool(const json::object& in, std::string_view key, std::optional<bool>* out) {
  out->reset();
  auto* v = in.if_contains(key);
  if (!v || v->is_null()) return Status::Ok();
  if (!v->is_bool()) return Serialization(std::string(key) + " must be a boolean.");
  *out = v->get_bool();
  return Status::Ok();
}

Status OptArray(const json::object& in, std::string_view key, const json::array** out) {
  *out = nullptr;
  auto* v = in.if_contains(key);
  if (!v || v->is_null()) return Status::Ok();
  if (!v->is_array()) return Serialization(std::string(key) + " must be a list.");
  *out = &v->get_array();
  return Status::Ok();
}

Status RequiredName(const json::object& in, std::string_view key, std::string* out) {
  std::optional<std::string> v;
  OT_RETURN_IF_ERROR(OptString(in, key, &v));
  *out = v.value_or("");
  return Status::Ok();
}

json::value LowerCamel(const json::value& v) {
  if (v.is_object()) {
    json::object o;
    for (const auto& kv : v.get_object()) {
      std::string k(kv.key());
      if (!k.empty()) k[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(k[0])));
      o[k] = LowerCamel(kv.value());
    }
    return o;
  }
  if (v.is_array()) {
    json::array a;
    for (const auto& e : v.get_array()) a.push_back(LowerCamel(e));
    return a;
  }
  return v;
}

json::value LoggedMembers(const json::object& in, std::initializer_list<std::string_view> members) {
  json::object o;
  for (auto m : members) {
    auto* v = in.if_contains(m);
    if (!v || v->is_null()) continue;
    std::string k(m);
    k[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(k[0])));
    o[k] = LowerCamel(*v);
  }
  if (o.empty()) return nullptr;
  return o;
}

json::value Timestamp(int64_t epoch_ms) { return json::value(static_cast<double>(epoch_ms) / 1000.0); }

namespace {

void Write(JsonWriter& w, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: w.Null(); break;
    case json::kind::bool_: w.Bool(v.get_bool()); break;
    case json::kind::int64: w.Int(v.get_int64()); break;
    case json::kind::uint64: w.Raw(std::to_string(v.get_uint64())); break;
    case json::kind::double_:
      w.Raw(FormatEpochSeconds(static_cast<int64_t>(std::llround(v.get_double() * 1000.0))));
      break;
    case json::kind::string: w.String(v.get_string()); break;
    case json::kind::array:
      w.BeginArray();
      for (const auto& e : v.get_array()) Write(w, e);
      w.EndArray();
      break;
    case json::kind::object:
      w.BeginObject();
      for (const auto& kv : v.get_object()) {
        w.Key(kv.key());
        Write(w, kv.value());
      }
      w.EndObject();
      break;
  }
}

}  // namespace

std::string ToJsonText(const json::value& v) {
  std::string out;
  JsonWriter w(&out);
  Write(w, v);
  return out;
}

bool HasCustomEventSelectors(const trails::Trail& t) {
  if (t.event_selectors.empty()) return false;
  auto set = trails::SelectorSet::Deserialize(t.event_selectors);
  return !set.ok() || !set->IsDefault();
}

bool HasInsightSelectors(const trails::Trail& t) {
  if (t.insight_selectors.empty()) return false;
  return !trails::InsightSelectorsFromStored(t.insight_selectors).empty();
}

std::string TopicNameOf(std::string_view topic_arn) {
  size_t colon = topic_arn.rfind(':');
  return std::string(colon == std::string_view::npos ? topic_arn : topic_arn.substr(colon + 1));
}

json::object TrailObject(const trails::Trail& t, bool full) {
  json::object o;
  o["Name"] = t.name;
  o["S3BucketName"] = t.s3_bucket;
  if (!t.s3_key_prefix.empty()) o["S3KeyPrefix"] = t.s3_key_prefix;
  if (!t.sns_topic_arn.empty()) {
    o["SnsTopicName"] = TopicNameOf(t.sns_topic_arn);
    o["SnsTopicARN"] = t.sns_topic_arn;
  }
  o["IncludeGlobalServiceEvents"] = t.include_global_service_events;
  o["IsMultiRegionTrail"] = t.multi_region;
  if (full) o["HomeRegion"] = t.home_region;
  o["TrailARN"] = t.arn();
  o["LogFileValidationEnabled"] = t.log_file_validation;
  if (!t.cloudwatch_logs_group_arn.empty()) o["CloudWatchLogsLogGroupArn"] = t.cloudwatch_logs_group_arn;
  if (!t.cloudwatch_logs_role_arn.empty()) o["CloudWatchLogsRoleArn"] = t.cloudwatch_logs_role_arn;
  if (!t.kms_key_id.empty()) o["KmsKeyId"] = t.kms_key_id;
  if (full) {
    o["HasCustomEventSelectors"] = HasCustomEventSelectors(t);
    o["HasInsightSelectors"] = HasInsightSelectors(t);
  }
  o["IsOrganizationTrail"] = t.organization;
  return o;
}

bool RegionEnabled(const CloudTrailDeps& deps, std::string_view region) {
  return deps.regions.empty() ||
         std::find(deps.regions.begin(), deps.regions.end(), region) != deps.regions.end();
}

bool VisibleIn(const CloudTrailDeps& deps, const trails::Trail& t, std::string_view region) {
  if (t.home_region == region) return true;
  return t.multi_region && RegionEnabled(deps, region);
}

std::vector<std::string> RelevantRegions(const CloudTrailDeps& deps,
                                         const std::vector<trails::Trail>& existing,
                                         std::string_view also) {
  std::set<std::string> regions(deps.regions.begin(), deps.regions.end());
  for (const auto& t : existing) regions.insert(t.home_region);
  regions.insert(std::string(also));
  return {regions.begin(), regions.end()};
}

Status TrailNotFound(std::string_view arn, std::string_view caller_account) {
  return Status::Error("TrailNotFoundException",
                       "Unknown trail: " + std::string(arn) + " for the user: " + std::string(caller_account),
                       400);
}

Status AccountInArnWrong(std::string_view caller_account) {
  return Status::Error("CloudTrailARNInvalidException",
                       "AccountID in ARN is wrong, you can only access resources with AccountID " +
                           std::string(caller_account) + ".",
                       400);
}

Status InvalidHomeRegion(const trails::Trail& t, std::string_view call_region) {
  return Status::Error("InvalidHomeRegionException",
                       "The trail " + t.arn() + " can only be changed in its home region " +
                           t.home_region + ", not in " + std::string(call_region) + ".",
                       400);
}

Result<trails::Trail> ResolveTrail(const CloudTrailDeps& deps, const Call& call,
                                   std::string_view name_or_arn, Access access) {
  const std::string& caller = call.principal->account_id;
  if (LooksLikeArn(name_or_arn)) {
    auto arn = ParseTrailArn(name_or_arn);
    if (!arn.ok()) return arn.status();
    // Organization trails of another account will be visible here once Organizations exist
    // (§8.4); until then every foreign ARN is refused.
    if (arn->account != caller) return AccountInArnWrong(caller);
    if (arn->partition != "aws") return TrailNotFound(name_or_arn, caller);
    auto found = deps.trails->Get(arn->account, arn->region, arn->name);
    if (!found.ok()) return found.status();
    if (!found->has_value()) return TrailNotFound(name_or_arn, caller);
    trails::Trail t = std::move(**found);
    if (access == Access::kMutate && t.home_region != call.region) return InvalidHomeRegion(t, call.region);
    return t;
  }
  OT_RETURN_IF_ERROR(ValidateTrailName(name_or_arn));
  std::string name(name_or_arn);
  auto found = deps.trails->Get(caller, call.region, name);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return TrailNotFound(TrailArnOf(call.region, caller, name), caller);
  return std::move(**found);
}

Status ParseTags(const json::array& list, std::vector<std::pair<std::string, std::string>>* out) {
  auto invalid = [](const std::string& why) {
    return Status::Error("InvalidTagParameterException", why, 400);
  };
  std::set<std::string> seen;
  for (const auto& item : list) {
    if (!item.is_object()) return Serialization("TagsList entries must be structures.");
    const auto& o = item.get_object();
    std::optional<std::string> key, value;
    OT_RETURN_IF_ERROR(OptString(o, "Key", &key));
    OT_RETURN_IF_ERROR(OptString(o, "Value", &value));
    if (!key) return invalid("Tag key is required.");
    if (!ValidTagKey(*key))
      return invalid("Tag key " + *key +
                     " is invalid: it must be 1 to 128 letters, numbers, spaces or _.:/=+-@.");
    if (value && !ValidTagValue(*value))
      return invalid("Tag value " + *value + " of key " + *key +
                     " is invalid: it must be at most 256 letters, numbers, spaces or _.:/=+-@.");
    if (!seen.insert(*key).second) return invalid("Duplicate tag key " + *key + " in the request.");
    out->emplace_back(*key, value ? *value : kTagWithoutValue);
  }
  return Status::Ok();
}

}  // namespace ot::services::trailapi
