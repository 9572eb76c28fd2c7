// history/history_index.h — Event history: indexing the journal and answering lookups.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/status.h"
#include "history/index_keys.h"
#include "history/record_summary.h"
#include "journal/journal.h"
#include "storage/kv_store.h"

namespace ot::history {

struct HistoryOptions {
  int64_t retention_ms = 90LL * 86'400'000;  // by event time; 0 keeps everything
};

struct LookupQuery {
  std::string account;
  std::string region;
  Category category = Category::kManagement;
  std::optional<std::pair<Attribute, std::string>> attribute;
  int64_t start_ms = INT64_MIN;  // inclusive
  int64_t end_ms = INT64_MAX;    // inclusive
  uint64_t snapshot = UINT64_MAX;  // only journal sequences <= snapshot
};

struct Position {
  int64_t time_ms = 0;
  uint64_t sequence = 0;
};

struct LookupHit {
  std::string record;  // the CloudTrail record as stored
  Position position;
};

struct LookupPage {
  std::vector<LookupHit> hits;
  bool more = false;  // another matching event exists after the last hit
};

class HistoryIndex {
 public:
  HistoryIndex(storage::KvStore* store, journal::Journal* journal, HistoryOptions options);
  ~HistoryIndex();

  // The family options history needs (its retention filter, unlogged writes: the index is
  // rebuilt from the journal after a crash) for opening the store.
  static storage::FamilyOptions Family(HistoryOptions options);

  // Indexes everything the journal holds now; then Start() keeps up in the background.
  Status CatchUp();
  void Start();
  void Stop();

  // Newest first; `after` continues a walk strictly after that position.
  Result<LookupPage> Lookup(const LookupQuery& query, const std::optional<Position>& after,
                            size_t max) const;

  uint64_t IndexedThrough() const { return indexed_through_.load(); }
  // Waits until every journal record up to `sequence` is indexed (or timeout).
  bool WaitIndexed(uint64_t sequence, int64_t timeout_ms) const;
  // Whether an eventID is already recorded for the account (imports are deduplicated).
  Result<bool> HasEventId(std::string_view account, std::string_view event_id) const;
  // The same for many (account, eventID) pairs at once: known[i] for ids[i].
  Status HasEventIds(const std::vector<std::pair<std::string_view, std::string_view>>& ids,
                     std::vector<bool>* known) const;
  // Import dedup: (account, eventID)s just appended to the journal, through `last_sequence`.
  // HasEventId(s) count them as known from now on (before they are indexed). The caller
  // serializes a check with the append and this call.
  void AddPending(const std::vector<std::pair<std::string_view, std::string_view>>& ids,
                  uint64_t last_sequence);
  // Events older than this are outside history (INT64_MIN when kept forever).
  int64_t CutoffMs() const;

 private:
  class PendingIds;
  // Indexes the records waiting from `from` on as one batch; `indexed` = records read.
  Status IndexFrom(uint64_t from, size_t* indexed);
  void Loop();
  void UpdateJournalFloor();
  Status CheckLayout();
  Status LoadScopes();
  std::optional<uint32_t> FindScope(std::string_view scope) const;
  Result<LookupPage> LookupEventId(const LookupQuery& query, const std::optional<Position>& after,
                                   size_t max) const;
  Result<LookupPage> ReadHits(std::vector<std::pair<journal::Location, Position>> found,
                              LookupPage page) const;

  storage::KvStore* store_;
  journal::Journal* journal_;
  HistoryOptions options_;
  std::atomic<uint64_t> indexed_through_{0};
  std::map<uint64_t, int64_t> bucket_max_time_;  // journal bucket -> newest event time
  // The scope dictionary (ScopePrefix -> sid). Only the indexer adds, after the batch that
  // persists the new entries is written; lookups read under the shared lock.
  mutable std::shared_mutex scopes_mu_;
  std::unordered_map<std::string, uint32_t> scopes_;
  uint32_t next_sid_ = 1;
  std::chrono::steady_clock::time_point last_flush_;  // last flush history asked for
  mutable std::mutex pending_mu_;
  std::unique_ptr<PendingIds> pending_;  // guarded by pending_mu_
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  mutable std::condition_variable indexed_cv_;
  std::thread worker_;
};

}  // namespace ot::history
