#include "services/cloudtrail/cloudtrail_service.h"

#include <algorithm>
#include <array>

namespace ot::services {

namespace {

// The trail operations (trails.md §6, selectors.md §2, insights.md §2.1–2.2).
constexpr std::array<std::string_view, 16> kTrailOperations = {
    "AddTags",          "CreateTrail",       "DeleteTrail",         "DescribeTrails",
    "GetEventSelectors", "GetInsightSelectors", "GetTrail",          "GetTrailStatus",
    "ListTags",         "ListTrails",        "PutEventSelectors",   "PutInsightSelectors",
    "RemoveTags",       "StartLogging",      "StopLogging",         "UpdateTrail"};

bool IsTrailOperation(std::string_view operation) {
  return std::find(kTrailOperations.begin(), kTrailOperations.end(), operation) !=
         kTrailOperations.end();
}

}  // namespace

CloudTrailService::CloudTrailService(CloudTrailDeps deps) : deps_(std::move(deps)) {
  protocol_.protocol = http::Protocol::kJson11;
}

std::vector<std::string> CloudTrailService::Operations() const {
  std::vector<std::string> ops = {"LookupEvents", "ListPublicKeys"};
  for (auto op : kTrailOperations) ops.emplace_back(op);
  return ops;
}

bool CloudTrailService::Serves(std::string_view operation) const {
  return operation == "LookupEvents" || operation == "ListPublicKeys" || IsTrailOperation(operation);
}

Status CloudTrailService::Handle(Call& call) {
  const std::string& op = call.operation;
  if (op == "LookupEvents") return LookupEvents(call);
  if (op == "ListPublicKeys") return ListPublicKeys(call);
  if (IsTrailOperation(op) && deps_.trails == nullptr)
    return Status::Error("UnsupportedOperationException",
                         "Trails are not available on this server.", 400);
  if (op == "CreateTrail") return CreateTrail(call);
  if (op == "UpdateTrail") return UpdateTrail(call);
  if (op == "DeleteTrail") return DeleteTrail(call);
  if (op == "GetTrail") return GetTrail(call);
  if (op == "DescribeTrails") return DescribeTrails(call);
  if (op == "ListTrails") return ListTrails(call);
  if (op == "GetTrailStatus") return GetTrailStatus(call);
  if (op == "StartLogging") return StartLogging(call);
  if (op == "StopLogging") return StopLogging(call);
  if (op == "AddTags") return AddTags(call);
  if (op == "RemoveTags") return RemoveTags(call);
  if (op == "ListTags") return ListTags(call);
  if (op == "PutEventSelectors") return PutEventSelectors(call);
  if (op == "GetEventSelectors") return GetEventSelectors(call);
  if (op == "PutInsightSelectors") return PutInsightSelectors(call);
  if (op == "GetInsightSelectors") return GetInsightSelectors(call);
  return Status::Error("UnknownOperationException", "Unknown operation " + call.operation, 400);
}

Status CloudTrailService::SaveTrail(const trails::Trail& trail) {
  OT_RETURN_IF_ERROR(deps_.trails->Put(trail));
  NotifyChanged();
  return Status::Ok();
}

void CloudTrailService::NotifyChanged() {
  if (deps_.listener) deps_.listener->TrailsChanged();
}

}  // namespace ot::services
