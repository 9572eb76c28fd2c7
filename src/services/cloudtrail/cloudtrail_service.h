// services/cloudtrail/cloudtrail_service.h — the CloudTrail API (JSON 1.1,
// CloudTrail_20131101). Event history (LookupEvents) so far; trails arrive with delivery.
#pragma once

#include <string>

#include "history/history_index.h"
#include "journal/journal.h"
#include "services/service.h"

namespace ot::services {

class CloudTrailService final : public Service {
 public:
  // `token_secret` authenticates LookupEvents paging tokens.
  CloudTrailService(history::HistoryIndex* history, journal::Journal* journal,
                    std::string token_secret);
  std::string_view name() const override { return "cloudtrail"; }
  const http::ProtocolInfo& protocol() const override { return protocol_; }
  std::vector<std::string> Operations() const override;
  bool Serves(std::string_view operation) const override;
  Status Handle(Call& call) override;

 private:
  Status LookupEvents(Call& call);

  history::HistoryIndex* history_;
  journal::Journal* journal_;
  std::string token_secret_;
  http::ProtocolInfo protocol_;
};

}  // namespace ot::services
