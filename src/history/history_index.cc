#include "history/history_index.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "common/time.h"

namespace ot::history {

namespace {
constexpr size_t kBatchRecords = 20'000;
constexpr int kBucketShift = 16;  // 65,536 journal sequences per retention bucket
constexpr const char* kConsumerName = "history";

int64_t CutoffFor(const HistoryOptions& o) {
  return o.retention_ms <= 0 ? INT64_MIN : NowMillis() - o.retention_ms;
}
}  // namespace

storage::FamilyOptions HistoryIndex::Family(HistoryOptions options) {
  return {kHistoryFamily, [options](std::string_view key, std::string_view value) {
            if (options.retention_ms <= 0 || key.empty()) return false;
            int64_t cutoff = CutoffFor(options);
            if ((key[0] == 'T' || key[0] == 'A') && key.size() >= 16) {
              int64_t time;
              uint64_t seq;
              DecodePosition(key, &time, &seq);
              return time < cutoff;
            }
            if (key[0] == 'D' && value.size() == 8)
              return static_cast<int64_t>(storage::DecodeU64(value)) < cutoff;
            return false;
          }};
}

HistoryIndex::HistoryIndex(storage::KvStore* store, journal::Journal* journal,
                           HistoryOptions options)
    : store_(store), journal_(journal), options_(options) {
  journal_->RegisterConsumer(kConsumerName);
}

HistoryIndex::~HistoryIndex() { Stop(); }

int64_t HistoryIndex::CutoffMs() const { return CutoffFor(options_); }

Status HistoryIndex::CatchUp() {
  auto cursor = store_->Get(kHistoryFamily, kCursorKey);
  if (!cursor.ok()) return cursor.status();
  indexed_through_ = cursor->has_value() ? storage::DecodeU64(**cursor) : 0;
  // Journal records already trimmed were indexed before (the cursor held them back).
  if (indexed_through_ + 1 < journal_->FirstSequence()) indexed_through_ = journal_->FirstSequence() - 1;
  auto it = store_->NewIterator(kHistoryFamily);
  for (it->Seek("B"); it->Valid() && it->key()[0] == 'B'; it->Next())
    bucket_max_time_[storage::DecodeU64(it->key().substr(1))] =
        static_cast<int64_t>(storage::DecodeU64(it->value()));
  size_t n = 0;
  do {
    OT_RETURN_IF_ERROR(IndexFrom(indexed_through_ + 1, kBatchRecords, &n));
  } while (n > 0);
  UpdateJournalFloor();
  return Status::Ok();
}

Status HistoryIndex::IndexFrom(uint64_t from, size_t max, size_t* indexed) {
  std::vector<journal::Entry> entries;
  OT_RETURN_IF_ERROR(journal_->Read(from, max, &entries, 32u << 20));
  *indexed = entries.size();
  if (entries.empty()) return Status::Ok();
  auto batch = store_->NewBatch();
  RecordSummary s;
  std::map<uint64_t, int64_t> touched;
  for (const auto& e : entries) {
    if (!Summarize(e.record, &s)) continue;  // not a record we can index; still in the journal
    std::string time_value = storage::EncodeU64(static_cast<uint64_t>(s.event_time_ms));
    batch->Put(kHistoryFamily, DedupKey(s.account_id, s.event_id), time_value);
    if (s.category == Category::kOther) continue;  // data events never enter history
    std::string scope = ScopePrefix(s.account_id, s.region, s.category);
    std::string location = EncodeLocation(e.location);
    auto put = [&](std::string prefix) {
      batch->Put(kHistoryFamily, WithPosition(std::move(prefix), s.event_time_ms, e.sequence), location);
    };
    put(TimePrefix(scope));
    put(AttributePrefix(scope, Attribute::kEventId, s.event_id));
    if (!s.event_name.empty()) put(AttributePrefix(scope, Attribute::kEventName, s.event_name));
    if (!s.event_source.empty()) put(AttributePrefix(scope, Attribute::kEventSource, s.event_source));
    if (s.category == Category::kManagement) {
      if (s.read_only) put(AttributePrefix(scope, Attribute::kReadOnly, *s.read_only ? "true" : "false"));
      if (s.username) put(AttributePrefix(scope, Attribute::kUsername, *s.username));
      if (!s.access_key_id.empty()) put(AttributePrefix(scope, Attribute::kAccessKeyId, s.access_key_id));
      for (size_t i = 0; i < s.resources.size(); ++i) {
        const auto& r = s.resources[i];
        bool type_seen = false;
        for (size_t j = 0; j < i; ++j) type_seen |= s.resources[j].type == r.type;
        if (!r.type.empty() && !type_seen) put(AttributePrefix(scope, Attribute::kResourceType, r.type));
        put(AttributePrefix(scope, Attribute::kResourceName, r.name));
      }
    }
    uint64_t bucket = e.sequence >> kBucketShift;
    int64_t& newest = bucket_max_time_[bucket];
    if (s.event_time_ms > newest) {
      newest = s.event_time_ms;
      touched[bucket] = newest;
    }
  }
  for (auto& [bucket, time] : touched)
    batch->Put(kHistoryFamily, BucketKey(bucket), storage::EncodeU64(static_cast<uint64_t>(time)));
  uint64_t last = entries.back().sequence;
  batch->Put(kHistoryFamily, kCursorKey, storage::EncodeU64(last));
  // Not synced: the journal is durable and the cursor moves with the index in one batch, so
  // after a crash indexing resumes from whatever prefix survived.
  OT_RETURN_IF_ERROR(store_->Write(*batch, /*sync=*/false));
  {
    std::lock_guard lock(mu_);
    indexed_through_ = last;
  }
  indexed_cv_.notify_all();
  return Status::Ok();
}

void HistoryIndex::UpdateJournalFloor() {
  // The journal may drop segments whose records history no longer needs: everything before
  // the first bucket holding an event inside the retention window.
  int64_t cutoff = CutoffMs();
  uint64_t floor = indexed_through_ + 1;
  for (auto& [bucket, newest] : bucket_max_time_)
    if (newest >= cutoff) {
      floor = std::min(floor, bucket << kBucketShift);
      break;
    }
  journal_->SetRetentionFloor("history-retention", floor);
  // The history cursor lives in the history family; mirror it for the journal's trim.
  auto s = journal_->CommitCursor(kConsumerName, indexed_through_ + 1);
  if (!s.ok()) spdlog::warn("history: cannot commit journal cursor: {}", s.ToString());
}

void HistoryIndex::Start() {
  worker_ = std::thread([this] { Loop(); });
}

void HistoryIndex::Loop() {
  auto last_floor_update = std::chrono::steady_clock::now();
  auto last_compaction = std::chrono::steady_clock::now();
  while (!stopping_) {
    uint64_t through = indexed_through_;
    if (journal_->LastSequence() <= through) {
      journal_->WaitForNew(through, 200);
    } else {
      size_t n = 0;
      Status s = IndexFrom(through + 1, kBatchRecords, &n);
      if (!s.ok()) {
        spdlog::error("history: indexing failed: {}", s.ToString());
        std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_floor_update > std::chrono::seconds(10)) {
      UpdateJournalFloor();
      last_floor_update = now;
    }
    if (options_.retention_ms > 0 && now - last_compaction > std::chrono::hours(6)) {
      store_->Compact(kHistoryFamily);  // applies retention to data nobody writes near
      last_compaction = now;
    }
  }
}

void HistoryIndex::Stop() {
  stopping_ = true;
  if (worker_.joinable()) worker_.join();
}

bool HistoryIndex::WaitIndexed(uint64_t sequence, int64_t timeout_ms) const {
  std::unique_lock lock(mu_);
  return indexed_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                              [&] { return indexed_through_.load() >= sequence; });
}

Result<bool> HistoryIndex::HasEventId(std::string_view account, std::string_view event_id) const {
  auto v = store_->Get(kHistoryFamily, DedupKey(account, event_id));
  if (!v.ok()) return v.status();
  return v->has_value();
}

Result<LookupPage> HistoryIndex::Lookup(const LookupQuery& q, const std::optional<Position>& after,
                                        size_t max) const {
  std::string scope = ScopePrefix(q.account, q.region, q.category);
  std::string prefix = q.attribute ? AttributePrefix(scope, q.attribute->first, q.attribute->second)
                                   : TimePrefix(scope);
  int64_t floor_ms = std::max(q.start_ms, CutoffMs());
  std::string start = after ? WithPosition(prefix, after->time_ms, after->sequence) + '\0'
                            : WithPosition(prefix, q.end_ms, UINT64_MAX);
  LookupPage page;
  std::vector<std::pair<journal::Location, Position>> found;
  auto it = store_->NewIterator(kHistoryFamily);
  for (it->Seek(start); it->Valid(); it->Next()) {
    std::string_view key = it->key();
    if (key.size() != prefix.size() + 16 || key.substr(0, prefix.size()) != prefix) break;
    Position pos;
    DecodePosition(key, &pos.time_ms, &pos.sequence);
    if (pos.time_ms < floor_ms) break;
    if (pos.time_ms > q.end_ms || pos.sequence > q.snapshot) continue;
    if (found.size() == max) {
      page.more = true;
      break;
    }
    found.emplace_back(DecodeLocation(it->value()), pos);
  }
  OT_RETURN_IF_ERROR(it->status());
  page.hits.reserve(found.size());
  for (auto& [location, pos] : found) {
    auto record = journal_->ReadAt(location);
    if (!record.ok()) {
      if (record.status().code() == "NotFound") continue;  // trimmed meanwhile: past retention
      return record.status();
    }
    page.hits.push_back({std::move(*record), pos});
  }
  return page;
}

}  // namespace ot::history
