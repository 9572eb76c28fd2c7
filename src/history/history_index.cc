#include "history/history_index.h"

#include <algorithm>
#include <cstring>
#include <deque>

#include <spdlog/spdlog.h>

#include "common/time.h"
#include "storage/kv_store.h"

namespace ot::history {

namespace {
constexpr size_t kReadRecords = 20'000;  // per journal read
// One index batch: at most this many records or this long gathering them.
constexpr size_t kMaxBatchRecords = 300'000;
constexpr auto kMaxBatchTime = std::chrono::milliseconds(500);
// Batches from this size on are written as a sorted file rather than through the write buffer.
constexpr size_t kSortedBatchRecords = 50'000;
// Catching up with at least this many records at once means an import is running: keep
// gathering while records keep arriving (each wait at most kBulkWaitMs).
constexpr size_t kBulkRecords = 5'000;
constexpr int64_t kBulkWaitMs = 50;
constexpr int kBucketShift = 16;  // 65,536 journal sequences per retention bucket
constexpr const char* kConsumerName = "history";
// History's writes skip RocksDB's write-ahead log; unflushed index state is rebuilt from the
// journal after a crash. Flush at least this often so the journal's cursor (which allows
// trimming) and the work a crash costs stay bounded.
constexpr auto kFlushEvery = std::chrono::minutes(5);

int64_t CutoffFor(const HistoryOptions& o) {
  return o.retention_ms <= 0 ? INT64_MIN : NowMillis() - o.retention_ms;
}

// A fast hash of short byte strings (8 bytes per step).
inline uint64_t HashBytes(std::string_view s) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ULL;
  uint64_t h = kMul ^ (s.size() * 0xff51afd7ed558ccdULL);
  const char* p = s.data();
  size_t n = s.size();
  auto mix = [&](uint64_t v) {
    h = (h ^ v) * kMul;
    h ^= h >> 29;
  };
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    mix(v);
  }
  if (n > 0) {
    uint64_t v = 0;
    std::memcpy(&v, p, n);
    mix(v);
  }
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ULL;
  return h ^ (h >> 32);
}

