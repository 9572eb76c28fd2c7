// services/cloudtrail/cloudtrail_service.h — the CloudTrail API (JSON 1.1,
// CloudTrail_20131101): event history (LookupEvents) and trails (trails.md, selectors.md).
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "history/history_index.h"
#include "integrity/integrity.h"
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
  integrity::SigningKeys* signing_keys = nullptr;    // ListPublicKeys (null: an empty list)
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
  Status ListPublicKeys(Call& call);  // list_public_keys.cc (integrity.md §6)

  // Trails (trails.md §6; trail_ops.cc, trail_tags.cc, trail_selectors.cc).
  Status CreateTrail(Call& call);
  Status UpdateTrail(Call& call);
  Status DeleteTrail(Call& call);
  Status GetTrail(Call& call);
  Status DescribeTrails(Call& call);
  Status ListTrails(Call& call);
  Status GetTrailStatus(Call& call);
  Status StartLogging(Call& call);
  Status StopLogging(Call& call);
  Status SetLogging(Call& call, bool on);
  Status AddTags(Call& call);
  Status RemoveTags(Call& call);
  Status ListTags(Call& call);
  Status PutEventSelectors(Call& call);
  Status GetEventSelectors(Call& call);
  Status PutInsightSelectors(Call& call);
  Status GetInsightSelectors(Call& call);
  // Stores a changed trail and tells the listener.
  Status SaveTrail(const trails::Trail& trail);
  void NotifyChanged();

  // Serializes every trail mutation (check-then-act: names, limits, read-modify-write).
  std::mutex trails_mu_;

  CloudTrailDeps deps_;
  http::ProtocolInfo protocol_;
};

}  // namespace ot::services
