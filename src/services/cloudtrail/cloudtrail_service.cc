#include "services/cloudtrail/cloudtrail_service.h"

namespace ot::services {

CloudTrailService::CloudTrailService(CloudTrailDeps deps) : deps_(std::move(deps)) {
  protocol_.protocol = http::Protocol::kJson11;
}

std::vector<std::string> CloudTrailService::Operations() const { return {"LookupEvents"}; }

bool CloudTrailService::Serves(std::string_view operation) const {
  return operation == "LookupEvents";
}

Status CloudTrailService::Handle(Call& call) {
  if (call.operation == "LookupEvents") return LookupEvents(call);
  return Status::Error("UnknownOperationException", "Unknown operation " + call.operation, 400);
}

}  // namespace ot::services