// The first 8 bytes of s from `offset` on, big-endian (zero-padded): compares like the bytes.
inline uint64_t SortWord(std::string_view s, size_t offset) {
  unsigned char b[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  if (offset < s.size()) std::memcpy(b, s.data() + offset, std::min<size_t>(8, s.size() - offset));
  uint64_t v = 0;
  for (unsigned char c : b) v = (v << 8) | c;
  return v;
}

// One batch of index entries, written in key order: RocksDB's write buffer (a skip list)
// inserts keys in ascending order far cheaper than in random order, and a large batch goes
// to the store as one sorted file. T/A entries are grouped by prefix (sorting the distinct
// prefixes, then each group's positions as integers, is much cheaper than sorting every
// key); since no prefix is a prefix of another, the concatenation is in key order.
class BatchBuilder {
 public:
  struct Posting {
    uint64_t ntime;  // ~time
    uint64_t nseq;   // ~sequence
    journal::Location location;
  };

  // Adds prefix + position -> location.
  void Add(std::string_view prefix, const Posting& p) {
    if (slots_.empty() || (groups_.size() + 1) * 2 > slots_.size()) Grow();
    uint64_t h = HashBytes(prefix);
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.group == 0) {
        groups_.push_back({std::string(prefix), {}});
        slot = {h, static_cast<uint32_t>(groups_.size())};
        groups_.back().postings.push_back(p);
        return;
      }
      if (slot.hash == h && groups_[slot.group - 1].prefix == prefix) {
        groups_[slot.group - 1].postings.push_back(p);
        return;
      }
    }
  }

  std::string* NewDedup() {
    dedup_.push_back({dedup_keys_.size(), 0, 0, 0});
    return &dedup_keys_;
  }
  void EndDedupKey() { dedup_.back().key_end = dedup_keys_.size(); }
  void EndDedupValue() { dedup_.back().value_end = dedup_keys_.size(); }

  // Keys other than T/A/D (a handful per batch).
  void AddSingle(std::string key, std::string value) { singles_.emplace_back(std::move(key), std::move(value)); }

  // Calls put(key, value) for every entry in ascending key order, each key once (of
  // repeated keys the last added wins, as in a write batch).
  template <typename Put>
  Status Emit(Put&& put) {
    std::vector<size_t> order(groups_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return groups_[a].prefix < groups_[b].prefix; });
    std::vector<size_t> dorder = SortedDedup();
    std::stable_sort(singles_.begin(), singles_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });

    size_t g = 0, s = 0;
    std::string key, value;
    auto emit_groups_below = [&](unsigned char first) -> Status {
      for (; g < order.size() && static_cast<unsigned char>(groups_[order[g]].prefix[0]) < first; ++g) {
        Group& grp = groups_[order[g]];
        std::sort(grp.postings.begin(), grp.postings.end(), [](const Posting& a, const Posting& b) {
          return a.ntime != b.ntime ? a.ntime < b.ntime : a.nseq < b.nseq;
        });
        for (size_t i = 0; i < grp.postings.size(); ++i) {
          const Posting& p = grp.postings[i];
          if (i + 1 < grp.postings.size() && grp.postings[i + 1].ntime == p.ntime &&
              grp.postings[i + 1].nseq == p.nseq)
            continue;  // the same entry twice (e.g. one resource name under two types)
          key.assign(grp.prefix);
          storage::AppendU64(&key, p.ntime);
          storage::AppendU64(&key, p.nseq);
          value.clear();
          AppendLocation(&value, p.location);
          OT_RETURN_IF_ERROR(put(key, value));
        }
      }
      return Status::Ok();
    };
    auto emit_singles_below = [&](std::string_view limit) -> Status {
      for (; s < singles_.size() && (limit.empty() || singles_[s].first < limit); ++s) {
        if (s + 1 < singles_.size() && singles_[s + 1].first == singles_[s].first) continue;
        OT_RETURN_IF_ERROR(put(singles_[s].first, singles_[s].second));
      }
      return Status::Ok();
    };
    // A... < B... < D... < S... < T... < \xff...
    OT_RETURN_IF_ERROR(emit_groups_below('B'));
    OT_RETURN_IF_ERROR(emit_singles_below("D"));
    for (size_t d = 0; d < dorder.size(); ++d) {
      if (d + 1 < dorder.size() && dedup_[dorder[d + 1]].word == dedup_[dorder[d]].word &&
          DedupKeyAt(dorder[d + 1]) == DedupKeyAt(dorder[d]))
        continue;
      OT_RETURN_IF_ERROR(put(DedupKeyAt(dorder[d]), DedupValueAt(dorder[d])));
    }
    OT_RETURN_IF_ERROR(emit_singles_below("T"));
    OT_RETURN_IF_ERROR(emit_groups_below(0xff));
    return emit_singles_below({});
  }

  size_t Entries() const { return dedup_.size(); }

 private:
  struct Group {
    std::string prefix;
    std::vector<Posting> postings;
  };
  struct DedupEntry {
    size_t begin, key_end, value_end;
    uint64_t word;  // sort key: the eventID's first 8 bytes
  };

  // The D entries' order by key; of equal keys the later added comes last. D keys are
  // 'D' account 00 eventID: grouped by account (a few per batch), then each group sorted by
  // the eventID's first 8 bytes as an integer, then by the whole key.
  std::vector<size_t> SortedDedup() {
    std::vector<std::pair<std::string_view, std::vector<size_t>>> accounts;  // by "D account 00"
    for (size_t i = 0; i < dedup_.size(); ++i) {
      std::string_view key = DedupKeyAt(i);
      size_t nul = key.find('\0');
      std::string_view account = key.substr(0, nul == std::string_view::npos ? key.size() : nul + 1);
      dedup_[i].word = SortWord(key, account.size());
      if (accounts.empty() || accounts.back().first != account) {
        auto it = std::find_if(accounts.begin(), accounts.end(), [&](const auto& a) { return a.first == account; });
        if (it == accounts.end()) {
          accounts.emplace_back(account, std::vector<size_t>{});
        } else if (it != accounts.end() - 1) {
          std::swap(*it, accounts.back());  // the usual case: runs of one account
        }
      }
      accounts.back().second.push_back(i);
    }
    std::sort(accounts.begin(), accounts.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<size_t> order;
    order.reserve(dedup_.size());
    bool sorted = true;
    for (auto& [account, ids] : accounts) {
      std::stable_sort(ids.begin(), ids.end(), [&](size_t a, size_t b) {
        if (dedup_[a].word != dedup_[b].word) return dedup_[a].word < dedup_[b].word;
        return DedupKeyAt(a) < DedupKeyAt(b);
      });
      // Within a group the order is exact (one shared prefix); across groups it is unless an
      // account holds a NUL: check where groups meet.
      if (!order.empty() && DedupKeyAt(order.back()) > DedupKeyAt(ids.front())) sorted = false;
      order.insert(order.end(), ids.begin(), ids.end());
    }
    if (!sorted) {
      for (size_t k = 0; k < order.size(); ++k) order[k] = k;
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t a, size_t b) { return DedupKeyAt(a) < DedupKeyAt(b); });
    }
    return order;
  }
  struct Slot {
    uint64_t hash;
    uint32_t group;  // 1 + index in groups_; 0: empty
  };
  void Grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(std::max<size_t>(1024, old.size() * 2), Slot{0, 0});
    size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.group == 0) continue;
      size_t i = s.hash & mask;
      while (slots_[i].group != 0) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }
  std::string_view DedupKeyAt(size_t i) const {
    return std::string_view(dedup_keys_).substr(dedup_[i].begin, dedup_[i].key_end - dedup_[i].begin);
  }
  std::string_view DedupValueAt(size_t i) const {
    return std::string_view(dedup_keys_).substr(dedup_[i].key_end, dedup_[i].value_end - dedup_[i].key_end);
  }

  std::vector<Group> groups_;
  std::vector<Slot> slots_;  // open addressing over groups_, by prefix
  std::string dedup_keys_;  // D keys and values, back to back
  std::vector<DedupEntry> dedup_;
  std::vector<std::pair<std::string, std::string>> singles_;
};

}  // namespace

