// services/cloudtrail/trail_selectors.cc — PutEventSelectors, GetEventSelectors
// (selectors.md §2), PutInsightSelectors, GetInsightSelectors (insights.md §2.1–§2.2).
#include "services/cloudtrail/cloudtrail_service.h"
#include "services/cloudtrail/trail_internal.h"
#include "trails/selectors.h"

namespace ot::services {

using namespace trailapi;  // NOLINT
using trails::Trail;

namespace {

const json::value* Member(const json::object& in, std::string_view key) {
  auto* v = in.if_contains(key);
  return (v && !v->is_null()) ? v : nullptr;
}

Result<trails::SelectorSet> StoredSelectors(const Trail& t) {
  if (t.event_selectors.empty()) return trails::SelectorSet::Default();
  return trails::SelectorSet::Deserialize(t.event_selectors);
}

json::object SelectorsResponse(const Trail& t, const trails::SelectorSet& set) {
  json::object out{{"TrailARN", t.arn()}};
  for (auto& kv : set.ToResponse()) out[kv.key()] = kv.value();
  return out;
}

// Insights requests address a trail (TrailName) or an event data store (EventDataStore with
// InsightsDestination), exactly one of them. Event data stores are not served.
Status InsightsTarget(const json::object& in, std::string* trail_name) {
  std::optional<std::string> name, store, destination;
  OT_RETURN_IF_ERROR(OptString(in, "TrailName", &name));
  OT_RETURN_IF_ERROR(OptString(in, "EventDataStore", &store));
  OT_RETURN_IF_ERROR(OptString(in, "InsightsDestination", &destination));
  if (name && (store || destination))
    return Status::Error("InvalidParameterCombinationException",
                         "Specify either TrailName or EventDataStore, not both.", 400);
  if (!name) {
    if (store || destination)
      return Status::Error("UnsupportedOperationException",
                           "Insights on event data stores are not supported.", 400);
    return Status::Error("InvalidParameterCombinationException",
                         "Specify either TrailName or EventDataStore.", 400);
  }
  *trail_name = *name;
  return Status::Ok();
}

}  // namespace

Status CloudTrailService::PutEventSelectors(Call& call) {
  const auto& in = call.json_input;
  call.request_parameters = LoggedMembers(in, {"TrailName", "EventSelectors", "AdvancedEventSelectors"});
  std::string name;
  OT_RETURN_IF_ERROR(RequiredName(in, "TrailName", &name));
  std::lock_guard lock(trails_mu_);
  auto found = ResolveTrail(deps_, call, name, Access::kMutate);
  if (!found.ok()) return found.status();
  Trail t = std::move(*found);
  auto set = trails::SelectorSet::FromRequest(Member(in, "EventSelectors"), Member(in, "AdvancedEventSelectors"));
  if (!set.ok()) return set.status();
  // Stored empty when it is the default (trail.h: empty = default).
  t.event_selectors = set->IsDefault() ? std::string() : set->Serialize();
  t.generation += 1;
  OT_RETURN_IF_ERROR(SaveTrail(t));
  json::object out = SelectorsResponse(t, *set);
  call.response_elements = LowerCamel(out);
  call.json_output_text = ToJsonText(out);
  return Status::Ok();
}

Status CloudTrailService::GetEventSelectors(Call& call) {
  call.request_parameters = LoggedMembers(call.json_input, {"TrailName"});
  std::string name;
  OT_RETURN_IF_ERROR(RequiredName(call.json_input, "TrailName", &name));
  auto t = ResolveTrail(deps_, call, name, Access::kRead);
  if (!t.ok()) return t.status();
  auto set = StoredSelectors(*t);
  if (!set.ok()) return Status::Internal("stored event selectors of " + t->arn() + ": " + set.status().message());
  call.json_output_text = ToJsonText(SelectorsResponse(*t, *set));
  return Status::Ok();
}

Status CloudTrailService::PutInsightSelectors(Call& call) {
  const auto& in = call.json_input;
  call.request_parameters =
      LoggedMembers(in, {"TrailName", "InsightSelectors", "EventDataStore", "InsightsDestination"});
  std::string name;
  OT_RETURN_IF_ERROR(InsightsTarget(in, &name));
  std::lock_guard lock(trails_mu_);
  auto found = ResolveTrail(deps_, call, name, Access::kMutate);
  if (!found.ok()) return found.status();
  Trail t = std::move(*found);
  const json::value* selectors = Member(in, "InsightSelectors");
  if (!selectors)
    return Status::Error("InvalidInsightSelectorsException", "InsightSelectors is required.", 400);
  auto stored = trails::ValidateInsightSelectors(selectors);
  if (!stored.ok()) return stored.status();
  json::array list = trails::InsightSelectorsFromStored(*stored);
  // The trail must log the events each type analyses (insights.md §1, §2.1).
  if (!list.empty()) {
    auto set = StoredSelectors(t);
    if (!set.ok()) return Status::Internal("stored event selectors of " + t.arn() + ": " + set.status().message());
    OT_RETURN_IF_ERROR(trails::CheckInsightPrerequisites(*set, *stored));
  }
  // Insights files go to the trail's bucket: it must exist and accept writes.
  if (!list.empty() && deps_.checks) OT_RETURN_IF_ERROR(deps_.checks->CheckBucket(t));
  t.insight_selectors = list.empty() ? std::string() : *stored;
  t.generation += 1;
  OT_RETURN_IF_ERROR(SaveTrail(t));
  json::object out{{"TrailARN", t.arn()}, {"InsightSelectors", std::move(list)}};
  call.response_elements = LowerCamel(out);
  call.json_output_text = ToJsonText(out);
  return Status::Ok();
}

Status CloudTrailService::GetInsightSelectors(Call& call) {
  const auto& in = call.json_input;
  call.request_parameters = LoggedMembers(in, {"TrailName", "EventDataStore"});
  std::string name;
  OT_RETURN_IF_ERROR(InsightsTarget(in, &name));
  auto t = ResolveTrail(deps_, call, name, Access::kRead);
  if (!t.ok()) return t.status();
  if (!HasInsightSelectors(*t))
    return Status::Error("InsightNotEnabledException",
                         "Trail " + t->arn() +
                             " does not have Insights enabled. Edit the trail settings to enable Insights, "
                             "and then try the operation again.",
                         400);
  json::object out{{"TrailARN", t->arn()}, {"InsightSelectors", trails::InsightSelectorsFromStored(t->insight_selectors)}};
  call.json_output_text = ToJsonText(out);
  return Status::Ok();
}

}  // namespace ot::services
