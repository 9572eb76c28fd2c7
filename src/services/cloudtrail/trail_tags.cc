// services/cloudtrail/trail_tags.cc — AddTags, RemoveTags, ListTags (trails.md §6.9).
#include "services/cloudtrail/cloudtrail_service.h"
#include "services/cloudtrail/trail_internal.h"

namespace ot::services {

using namespace trailapi;  // NOLINT
using trails::Trail;

namespace {

constexpr size_t kMaxListTagsResources = 20;

// A tag operation's ResourceId: a trail ARN of the caller's account in the call region
// (tags are region-bound: a shadow is not tagged from its shadow region, §3.3).
Result<Trail> ResolveTagResource(const CloudTrailDeps& deps, const Call& call, const std::string& id) {
  const std::string& caller = call.principal->account_id;
  auto invalid = [&](const std::string& why) {
    return Status::Error("CloudTrailARNInvalidException",
                         "Invalid resource ARN " + id + ": " + why + ".", 400);
  };
  if (!LooksLikeArn(id)) return invalid("a trail must be given by its ARN");
  auto parts = SplitArn(id);
  if (!parts) return invalid("not an ARN");
  if (parts->service != "cloudtrail") return invalid("not a CloudTrail ARN");
  if (!IsAccountId(parts->account)) return invalid("the account ID must be 12 digits");
  if (parts->account != caller) return AccountInArnWrong(caller);
  if (parts->region != call.region)
    return Status::Error("CloudTrailARNInvalidException",
                         "Region in ARN is wrong, you can only access resources in region " +
                             call.region + ".",
                         400);
  auto not_found = [&] {
    return Status::Error("ResourceNotFoundException", "Resource not found: " + id, 400);
  };
  std::string_view resource = parts->resource;
  size_t slash = resource.find('/');
  std::string_view type = resource.substr(0, slash);
  if (type != "trail") {
    if (type == "eventdatastore" || type == "channel" || type == "dashboard") return not_found();
    return Status::Error("ResourceTypeNotSupportedException",
                         "Resource type " + std::string(type) + " is not supported for tagging.", 400);
  }
  auto arn = ParseTrailArn(id);
  if (!arn.ok()) return arn.status();
  if (arn->partition != "aws") return not_found();
  auto found = deps.trails->Get(arn->account, arn->region, arn->name);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return not_found();
  return std::move(**found);
}

Status ReadTagRequest(const json::object& in, std::string* resource_id,
                      std::vector<std::pair<std::string, std::string>>* tags) {
  std::optional<std::string> id;
  OT_RETURN_IF_ERROR(OptString(in, "ResourceId", &id));
  const json::array* list = nullptr;
  OT_RETURN_IF_ERROR(OptArray(in, "TagsList", &list));
  if (!id) return InvalidParameter("ResourceId is required.");
  if (!list) return InvalidParameter("TagsList is required.");
  *resource_id = *id;
  return ParseTags(*list, tags);
}

json::array TagsArray(const Trail& t) {
  json::array out;
  for (const auto& [k, v] : t.tags) {
    json::object tag{{"Key", k}};
    if (v != kTagWithoutValue) tag["Value"] = v;
    out.push_back(std::move(tag));
  }
  return out;
}

}  // namespace

Status CloudTrailService::AddTags(Call& call) {
  call.request_parameters = LoggedMembers(call.json_input, {"ResourceId", "TagsList"});
  std::string id;
  std::vector<std::pair<std::string, std::string>> tags;
  OT_RETURN_IF_ERROR(ReadTagRequest(call.json_input, &id, &tags));
  std::lock_guard lock(trails_mu_);
  auto found = ResolveTagResource(deps_, call, id);
  if (!found.ok()) return found.status();
  Trail t = std::move(*found);
  for (auto& [k, v] : tags) t.tags[k] = v;
  if (t.tags.size() > kMaxTagsPerTrail)
    return Status::Error("TagsLimitExceededException",
                         "The number of tags on " + t.arn() + " would exceed the limit of " +
                             std::to_string(kMaxTagsPerTrail) + ".",
                         400);
  t.generation += 1;
  return SaveTrail(t);
}

Status CloudTrailService::RemoveTags(Call& call) {
  call.request_parameters = LoggedMembers(call.json_input, {"ResourceId", "TagsList"});
  std::string id;
  std::vector<std::pair<std::string, std::string>> tags;
  OT_RETURN_IF_ERROR(ReadTagRequest(call.json_input, &id, &tags));
  std::lock_guard lock(trails_mu_);
  auto found = ResolveTagResource(deps_, call, id);
  if (!found.ok()) return found.status();
  Trail t = std::move(*found);
  // A value in the request is ignored; an absent key is not an error.
  for (auto& [k, v] : tags) t.tags.erase(k);
  t.generation += 1;
  return SaveTrail(t);
}

Status CloudTrailService::ListTags(Call& call) {
  const auto& in = call.json_input;
  call.request_parameters = LoggedMembers(in, {"ResourceIdList", "NextToken"});
  const json::array* ids = nullptr;
  OT_RETURN_IF_ERROR(OptArray(in, "ResourceIdList", &ids));
  std::optional<std::string> token;
  OT_RETURN_IF_ERROR(OptString(in, "NextToken", &token));
  if (!ids) return InvalidParameter("ResourceIdList is required.");
  if (ids->size() > kMaxListTagsResources)
    return InvalidParameter("ResourceIdList can hold at most " + std::to_string(kMaxListTagsResources) +
                            " ARNs.");
  // Every answer fits one page; opentrail never hands out a token.
  if (token && !token->empty())
    return Status::Error("InvalidTokenException", "Invalid NextToken.", 400);
  json::array out;
  for (const auto& v : *ids) {
    if (!v.is_string()) return Serialization("ResourceIdList entries must be strings.");
    std::string id(v.get_string());
    auto t = ResolveTagResource(deps_, call, id);
    if (!t.ok()) return t.status();
    out.push_back(json::object{{"ResourceId", id}, {"TagsList", TagsArray(*t)}});
  }
  call.json_output_text = ToJsonText(json::object{{"ResourceTagList", std::move(out)}});
  return Status::Ok();
}

}  // namespace ot::services