// Dedup keys appended to the journal but maybe not indexed yet, per append batch. One
// open-addressing table of (hash, batch, index) over all batches; a batch leaves by becoming
// dead (its last sequence indexed), and the table is rebuilt without dead entries once they
// are half of it.
class HistoryIndex::PendingIds {
 public:
  void Add(const std::vector<std::pair<std::string_view, std::string_view>>& ids, uint64_t last_sequence) {
    if (ids.empty()) return;
    Batch& b = batches_.emplace_back();
    b.id = next_batch_id_++;
    b.last_sequence = last_sequence;
    for (auto& [account, event_id] : ids) {
      AppendDedupKey(&b.keys, account, event_id);
      b.ends.push_back(static_cast<uint32_t>(b.keys.size()));
    }
    live_ += b.ends.size();
    if ((used_ + b.ends.size()) * 2 > slots_.size()) {
      Rebuild();
    } else {
      for (uint32_t i = 0; i < b.ends.size(); ++i) Insert(b, i);
    }
  }

  // Drops batches history has indexed (their keys are in the store).
  void Prune(uint64_t indexed_through) {
    while (!batches_.empty() && batches_.front().last_sequence <= indexed_through) {
      live_ -= batches_.front().ends.size();
      batches_.pop_front();
    }
    if (batches_.empty()) {
      slots_.clear();
      used_ = 0;
    }
  }

  bool Contains(std::string_view key) const {
    if (slots_.empty()) return false;
    uint64_t h = HashBytes(key);
    size_t mask = slots_.size() - 1;
    uint64_t first_live = batches_.empty() ? UINT64_MAX : batches_.front().id;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.batch == 0) return false;
      if (s.hash == h && s.batch >= first_live && Key(s) == key) return true;
    }
  }

  bool empty() const { return batches_.empty(); }

 private:
  struct Batch {
    uint64_t id = 0;
    uint64_t last_sequence = 0;
    std::string keys;
    std::vector<uint32_t> ends;
  };
  struct Slot {
    uint64_t hash;
    uint64_t batch;  // Batch::id (from 1); 0: empty
    uint32_t index;
  };

  std::string_view Key(const Slot& s) const {
    const Batch& b = batches_[s.batch - batches_.front().id];
    uint32_t begin = s.index == 0 ? 0 : b.ends[s.index - 1];
    return std::string_view(b.keys).substr(begin, b.ends[s.index] - begin);
  }
  void Insert(const Batch& b, uint32_t index) {
    uint32_t begin = index == 0 ? 0 : b.ends[index - 1];
    uint64_t h = HashBytes(std::string_view(b.keys).substr(begin, b.ends[index] - begin));
    size_t mask = slots_.size() - 1;
    size_t i = h & mask;
    while (slots_[i].batch != 0) i = (i + 1) & mask;
    slots_[i] = {h, b.id, index};
    ++used_;
  }
  void Rebuild() {
    size_t size = 1024;
    while (size < live_ * 4) size *= 2;
    slots_.assign(size, Slot{0, 0, 0});
    used_ = 0;
    for (const Batch& b : batches_)
      for (uint32_t i = 0; i < b.ends.size(); ++i) Insert(b, i);
  }

  std::deque<Batch> batches_;  // ascending ids, consecutive
  uint64_t next_batch_id_ = 1;
  std::vector<Slot> slots_;
  size_t used_ = 0;  // occupied slots (live and dead)
  size_t live_ = 0;  // keys of live batches in the table
};

