// services/opentrail/opentrail_service.h — opentrail's own API (credential scope
// "opentrail", JSON 1.1, target prefix OpenTrail_20261130):
//   IngestRecords  a CloudTrail log file (plain or gzip) as the body; each record validated,
//                  deduplicated by (account, eventID), appended to the journal.
//   CreateAccount  a new account and its root access key (management root only).
#pragma once

#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "auth/identity_store.h"
#include "history/history_index.h"
#include "ingest/log_file.h"
#include "journal/journal.h"
#include "services/service.h"

namespace ot::services {

inline constexpr size_t kMaxIngestBody = 256u << 20;

class OpenTrailService final : public Service {
 public:
  OpenTrailService(auth::IdentityStore* identities, journal::Journal* journal,
                   history::HistoryIndex* history);
  std::string_view name() const override { return "opentrail"; }
  const http::ProtocolInfo& protocol() const override { return protocol_; }
  std::vector<std::string> Operations() const override;
  bool Serves(std::string_view operation) const override;
  size_t BodyLimit() const override { return kMaxIngestBody; }
  bool TakesRawBody(std::string_view operation) const override {
    return operation == "IngestRecords";
  }
  Status Handle(Call& call) override;

 private:
  Status IngestRecords(Call& call);
  Status CreateAccount(Call& call);
  bool IsManagementRoot(const auth::Principal& p) const;

  auth::IdentityStore* identities_;
  journal::Journal* journal_;
  history::HistoryIndex* history_;
  http::ProtocolInfo protocol_;

  // Deduplication of imports: eventIDs appended to the journal but not yet indexed by
  // history (which holds the committed set), with the journal sequence that covers them.
  std::mutex ingest_mu_;
  struct PendingBatch {
    uint64_t last_sequence;
    std::vector<std::string> keys;
  };
  std::vector<PendingBatch> pending_batches_;
  std::unordered_set<std::string> pending_;
};

}  // namespace ot::services
