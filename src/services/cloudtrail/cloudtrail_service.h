// services/cloudtrail/cloudtrail_service.h — the CloudTrail API (JSON 1.1,
// CloudTrail_20131101): event history (LookupEvents) and trails (trails.md, selectors.md).
#pragma once

#include <string>
#include <vector>

#include "history/history_index.h"
#include "journal/journal.h"
#include "services/service.h"
#include "trails/collaborators.h"
#include "trails/trail.h"

namespace ot::services {

struct CloudTrailDeps {
  history::HistoryIndex* history = nullptr;
  journal::Journal* journal = nullptr;
  std::string token_secret;                          // LookupEvents paging tokens
  trails::TrailStore* trails = nullptr;
  trails::DestinationChecks* checks = nullptr;       // CreateTrail/UpdateTrail destination checks
  trails::DeliveryStatusSource* status = nullptr;    // GetTrailStatus live fields
  trails::TrailListener* listener = nullptr;         // told after every trail change
  std::vector<std::string> regions;                  // enabled regions (shadow trails, limits)
};

class CloudTrailService final : public Service {
 public:
  explicit CloudTrailService(CloudTrailDeps deps);
  std::string_view name() const override { return "cloudtrail"; }
  const http::ProtocolInfo& protocol() const override { return protocol_; }
  std::vector<std::string> Operations() const override;
  bool Serves(std::string_view operation) const override;
  Status Handle(Call& call) override;

 private:
  Status LookupEvents(Call& call);

  CloudTrailDeps deps_;
  http::ProtocolInfo protocol_;
};

}  // namespace ot::services