storage::FamilyOptions HistoryIndex::Family(HistoryOptions options) {
  storage::FamilyOptions f;
  f.name = kHistoryFamily;
  f.expired = [options](std::string_view key, std::string_view value) {
    if (options.retention_ms <= 0 || key.empty()) return false;
    int64_t cutoff = CutoffFor(options);
    if ((key[0] == 'T' || key[0] == 'A') && key.size() >= 16) {
      int64_t time;
      uint64_t seq;
      DecodePosition(key, &time, &seq);
      return time < cutoff;
    }
    if (key[0] == 'D' && value.size() >= 8)
      return static_cast<int64_t>(storage::DecodeU64(value)) < cutoff;
    return false;
  };
  f.unlogged = true;
  f.tuning.write_buffer_bytes = 128u << 20;
  f.tuning.max_write_buffers = 3;
  // Every batch spans the whole key space (all scopes, values, times), so each L0 -> L1
  // compaction rewrites L1: compact more files at a time.
  f.tuning.level0_files_to_compact = 8;
  f.tuning.point_lookup_filter = true;  // import dedup: mostly misses
  f.tuning.fast_compression = true;
  return f;
}

HistoryIndex::HistoryIndex(storage::KvStore* store, journal::Journal* journal,
                           HistoryOptions options)
    : store_(store),
      journal_(journal),
      options_(options),
      last_flush_(std::chrono::steady_clock::now()),
      pending_(std::make_unique<PendingIds>()) {
  journal_->RegisterConsumer(kConsumerName);
}

HistoryIndex::~HistoryIndex() { Stop(); }

int64_t HistoryIndex::CutoffMs() const { return CutoffFor(options_); }

Status HistoryIndex::CheckLayout() {
  auto layout = store_->Get(kHistoryFamily, kLayoutKey);
  if (!layout.ok()) return layout.status();
  if (layout->has_value() && **layout == kLayout) return Status::Ok();
  auto batch = store_->NewBatch();
  auto it = store_->NewIterator(kHistoryFamily);
  it->SeekToFirst();
  OT_RETURN_IF_ERROR(it->status());
  if (it->Valid()) {
    // An index of an older layout: drop it and rebuild from the journal.
    spdlog::info("history: rebuilding the index from the journal (layout {} -> {})",
                 layout->has_value() ? **layout : std::string("1"), kLayout);
    batch->DeleteRange(kHistoryFamily, std::string_view("\0", 1), "\xff\xff\xff\xff");
  }
  batch->Put(kHistoryFamily, kLayoutKey, kLayout);
  return store_->Write(*batch, /*sync=*/true);
}

Status HistoryIndex::LoadScopes() {
  std::unique_lock lock(scopes_mu_);
  scopes_.clear();
  next_sid_ = 1;
  auto it = store_->NewIterator(kHistoryFamily);
  for (it->Seek("S"); it->Valid() && it->key()[0] == 'S'; it->Next()) {
    if (it->value().size() < 4) continue;
    uint32_t sid = DecodeScopeId(it->value());
    scopes_[std::string(it->key().substr(1))] = sid;
    next_sid_ = std::max(next_sid_, sid + 1);
  }
  return it->status();
}

std::optional<uint32_t> HistoryIndex::FindScope(std::string_view scope) const {
  std::shared_lock lock(scopes_mu_);
  auto it = scopes_.find(std::string(scope));
  if (it == scopes_.end()) return std::nullopt;
  return it->second;
}

