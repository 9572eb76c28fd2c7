// services/cloudtrail/trail_ops.cc — CreateTrail, UpdateTrail, DeleteTrail, GetTrail,
// DescribeTrails, ListTrails, GetTrailStatus, StartLogging, StopLogging (trails.md §4–§6).
#include <set>

#include "common/crypto.h"
#include "common/time.h"
#include "services/cloudtrail/cloudtrail_service.h"
#include "services/cloudtrail/trail_internal.h"

namespace ot::services {

using namespace trailapi;  // NOLINT
using trails::Trail;

namespace {

constexpr size_t kMaxTrailsPerRegion = 5;
constexpr size_t kListTrailsPageSize = 50;

// The settings members of CreateTrail / UpdateTrail (absent = not given).
struct Settings {
  std::optional<std::string> bucket, prefix, sns, group, role, kms;
  std::optional<bool> global_events, multi_region, validation, organization;
};

Status ParseSettings(const json::object& in, Settings* s) {
  OT_RETURN_IF_ERROR(OptString(in, "S3BucketName", &s->bucket));
  OT_RETURN_IF_ERROR(OptString(in, "S3KeyPrefix", &s->prefix));
  OT_RETURN_IF_ERROR(OptString(in, "SnsTopicName", &s->sns));
  OT_RETURN_IF_ERROR(OptBool(in, "IncludeGlobalServiceEvents", &s->global_events));
  OT_RETURN_IF_ERROR(OptBool(in, "IsMultiRegionTrail", &s->multi_region));
  OT_RETURN_IF_ERROR(OptBool(in, "EnableLogFileValidation", &s->validation));
  OT_RETURN_IF_ERROR(OptString(in, "CloudWatchLogsLogGroupArn", &s->group));
  OT_RETURN_IF_ERROR(OptString(in, "CloudWatchLogsRoleArn", &s->role));
  OT_RETURN_IF_ERROR(OptString(in, "KmsKeyId", &s->kms));
  OT_RETURN_IF_ERROR(OptBool(in, "IsOrganizationTrail", &s->organization));
  return Status::Ok();
}

Status TooManyTrails(const std::string& account, const std::string& region) {
  return Status::Error("MaximumNumberOfTrailsExceededException",
                       "User: " + account + " already has " + std::to_string(kMaxTrailsPerRegion) +
                           " trails in " + region + ".",
                       400);
}

// §4.4: every region where `after` is seen and `before` was not must have room for one more.
Status CheckTrailLimit(const CloudTrailDeps& deps, const std::vector<Trail>& existing,
                       const Trail* before, const Trail& after) {
  for (const auto& region : RelevantRegions(deps, existing, after.home_region)) {
    if (!VisibleIn(deps, after, region)) continue;
    if (before && VisibleIn(deps, *before, region)) continue;
    size_t count = 0;
    for (const auto& e : existing)
      if (VisibleIn(deps, e, region)) ++count;
    if (count >= kMaxTrailsPerRegion) return TooManyTrails(after.account, region);
  }
  return Status::Ok();
}

// §4.4 name uniqueness (opentrail rule): no region where both would be seen.
Status CheckNameFree(const CloudTrailDeps& deps, const std::vector<Trail>& existing, const Trail& t) {
  auto regions = RelevantRegions(deps, existing, t.home_region);
  for (const auto& e : existing) {
    if (e.name != t.name) continue;
    for (const auto& region : regions)
      if (VisibleIn(deps, e, region) && VisibleIn(deps, t, region))
        return Status::Error("TrailAlreadyExistsException",
                             "Trail " + t.name + " already exists for customer: " + t.account, 400);
  }
  return Status::Ok();
}

// §5 #5–#7 on the trail with the settings applied.
Status ApplySyntax(const Settings& s, bool create, Trail* t) {
  if (s.bucket) t->s3_bucket = *s.bucket;
  if (s.prefix) t->s3_key_prefix = *s.prefix;
  if (s.global_events) t->include_global_service_events = *s.global_events;
  if (s.multi_region) t->multi_region = *s.multi_region;
  if (s.validation) t->log_file_validation = *s.validation;
  // #5 (§4.2): a multi-region trail must include global service events.
  if (t->multi_region && !t->include_global_service_events)
    return Status::Error("InvalidParameterCombinationException",
                         "Multi-Region trail must include global service events.", 400);
  // #6, #7.
  if (create && !s.bucket) return InvalidParameter("S3BucketName is required.");
  if (s.bucket) OT_RETURN_IF_ERROR(ValidateBucketName(*s.bucket));
  if (s.prefix) OT_RETURN_IF_ERROR(ValidateKeyPrefix(*s.prefix));
  return Status::Ok();
}

std::string KmsKeyArnOf(const Trail& t, const std::string& key_id) {
  if (LooksLikeArn(key_id)) return key_id;
  std::string base = "arn:aws:kms:" + t.home_region + ":" + t.account + ":";
  if (key_id.starts_with("alias/")) return base + key_id;
  return base + "key/" + key_id;
}

std::string TopicArnOf(const Trail& t, const std::string& name_or_arn) {
  if (LooksLikeArn(name_or_arn)) return name_or_arn;
  return "arn:aws:sns:" + t.home_region + ":" + t.account + ":" + name_or_arn;
}

// §5 #8–#15, in order, on the trail with the syntax-checked settings applied. Without
// deps.checks every destination check passes (unit tests).
Status ApplyDestinations(const CloudTrailDeps& deps, const Settings& s, bool create, Trail* t) {
  // #8–#9: bucket exists and its policy lets CloudTrail write.
  if ((create || s.bucket || s.prefix) && deps.checks) OT_RETURN_IF_ERROR(deps.checks->CheckBucket(*t));
  // #10–#12: KMS key; "" removes encryption.
  if (s.kms) {
    if (s.kms->empty()) {
      t->kms_key_id.clear();
    } else {
      std::string key_arn = KmsKeyArnOf(*t, *s.kms);
      if (deps.checks) OT_RETURN_IF_ERROR(deps.checks->CheckKmsKey(*t, *s.kms, &key_arn));
      t->kms_key_id = key_arn;
    }
  }
  // #13: SNS topic; "" removes notifications.
  if (s.sns) {
    if (s.sns->empty()) {
      t->sns_topic_arn.clear();
    } else {
      std::string topic_arn = TopicArnOf(*t, *s.sns);
      if (deps.checks) OT_RETURN_IF_ERROR(deps.checks->CheckSnsTopic(*t, *s.sns, &topic_arn));
      t->sns_topic_arn = topic_arn;
    }
  }
  // #14: CloudWatch Logs, both or neither; both "" removes.
  if (s.group || s.role) {
    std::string group = s.group.value_or(t->cloudwatch_logs_group_arn);
    std::string role = s.role.value_or(t->cloudwatch_logs_role_arn);
    if (!group.empty() && role.empty())
      return Status::Error("InvalidCloudWatchLogsRoleArnException",
                           "You must specify a role ARN as well as a log group.", 400);
    if (group.empty() && !role.empty())
      return Status::Error("InvalidCloudWatchLogsLogGroupArnException",
                           "You must specify a log group as well as a role ARN.", 400);
    if (!group.empty() && deps.checks)
      OT_RETURN_IF_ERROR(deps.checks->CheckCloudWatchLogs(*t, group, role));
    t->cloudwatch_logs_group_arn = group;
    t->cloudwatch_logs_role_arn = role;
  }
  // #15: organization trails (§8.2). opentrail has no AWS Organizations yet, so no account is
  // in an organization: the first precondition fails. When Organizations arrive, the
  // preconditions of §8.2 are checked here and t->organization is set.
  if (s.organization && *s.organization != t->organization) {
    if (*s.organization)
      return Status::Error("OrganizationsNotInUseException",
                           "This account is not a member of an organization.", 400);
    t->organization = false;
  }
  return Status::Ok();
}

// ListTrails page tokens: the position (home region, name) of the last trail returned,
// bound to the caller's account and the call region, authenticated with the server secret.
std::string EncodeListToken(const CloudTrailDeps& deps, const std::string& account,
                            const std::string& region, const Trail& last) {
  std::string payload = "lt1\n" + account + "\n" + region + "\n" + last.home_region + "\n" + last.name;
  return Base64Encode(payload + "\n" + HexEncode(HmacSha256(deps.token_secret, payload)));
}

Result<std::pair<std::string, std::string>> DecodeListToken(const CloudTrailDeps& deps,
                                                            const std::string& account,
                                                            const std::string& region,
                                                            const std::string& token) {
  auto invalid = [] {
    return Status::Error("InvalidNextTokenException", "Invalid NextToken.", 400);
  };
  std::string raw;
  if (token.size() > 2048 || !Base64Decode(token, &raw)) return invalid();
  size_t mac_at = raw.rfind('\n');
  if (mac_at == std::string::npos) return invalid();
  std::string payload = raw.substr(0, mac_at);
  if (!ConstantTimeEquals(raw.substr(mac_at + 1), HexEncode(HmacSha256(deps.token_secret, payload))))
    return invalid();
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t nl = payload.find('\n', start);
    parts.push_back(payload.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  if (parts.size() != 5 || parts[0] != "lt1" || parts[1] != account || parts[2] != region)
    return invalid();
  return std::make_pair(parts[3], parts[4]);
}

std::string IsoOrEmpty(int64_t ms) { return ms > 0 ? FormatIso8601(ms / 1000) : std::string(); }

}  // namespace

Status CloudTrailService::CreateTrail(Call& call) {
  const auto& in = call.json_input;
  call.request_parameters =
      LoggedMembers(in, {"Name", "S3BucketName", "S3KeyPrefix", "SnsTopicName", "IncludeGlobalServiceEvents",
                         "IsMultiRegionTrail", "EnableLogFileValidation", "CloudWatchLogsLogGroupArn",
                         "CloudWatchLogsRoleArn", "KmsKeyId", "IsOrganizationTrail", "TagsList"});
  std::string name;
  OT_RETURN_IF_ERROR(RequiredName(in, "Name", &name));
  Settings s;
  OT_RETURN_IF_ERROR(ParseSettings(in, &s));
  const json::array* tags_list = nullptr;
  OT_RETURN_IF_ERROR(OptArray(in, "TagsList", &tags_list));
  // On create, "" means not given.
  for (auto* member : {&s.prefix, &s.sns, &s.kms})
    if (*member && (*member)->empty()) member->reset();

  std::lock_guard lock(trails_mu_);
  const std::string& account = call.principal->account_id;
  // #1.
  OT_RETURN_IF_ERROR(ValidateTrailName(name));
  Trail t;
  t.account = account;
  t.home_region = call.region;
  t.name = name;
  t.multi_region = s.multi_region.value_or(false);
  auto existing = deps_.trails->List(account);
  if (!existing.ok()) return existing.status();
  // #2, #4.
  OT_RETURN_IF_ERROR(CheckNameFree(deps_, *existing, t));
  OT_RETURN_IF_ERROR(CheckTrailLimit(deps_, *existing, nullptr, t));
  // #5–#7.
  OT_RETURN_IF_ERROR(ApplySyntax(s, /*create=*/true, &t));
  // Tags (§6.9 checks; failure aborts the create).
  if (tags_list) {
    std::vector<std::pair<std::string, std::string>> tags;
    OT_RETURN_IF_ERROR(ParseTags(*tags_list, &tags));
    if (tags.size() > kMaxTagsPerTrail)
      return Status::Error("TagsLimitExceededException",
                           "A trail can have at most " + std::to_string(kMaxTagsPerTrail) + " tags.", 400);
    for (auto& [k, v] : tags) t.tags[k] = v;
  }
  // #8–#15.
  OT_RETURN_IF_ERROR(ApplyDestinations(deps_, s, /*create=*/true, &t));

  t.created_ms = NowMillis();
  t.generation = 1;
  OT_RETURN_IF_ERROR(SaveTrail(t));

  json::object out = TrailObject(t, /*full=*/false);
  call.response_elements = LowerCamel(out);
  call.json_output_text = ToJsonText(out);
  return Status::Ok();
}

Status CloudTrailService::UpdateTrail(Call& call) {
  const auto& in = call.json_input;
  call.request_parameters =
      LoggedMembers(in, {"Name", "S3BucketName", "S3KeyPrefix", "SnsTopicName", "IncludeGlobalServiceEvents",
                         "IsMultiRegionTrail", "EnableLogFileValidation", "CloudWatchLogsLogGroupArn",
                         "CloudWatchLogsRoleArn", "KmsKeyId", "IsOrganizationTrail"});
  std::string name;
  OT_RETURN_IF_ERROR(RequiredName(in, "Name", &name));
  Settings s;
  OT_RETURN_IF_ERROR(ParseSettings(in, &s));

  std::lock_guard lock(trails_mu_);
  // #1–#3.
  auto found = ResolveTrail(deps_, call, name, Access::kMutate);
  if (!found.ok()) return found.status();
  const Trail before = *found;
  Trail t = before;
  // #4: single → multi creates shadows; each other region needs room.
  if (s.multi_region && *s.multi_region && !before.multi_region) {
    auto existing = deps_.trails->List(t.account);
    if (!existing.ok()) return existing.status();
    Trail after = before;
    after.multi_region = true;
    OT_RETURN_IF_ERROR(CheckTrailLimit(deps_, *existing, &before, after));
  }
  // #5–#15.
  OT_RETURN_IF_ERROR(ApplySyntax(s, /*create=*/false, &t));
  OT_RETURN_IF_ERROR(ApplyDestinations(deps_, s, /*create=*/false, &t));

  t.generation = before.generation + 1;
  OT_RETURN_IF_ERROR(SaveTrail(t));

  json::object out = TrailObject(t, /*full=*/false);
  call.response_elements = LowerCamel(out);
  call.json_output_text = ToJsonText(out);
  return Status::Ok();
}

Status CloudTrailService::DeleteTrail(Call& call) {
  call.request_parameters = LoggedMembers(call.json_input, {"Name"});
  std::string name;
  OT_RETURN_IF_ERROR(RequiredName(call.json_input, "Name", &name));
  std::lock_guard lock(trails_mu_);
  auto t = ResolveTrail(deps_, call, name, Access::kMutate);
  if (!t.ok()) return t.status();
  // Tags, selectors and Insights selectors live in the trail's entry and go with it.
  OT_RETURN_IF_ERROR(deps_.trails->Delete(t->account, t->home_region, t->name));
  NotifyChanged();
  return Status::Ok();
}

Status CloudTrailService::GetTrail(Call& call) {
  call.request_parameters = LoggedMembers(call.json_input, {"Name"});
  std::string name;
  OT_RETURN_IF_ERROR(RequiredName(call.json_input, "Name", &name));
  auto t = ResolveTrail(deps_, call, name, Access::kRead);
  if (!t.ok()) return t.status();
  call.json_output_text = ToJsonText(json::object{{"Trail", TrailObject(*t, /*full=*/true)}});
  return Status::Ok();
}

Status CloudTrailService::DescribeTrails(Call& call) {
  const auto& in = call.json_input;
  call.request_parameters = LoggedMembers(in, {"trailNameList", "includeShadowTrails"});
  const json::array* list = nullptr;
  OT_RETURN_IF_ERROR(OptArray(in, "trailNameList", &list));
  std::optional<bool> include_shadows;
  OT_RETURN_IF_ERROR(OptBool(in, "includeShadowTrails", &include_shadows));
  const std::string& account = call.principal->account_id;

  json::array out;
  if (!list || list->empty()) {
    auto all = deps_.trails->List(account);
    if (!all.ok()) return all.status();
    // The call region's own trails first, then the shadows seen there.
    for (const auto& t : *all)
      if (t.home_region == call.region) out.push_back(TrailObject(t, true));
    if (include_shadows.value_or(true))
      for (const auto& t : *all)
        if (t.home_region != call.region && VisibleIn(deps_, t, call.region)) out.push_back(TrailObject(t, true));
  } else {
    // Validate every entry before looking anything up.
    std::vector<std::string> entries;
    for (const auto& v : *list) {
      if (!v.is_string()) return Serialization("trailNameList entries must be strings.");
      std::string entry(v.get_string());
      if (LooksLikeArn(entry)) {
        auto arn = ParseTrailArn(entry);
        if (!arn.ok()) return arn.status();
      } else {
        OT_RETURN_IF_ERROR(ValidateTrailName(entry));
      }
      entries.push_back(std::move(entry));
    }
    std::set<std::string> listed;
    for (const auto& entry : entries) {
      std::optional<Trail> t;
      if (LooksLikeArn(entry)) {
        auto arn = ParseTrailArn(entry);
        // Trails of other accounts are not visible (until organization trails); skipped.
        if (arn->account != account || arn->partition != "aws") continue;
        auto found = deps_.trails->Get(arn->account, arn->region, arn->name);
        if (!found.ok()) return found.status();
        t = std::move(*found);
      } else {
        auto found = deps_.trails->Get(account, call.region, entry);
        if (!found.ok()) return found.status();
        t = std::move(*found);
      }
      if (t && listed.insert(t->arn()).second) out.push_back(TrailObject(*t, true));
    }
  }
  call.json_output_text = ToJsonText(json::object{{"trailList", std::move(out)}});
  return Status::Ok();
}

Status CloudTrailService::ListTrails(Call& call) {
  const auto& in = call.json_input;
  call.request_parameters = LoggedMembers(in, {"NextToken"});
  std::optional<std::string> token;
  OT_RETURN_IF_ERROR(OptString(in, "NextToken", &token));
  const std::string& account = call.principal->account_id;
  std::optional<std::pair<std::string, std::string>> after;
  if (token && !token->empty()) {
    auto position = DecodeListToken(deps_, account, call.region, *token);
    if (!position.ok()) return position.status();
    after = *position;
  }
  auto all = deps_.trails->List(account);
  if (!all.ok()) return all.status();
  // List() is ordered by (home region, name): the page position.
  json::array trails_out;
  const Trail* last = nullptr;
  bool more = false;
  for (const auto& t : *all) {
    if (!VisibleIn(deps_, t, call.region)) continue;
    if (after && std::make_pair(t.home_region, t.name) <= *after) continue;
    if (trails_out.size() == kListTrailsPageSize) {
      more = true;
      break;
    }
    trails_out.push_back(json::object{{"TrailARN", t.arn()}, {"Name", t.name}, {"HomeRegion", t.home_region}});
    last = &t;
  }
  json::object out{{"Trails", std::move(trails_out)}};
  if (more && last) out["NextToken"] = EncodeListToken(deps_, account, call.region, *last);
  call.json_output_text = ToJsonText(out);
  return Status::Ok();
}

Status CloudTrailService::GetTrailStatus(Call& call) {
  call.request_parameters = LoggedMembers(call.json_input, {"Name"});
  std::string name;
  OT_RETURN_IF_ERROR(RequiredName(call.json_input, "Name", &name));
  auto found = ResolveTrail(deps_, call, name, Access::kRead);
  if (!found.ok()) return found.status();
  const Trail& t = *found;
  // Status is per region: the call region's deliveries where the trail is seen there (home or
  // shadow); a trail of another region read by ARN reports its home region.
  std::string region = VisibleIn(deps_, t, call.region) ? call.region : t.home_region;
  trails::DeliveryStatus d;
  if (deps_.status) d = deps_.status->Status(t, region);

  json::object o;
  o["IsLogging"] = t.logging;
  if (!d.latest_delivery_error.empty()) o["LatestDeliveryError"] = d.latest_delivery_error;
  if (!d.latest_notification_error.empty()) o["LatestNotificationError"] = d.latest_notification_error;
  if (d.latest_delivery_ms > 0) o["LatestDeliveryTime"] = Timestamp(d.latest_delivery_ms);
  if (d.latest_notification_ms > 0) o["LatestNotificationTime"] = Timestamp(d.latest_notification_ms);
  if (t.start_logging_ms > 0) o["StartLoggingTime"] = Timestamp(t.start_logging_ms);
  if (t.stop_logging_ms > 0) o["StopLoggingTime"] = Timestamp(t.stop_logging_ms);
  if (!d.latest_cloudwatch_logs_delivery_error.empty())
    o["LatestCloudWatchLogsDeliveryError"] = d.latest_cloudwatch_logs_delivery_error;
  if (d.latest_cloudwatch_logs_delivery_ms > 0)
    o["LatestCloudWatchLogsDeliveryTime"] = Timestamp(d.latest_cloudwatch_logs_delivery_ms);
  if (d.latest_digest_delivery_ms > 0) o["LatestDigestDeliveryTime"] = Timestamp(d.latest_digest_delivery_ms);
  if (!d.latest_digest_delivery_error.empty()) o["LatestDigestDeliveryError"] = d.latest_digest_delivery_error;
  // The deprecated strings, always present ("" when never).
  o["LatestDeliveryAttemptTime"] = IsoOrEmpty(d.latest_delivery_attempt_ms);
  o["LatestNotificationAttemptTime"] = IsoOrEmpty(d.latest_notification_attempt_ms);
  o["LatestNotificationAttemptSucceeded"] = IsoOrEmpty(d.latest_notification_attempt_succeeded_ms);
  o["LatestDeliveryAttemptSucceeded"] = IsoOrEmpty(d.latest_delivery_attempt_succeeded_ms);
  o["TimeLoggingStarted"] = IsoOrEmpty(t.start_logging_ms);
  o["TimeLoggingStopped"] = IsoOrEmpty(t.stop_logging_ms);
  call.json_output_text = ToJsonText(o);
  return Status::Ok();
}

Status CloudTrailService::StartLogging(Call& call) { return SetLogging(call, true); }
Status CloudTrailService::StopLogging(Call& call) { return SetLogging(call, false); }

Status CloudTrailService::SetLogging(Call& call, bool on) {
  call.request_parameters = LoggedMembers(call.json_input, {"Name"});
  std::string name;
  OT_RETURN_IF_ERROR(RequiredName(call.json_input, "Name", &name));
  std::lock_guard lock(trails_mu_);
  auto found = ResolveTrail(deps_, call, name, Access::kMutate);
  if (!found.ok()) return found.status();
  Trail t = std::move(*found);
  uint64_t last = deps_.journal ? deps_.journal->LastSequence() : 0;
  int64_t now = NowMillis();
  if (on) {
    // Idempotent: a logging trail keeps its period (its pending events stay covered); only
    // the start time is refreshed.
    if (!t.logging) {
      t.logging = true;
      t.logging_from = last + 1;
    }
    t.start_logging_ms = now;
  } else {
    // Idempotent: a stopped trail keeps the end of its last period; the time is refreshed.
    if (t.logging) {
      t.logging = false;
      t.logging_until = last;
    }
    t.stop_logging_ms = now;
  }
  t.generation += 1;
  return SaveTrail(t);
}

}  // namespace ot::services