Status HistoryIndex::CatchUp() {
  OT_RETURN_IF_ERROR(CheckLayout());
  OT_RETURN_IF_ERROR(LoadScopes());
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
    OT_RETURN_IF_ERROR(IndexFrom(indexed_through_ + 1, &n));
  } while (n > 0);
  UpdateJournalFloor();
  return Status::Ok();
}

Status HistoryIndex::IndexFrom(uint64_t from, size_t* indexed) {
  *indexed = 0;
  BatchBuilder builder;
  RecordSummary s;
  std::map<uint64_t, int64_t> touched;
  std::vector<std::pair<std::string, uint32_t>> new_scopes;
  std::string scope, prefix, last_account, last_region;
  Category last_category = Category::kOther;
  uint32_t sid = 0;
  std::string sid_bytes;
  std::vector<journal::Entry> entries;
  uint64_t last = 0;
  auto started = std::chrono::steady_clock::now();
  // Records waiting in the journal are gathered into one batch (bounded in records and
  // time, so lookups see them soon): the bigger the batch, the cheaper each entry.
  while (true) {
    entries.clear();
    OT_RETURN_IF_ERROR(journal_->Read(from, kReadRecords, &entries, 32u << 20));
    for (const auto& e : entries) {
      if (!Summarize(e.record, &s)) continue;  // not a record we can index; still in the journal
      EventIdEntry id_entry;
      id_entry.time_ms = s.event_time_ms;
      if (s.category != Category::kOther) {  // data events never enter history
        if (sid_bytes.empty() || s.category != last_category || s.account_id != last_account ||
            s.region != last_region) {
          scope = ScopePrefix(s.account_id, s.region, s.category);
          auto known = FindScope(scope);
          if (!known) {
            for (auto& [name, id] : new_scopes)
              if (name == scope) known = id;
          }
          if (!known) {
            known = next_sid_ + static_cast<uint32_t>(new_scopes.size());
            new_scopes.emplace_back(scope, *known);
            builder.AddSingle(ScopeKey(scope), EncodeScopeId(*known));
          }
          sid = *known;
          sid_bytes = EncodeScopeId(sid);
          last_account = s.account_id;
          last_region = s.region;
          last_category = s.category;
        }
        id_entry.sequence = e.sequence;
        id_entry.sid = sid;
        id_entry.location = e.location;
      }
      std::string* d = builder.NewDedup();
      AppendDedupKey(d, s.account_id, s.event_id);
      builder.EndDedupKey();
      AppendEventIdValue(d, id_entry);
      builder.EndDedupValue();
      if (s.category == Category::kOther) continue;

      BatchBuilder::Posting posting{~static_cast<uint64_t>(s.event_time_ms), ~e.sequence, e.location};
      prefix.assign(1, 'T');
      prefix.append(sid_bytes);
      builder.Add(prefix, posting);
      auto put = [&](Attribute attribute, std::string_view value) {
        prefix.clear();
        AppendAttributePrefix(&prefix, sid_bytes, attribute, value);
        builder.Add(prefix, posting);
      };
      // EventId lookups read the D entry.
      if (!s.event_name.empty()) put(Attribute::kEventName, s.event_name);
      if (!s.event_source.empty()) put(Attribute::kEventSource, s.event_source);
      if (s.category == Category::kManagement) {
        if (s.read_only) put(Attribute::kReadOnly, *s.read_only ? "true" : "false");
        if (s.username) put(Attribute::kUsername, *s.username);
        if (!s.access_key_id.empty()) put(Attribute::kAccessKeyId, s.access_key_id);
        for (size_t i = 0; i < s.resources.size(); ++i) {
          const auto& r = s.resources[i];
          bool type_seen = false;
          for (size_t j = 0; j < i; ++j) type_seen |= s.resources[j].type == r.type;
          if (!r.type.empty() && !type_seen) put(Attribute::kResourceType, r.type);
          put(Attribute::kResourceName, r.name);
        }
      }
      uint64_t bucket = e.sequence >> kBucketShift;
      int64_t& newest = bucket_max_time_[bucket];
      if (s.event_time_ms > newest) {
        newest = s.event_time_ms;
        touched[bucket] = newest;
      }
    }
    if (!entries.empty()) {
      last = entries.back().sequence;
      from = last + 1;
      *indexed += entries.size();
    }
    if (*indexed >= kMaxBatchRecords || std::chrono::steady_clock::now() - started > kMaxBatchTime || stopping_)
      break;
    if (entries.size() == kReadRecords) continue;  // more are waiting
    // Caught up with the journal. A trickle is written now; while records pour in (an
    // import), gather more first, so that the batch goes to the store as one sorted file.
    if (*indexed < kBulkRecords) break;
    journal_->WaitForNew(from - 1, kBulkWaitMs);
    if (journal_->LastSequence() < from) break;  // the import paused or ended
  }
  if (*indexed == 0) return Status::Ok();
  for (auto& [bucket, time] : touched)
    builder.AddSingle(BucketKey(bucket), storage::EncodeU64(static_cast<uint64_t>(time)));
  builder.AddSingle(std::string(kCursorKey), storage::EncodeU64(last));
  // The cursor moves with the index in one batch of the same family; the family is unlogged
  // and the journal is durable, so after a crash indexing resumes from whatever prefix of
  // batches reached disk (CatchUp, before the server serves).
  if (*indexed >= kSortedBatchRecords) {
    // Large: one sorted file added to the store (no write buffer insert, no flush).
    auto sorted = store_->NewSortedBatch(kHistoryFamily);
    if (!sorted.ok()) return sorted.status();
    OT_RETURN_IF_ERROR(builder.Emit([&](std::string_view k, std::string_view v) { return (*sorted)->Put(k, v); }));
    OT_RETURN_IF_ERROR(store_->WriteSorted(**sorted));
  } else {
    auto batch = store_->NewBatch();
    OT_RETURN_IF_ERROR(builder.Emit([&](std::string_view k, std::string_view v) {
      batch->Put(kHistoryFamily, k, v);
      return Status::Ok();
    }));
    OT_RETURN_IF_ERROR(store_->Write(*batch, /*sync=*/false));
  }
  if (!new_scopes.empty()) {
    std::unique_lock lock(scopes_mu_);
    for (auto& [name, id] : new_scopes) scopes_.emplace(std::move(name), id);
    next_sid_ += static_cast<uint32_t>(new_scopes.size());
  }
  {
    std::lock_guard lock(mu_);
    indexed_through_ = last;
  }
  indexed_cv_.notify_all();
  return Status::Ok();
}

void HistoryIndex::UpdateJournalFloor() {
  // Only what a flush made durable counts: an unflushed index is rebuilt from the journal
  // after a crash, so the journal must keep those records.
  auto durable = store_->GetDurable(kHistoryFamily, kCursorKey);
  if (!durable.ok()) {
    spdlog::warn("history: cannot read the durable cursor: {}", durable.status().ToString());
    return;
  }
  uint64_t durable_through = durable->has_value() ? storage::DecodeU64(**durable) : 0;
  durable_through = std::max(durable_through, journal_->FirstSequence() - 1);
  durable_through = std::min<uint64_t>(durable_through, indexed_through_);
  // The journal may drop segments whose records history no longer needs: everything before
  // the first bucket holding an event inside the retention window.
  int64_t cutoff = CutoffMs();
  uint64_t floor = durable_through + 1;
  for (auto& [bucket, newest] : bucket_max_time_)
    if (newest >= cutoff) {
      floor = std::min(floor, bucket << kBucketShift);
      break;
    }
  journal_->SetRetentionFloor("history-retention", floor);
  // The history cursor lives in the history family; mirror it for the journal's trim.
  auto s = journal_->CommitCursor(kConsumerName, durable_through + 1);
  if (!s.ok()) spdlog::warn("history: cannot commit journal cursor: {}", s.ToString());
  auto now = std::chrono::steady_clock::now();
  if (durable_through < indexed_through_ && now - last_flush_ > kFlushEvery) {
    last_flush_ = now;
    auto f = store_->FlushFamily(kHistoryFamily, /*wait=*/false);
    if (!f.ok()) spdlog::warn("history: cannot flush the index: {}", f.ToString());
  }
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
      Status s = IndexFrom(through + 1, &n);
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
  std::vector<bool> known;
  OT_RETURN_IF_ERROR(HasEventIds({{account, event_id}}, &known));
  return static_cast<bool>(known[0]);
}

void HistoryIndex::AddPending(const std::vector<std::pair<std::string_view, std::string_view>>& ids,
                              uint64_t last_sequence) {
  std::lock_guard lock(pending_mu_);
  pending_->Prune(indexed_through_.load());
  pending_->Add(ids, last_sequence);
}

Status HistoryIndex::HasEventIds(const std::vector<std::pair<std::string_view, std::string_view>>& ids,
                                 std::vector<bool>* known) const {
  known->assign(ids.size(), false);
  std::string keys;
  std::vector<size_t> ends;
  ends.reserve(ids.size());
  for (auto& [account, event_id] : ids) {
    AppendDedupKey(&keys, account, event_id);
    ends.push_back(keys.size());
  }
  std::vector<std::string_view> views;
  std::vector<size_t> asked;  // index in ids of views[k]
  views.reserve(ids.size());
  {
    // Batches pruned here are indexed, so the store read below sees them.
    std::lock_guard lock(pending_mu_);
    pending_->Prune(indexed_through_.load());
    size_t begin = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      std::string_view key = std::string_view(keys).substr(begin, ends[i] - begin);
      begin = ends[i];
      if (pending_->Contains(key)) {
        (*known)[i] = true;
      } else {
        views.push_back(key);
        asked.push_back(i);
      }
    }
  }
  std::vector<std::optional<std::string>> values;
  OT_RETURN_IF_ERROR(store_->MultiGet(kHistoryFamily, views, &values));
  for (size_t k = 0; k < values.size(); ++k)
    if (values[k].has_value()) (*known)[asked[k]] = true;
  return Status::Ok();
}

Result<LookupPage> HistoryIndex::ReadHits(std::vector<std::pair<journal::Location, Position>> found,
                                          LookupPage page) const {
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

// By EventId: the D entry names the one event with that ID in the account; the same checks
// as a walk of a one-entry index (scope, time range, retention, snapshot, paging position).
Result<LookupPage> HistoryIndex::LookupEventId(const LookupQuery& q, const std::optional<Position>& after,
                                               size_t max) const {
  LookupPage page;
  auto sid = FindScope(ScopePrefix(q.account, q.region, q.category));
  if (!sid) return page;
  auto v = store_->Get(kHistoryFamily, DedupKey(q.account, q.attribute->second));
  if (!v.ok()) return v.status();
  EventIdEntry e;
  if (!v->has_value() || !DecodeEventIdValue(**v, &e) || !e.sequence || e.sid != *sid) return page;
  Position pos{e.time_ms, *e.sequence};
  // Key order of positions: (~time, ~seq) ascending.
  auto key_of = [](int64_t t, uint64_t s) { return std::make_pair(~static_cast<uint64_t>(t), ~s); };
  auto start = after ? key_of(after->time_ms, after->sequence) : key_of(q.end_ms, UINT64_MAX);
  auto here = key_of(pos.time_ms, pos.sequence);
  if (after ? here <= start : here < start) return page;
  int64_t floor_ms = std::max(q.start_ms, CutoffMs());
  if (pos.time_ms < floor_ms || pos.time_ms > q.end_ms || pos.sequence > q.snapshot) return page;
  if (max == 0) {
    page.more = true;
    return page;
  }
  return ReadHits({{e.location, pos}}, std::move(page));
}

Result<LookupPage> HistoryIndex::Lookup(const LookupQuery& q, const std::optional<Position>& after,
                                        size_t max) const {
  if (q.attribute && q.attribute->first == Attribute::kEventId) return LookupEventId(q, after, max);
  LookupPage page;
  auto sid = FindScope(ScopePrefix(q.account, q.region, q.category));
  if (!sid) return page;
  std::string scope = EncodeScopeId(*sid);
  std::string prefix = q.attribute ? AttributePrefix(scope, q.attribute->first, q.attribute->second)
                                   : TimePrefix(scope);
  int64_t floor_ms = std::max(q.start_ms, CutoffMs());
  std::string start = after ? WithPosition(prefix, after->time_ms, after->sequence) + '\0'
                            : WithPosition(prefix, q.end_ms, UINT64_MAX);
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
  return ReadHits(std::move(found), std::move(page));
}

}  // namespace ot::history
