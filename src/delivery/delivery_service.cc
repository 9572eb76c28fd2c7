#include "delivery/delivery_service.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <future>
#include <optional>
#include <tuple>
#include <set>

#include "common/crypto.h"
#include "integrity/merkle.h"
#include "common/time.h"

namespace ot::delivery {

namespace {

// Global services' events reach only trails that include global service events (trails.md §4.3).
bool IsGlobalService(std::string_view source) {
  return source == "iam.amazonaws.com" || source == "cloudfront.amazonaws.com" ||
         source == "signin.amazonaws.com" || source == "organizations.amazonaws.com";
}

struct QuickFacts {
  std::string_view account;
  std::string_view region;
  std::string_view source;
  int64_t event_time_ms = 0;
};

bool Quick(simdjson::dom::parser& parser, std::string_view record, QuickFacts* q) {
  simdjson::dom::element e;
  if (parser.parse(record.data(), record.size(), true).get(e) != simdjson::SUCCESS || !e.is_object()) return false;
  std::string_view time;
  if (e["recipientAccountId"].get(q->account) != simdjson::SUCCESS) return false;
  if (e["awsRegion"].get(q->region) != simdjson::SUCCESS) return false;
  if (e["eventSource"].get(q->source) != simdjson::SUCCESS) q->source = {};
  if (e["eventTime"].get(time) == simdjson::SUCCESS) {
    if (auto ms = ParseIso8601Millis(time)) q->event_time_ms = *ms;
  }
  return true;
}

}  // namespace

struct DeliveryService::Stream {
  StreamId id;
  trails::Trail trail;
  trails::SelectorSet selectors;
  StreamState state;
  int64_t retry_at_ms = 0;
  int64_t backoff_ms = 0;
  // The window being scanned.
  uint64_t scan_from = 0, scan_to = 0;
  bool blocked = false;
  std::vector<uint64_t> seqs;
  std::vector<std::string> records;
  size_t bytes = 0;
  int64_t oldest_ms = INT64_MAX, newest_ms = INT64_MIN;  // event times of `records`
};

DeliveryService::DeliveryService(storage::KvStore* kv, journal::Journal* journal, trails::TrailStore* trails,
                                 S3Destination* destination, integrity::SigningKeys* signing_keys,
                                 DeliveryOptions options)
    : kv_(kv), journal_(journal), trails_(trails), destination_(destination), options_(std::move(options)),
      state_(kv), digests_(kv, &state_, destination, signing_keys, options_.digest_interval_ms) {
  if (options_.interval_ms <= 0) options_.interval_ms = 1000;
}

DeliveryService::~DeliveryService() { Stop(); }

ot::Status DeliveryService::Start() {
  OT_RETURN_IF_ERROR(LoadStreams());
  int64_t now = NowMillis();
  for (auto& [key, s] : streams_) {
    ot::Status st = FlushPending(*s, now);
    if (!st.ok()) spdlog::warn("delivery: {} {}: announced files not written yet: {}", s->id.trail_arn, s->id.region, st.ToString());
  }
  worker_ = std::thread([this] { Loop(); });
  return ot::Status::Ok();
}

void DeliveryService::Stop() {
  stopping_ = true;
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void DeliveryService::TrailsChanged() {
  trails_changed_ = true;
  cv_.notify_all();
}

trails::DeliveryStatus DeliveryService::Status(const trails::Trail& trail, const std::string& region) {
  StreamId id{trail.arn(), region};
  {
    std::lock_guard lock(mu_);
    auto it = streams_.find(id.Key());
    if (it != streams_.end()) return it->second->state.status;
  }
  auto st = state_.Load(id);
  return st.ok() ? st->status : trails::DeliveryStatus{};
}

ot::Status DeliveryService::LoadStreams() {
  trails_changed_ = false;
  auto all = trails_->List();
  if (!all.ok()) return all.status();
  std::set<std::string> live;
  std::lock_guard lock(mu_);
  for (auto& trail : *all) {
    std::vector<std::string> regions;
    if (trail.multi_region) {
      regions = options_.regions;
      if (std::find(regions.begin(), regions.end(), trail.home_region) == regions.end()) regions.push_back(trail.home_region);
    } else {
      regions = {trail.home_region};
    }
    auto selectors = trail.event_selectors.empty() ? trails::SelectorSet::Default()
                                                   : trails::SelectorSet::Deserialize(trail.event_selectors);
    if (!selectors.ok()) {
      spdlog::error("delivery: trail {} has unreadable selectors: {}", trail.arn(), selectors.status().ToString());
      continue;
    }
    for (auto& region : regions) {
      StreamId id{trail.arn(), region};
      std::string key = id.Key();
      live.insert(key);
      auto& slot = streams_[key];
      if (!slot) {
        auto state = state_.Load(id);
        if (!state.ok()) return state.status();
        slot = std::make_unique<Stream>();
        slot->id = id;
        slot->state = std::move(*state);
      }
      slot->trail = trail;
      slot->selectors = *selectors;
    }
  }
  for (auto it = streams_.begin(); it != streams_.end();) {
    if (live.count(it->first)) {
      ++it;
    } else {
      state_.Forget(it->second->id);  // the trail is gone; so are its unwritten files
      digests_.Forget(it->second->id);
      it = streams_.erase(it);
    }
  }
  return ot::Status::Ok();
}

ot::Status DeliveryService::RecordsOf(const PendingFile& file, std::vector<std::string>* out) {
  out->clear();
  out->reserve(file.sequences.size());
  size_t i = 0;
  std::vector<journal::Entry> chunk;
  while (i < file.sequences.size()) {
    chunk.clear();
    OT_RETURN_IF_ERROR(journal_->Read(file.sequences[i], 4096, &chunk, 16u << 20));
    if (chunk.empty() || chunk.front().sequence != file.sequences[i])
      return ot::Status::Internal("journal no longer holds sequence " + std::to_string(file.sequences[i]));
    for (auto& e : chunk) {
      if (i < file.sequences.size() && e.sequence == file.sequences[i]) {
        out->push_back(std::move(e.record));
        ++i;
      }
    }
  }
  return ot::Status::Ok();
}

DeliveryService::PreparedFile DeliveryService::Prepare(const std::vector<std::string>& records, bool leaf_hashes,
                                                      std::optional<std::pair<int64_t, int64_t>> times) {
  PreparedFile out;
  std::vector<std::string_view> views(records.begin(), records.end());
  std::string content = LogFileJson(views);
  int64_t oldest = INT64_MAX, newest = INT64_MIN;
  if (times) {
    std::tie(oldest, newest) = *times;
  } else {
    simdjson::dom::parser parser;
    for (auto& r : records) {
      QuickFacts q;
      if (Quick(parser, r, &q)) {
        oldest = std::min(oldest, q.event_time_ms);
        newest = std::max(newest, q.event_time_ms);
      }
    }
  }
  out.oldest_ms = oldest == INT64_MAX ? 0 : oldest;
  out.newest_ms = newest == INT64_MIN ? 0 : newest;
  if (leaf_hashes) {
    // The leaves of the digest interval's Merkle tree (integrity.md §12): each record's
    // bytes exactly as they are in the file.
    out.leaf_hashes.reserve(records.size() * integrity::kHashSize);
    for (const auto& r : records) out.leaf_hashes += integrity::MerkleLeafHash(r);
  }
  out.sha256_hex = Sha256Hex(content);
  auto gz = Gzip(content);
  if (!gz.ok()) {
    out.status = gz.status();
    return out;
  }
  out.gzipped = std::move(*gz);
  return out;
}

ot::Status DeliveryService::WriteFile(Stream& s, const PendingFile& file, const std::vector<std::string>& records,
                                      int64_t now_ms) {
  return Commit(s, file, Prepare(records, s.trail.log_file_validation, std::nullopt), now_ms);
}

ot::Status DeliveryService::Commit(Stream& s, const PendingFile& file, PreparedFile prepared, int64_t now_ms) {
  if (!prepared.status.ok()) return prepared.status;
  trails::DeliveryStatus status = s.state.status;
  status.latest_delivery_attempt_ms = now_ms;
  ot::Status written = destination_->Write(s.trail, file.key, prepared.gzipped);
  if (!written.ok()) {
    status.latest_delivery_error = written.code();
    {
      std::lock_guard lock(mu_);
      s.state.status = status;
    }
    state_.SaveStatus(s.id, status);
    s.backoff_ms = std::clamp<int64_t>(s.backoff_ms * 2, 1000, 300'000);
    s.retry_at_ms = now_ms + s.backoff_ms;
    return written;
  }
  status.latest_delivery_ms = now_ms;
  status.latest_delivery_attempt_succeeded_ms = now_ms;
  status.latest_delivery_error.clear();
  DeliveredFile delivered{s.trail.s3_bucket,    file.key,           now_ms, std::move(prepared.sha256_hex),
                          prepared.oldest_ms, prepared.newest_ms, std::move(prepared.leaf_hashes)};
  OT_RETURN_IF_ERROR(state_.Complete(s.id, delivered, status));
  std::lock_guard lock(mu_);
  s.state.status = status;
  if (!s.state.pending.empty()) s.state.pending.erase(s.state.pending.begin());
  s.backoff_ms = 0;
  s.retry_at_ms = 0;
  return ot::Status::Ok();
}

ot::Status DeliveryService::FlushPending(Stream& s, int64_t now_ms) {
  if (s.state.pending.empty() || now_ms < s.retry_at_ms) return s.state.pending.empty() ? ot::Status::Ok()
                                                                                      : ot::Status::Error("Retry", "backing off", 503);
  std::vector<std::string> records;
  while (!s.state.pending.empty()) {
    PendingFile file = s.state.pending.front();
    OT_RETURN_IF_ERROR(RecordsOf(file, &records));
    OT_RETURN_IF_ERROR(WriteFile(s, file, records, now_ms));
  }
  return ot::Status::Ok();
}

ot::Status DeliveryService::DeliverWindow(int64_t window_end_ms) {
  if (trails_changed_) OT_RETURN_IF_ERROR(LoadStreams());
  int64_t now = NowMillis();
  uint64_t durable = journal_->LastSequence();
  // The file's timestamp: the end of its window, to the minute (delivery.md §2).
  int64_t file_time = window_end_ms / 60'000 * 60'000;

  std::vector<Stream*> active;
  for (auto& [key, sp] : streams_) {
    Stream& s = *sp;
    if (!FlushPending(s, now).ok()) continue;  // earlier files first; the journal keeps the rest
    const trails::Trail& t = s.trail;
    if (t.logging_from == 0) continue;  // never started
    uint64_t from = std::max(s.state.cursor, t.logging_from);
    uint64_t to = t.logging ? durable : std::min(durable, t.logging_until);
    if (from > to) continue;
    s.scan_from = from;
    s.scan_to = to;
    s.blocked = false;
    s.seqs.clear();
    s.records.clear();
    s.bytes = 0;
    active.push_back(&s);
  }
  if (!active.empty()) OT_RETURN_IF_ERROR(Scan(active, file_time));
  // Digests: after this pass every file delivered before now is recorded.
  int64_t after = NowMillis();
  for (auto& [key, sp] : streams_) {
    trails::DeliveryStatus status = sp->state.status;
    digests_.Run(sp->id, sp->trail, after, &status);
    if (status.latest_digest_delivery_ms != sp->state.status.latest_digest_delivery_ms ||
        status.latest_digest_delivery_error != sp->state.status.latest_digest_delivery_error) {
      state_.SaveStatus(sp->id, status);
      std::lock_guard lock(mu_);
      sp->state.status = status;
    }
  }
  UpdateJournalFloor();
  return ot::Status::Ok();
}

ot::Status DeliveryService::Scan(const std::vector<Stream*>& active, int64_t file_time) {
  // A file's bytes (JSON, gzip, hashes) are prepared on helper threads while the scan goes
  // on; the files are written and completed here, one at a time in the order they were
  // announced. A stream whose write failed writes nothing more in this pass: its files stay
  // announced (pending) and FlushPending retries them in order.
  struct InFlight {
    Stream* stream;
    PendingFile file;
    std::future<PreparedFile> prepared;
  };
  std::deque<InFlight> in_flight;  // at most kPreparing files being prepared at once
  constexpr size_t kPreparing = 2;
  auto commit_oldest = [&]() {
    if (in_flight.empty()) return;
    InFlight job = std::move(in_flight.front());
    in_flight.pop_front();
    PreparedFile prepared = job.prepared.get();
    Stream& s = *job.stream;
    if (s.blocked) return;
    ot::Status st = Commit(s, job.file, std::move(prepared), NowMillis());
    if (!st.ok()) {
      s.blocked = true;  // the rest waits in the journal and in pending until the destination is fixed
      spdlog::warn("delivery: {} {}: {}", s.id.trail_arn, s.id.region, st.ToString());
    }
  };

  auto emit = [&](Stream& s, uint64_t next_cursor) -> ot::Status {
    PendingFile file;
    std::string seed = s.id.trail_arn + "|" + s.id.region + "|" + std::to_string(s.seqs.front());
    file.key = LogFileKey(s.trail.s3_key_prefix, s.trail.account, s.id.region, file_time, UniqueSuffix(seed));
    file.file_time_ms = file_time;
    file.sequences = std::move(s.seqs);
    file.next_cursor = next_cursor;
    OT_RETURN_IF_ERROR(state_.Announce(s.id, {file}, next_cursor));
    {
      std::lock_guard lock(mu_);
      s.state.pending.push_back(file);
      s.state.cursor = next_cursor;
    }
    auto times = std::make_pair(s.oldest_ms, s.newest_ms);
    bool leaves = s.trail.log_file_validation;
    auto records = std::make_shared<std::vector<std::string>>(std::move(s.records));
    std::future<PreparedFile> prepared =
        std::async(std::launch::async, [records, leaves, times] { return Prepare(*records, leaves, times); });
    in_flight.push_back(InFlight{&s, std::move(file), std::move(prepared)});
    if (in_flight.size() > kPreparing) commit_oldest();
    s.seqs.clear();
    s.records.clear();
    s.bytes = 0;
    s.oldest_ms = INT64_MAX;
    s.newest_ms = INT64_MIN;
    return ot::Status::Ok();
  };

  auto scan = [&]() -> ot::Status {
    uint64_t lo = UINT64_MAX, hi = 0;
    for (auto* s : active) {
      lo = std::min(lo, s->scan_from);
      hi = std::max(hi, s->scan_to);
      s->oldest_ms = INT64_MAX;
      s->newest_ms = INT64_MIN;
    }
    simdjson::dom::parser parser;
    trails::RecordFacts facts;
    std::vector<journal::Entry> chunk;
    for (uint64_t next = lo; next <= hi && !stopping_;) {
      chunk.clear();
      OT_RETURN_IF_ERROR(journal_->Read(next, 4096, &chunk, 32u << 20));
      if (chunk.empty()) break;
      for (auto& e : chunk) {
        if (e.sequence > hi) break;
        QuickFacts q;
        if (!Quick(parser, e.record, &q)) continue;
        bool facts_ready = false, facts_ok = false;
        for (Stream* s : active) {
          if (s->blocked || e.sequence < s->scan_from || e.sequence > s->scan_to) continue;
          if (q.account != s->trail.account || q.region != s->id.region) continue;
          if (IsGlobalService(q.source) && !s->trail.include_global_service_events) continue;
          if (!facts_ready) {
            facts_ok = trails::ExtractFacts(e.record, &facts);
            facts_ready = true;
          }
          if (!facts_ok || facts.event_category == "Insight" || !s->selectors.Matches(facts)) continue;
          s->seqs.push_back(e.sequence);
          s->bytes += e.record.size() + 1;
          s->records.push_back(e.record);
          s->oldest_ms = std::min(s->oldest_ms, q.event_time_ms);
          s->newest_ms = std::max(s->newest_ms, q.event_time_ms);
          if (s->seqs.size() >= options_.max_records_per_file || s->bytes >= options_.max_bytes_per_file)
            OT_RETURN_IF_ERROR(emit(*s, e.sequence + 1));
        }
      }
      next = chunk.back().sequence + 1;
    }
    for (Stream* s : active) {
      if (s->blocked) continue;
      if (!s->seqs.empty()) {
        OT_RETURN_IF_ERROR(emit(*s, s->scan_to + 1));
      } else if (s->state.cursor < s->scan_to + 1) {
        OT_RETURN_IF_ERROR(state_.SetCursor(s->id, s->scan_to + 1));
        std::lock_guard lock(mu_);
        s->state.cursor = s->scan_to + 1;
      }
    }
    return ot::Status::Ok();
  };
  ot::Status st = scan();
  while (!in_flight.empty()) commit_oldest();
  return st;
}

void DeliveryService::UpdateJournalFloor() {
  uint64_t floor = UINT64_MAX;
  for (auto& [key, s] : streams_) {
    if (!s->state.pending.empty() && !s->state.pending.front().sequences.empty())
      floor = std::min(floor, s->state.pending.front().sequences.front());
    if (s->trail.logging || s->trail.logging_until >= s->state.cursor)
      floor = std::min(floor, std::max<uint64_t>(s->state.cursor, 1));
  }
  journal_->SetRetentionFloor("delivery", floor);
}

void DeliveryService::Loop() {
  int64_t interval = options_.interval_ms;
  int64_t last_window = NowMillis() / interval * interval;
  while (!stopping_) {
    int64_t now = NowMillis();
    int64_t next = last_window + interval;
    if (now >= next || trails_changed_) {
      int64_t window = now / interval * interval;
      if (now >= next) {
        ot::Status st = DeliverWindow(window);
        if (!st.ok()) spdlog::error("delivery: {}", st.ToString());
        last_window = window;
      } else {
        ot::Status st = LoadStreams();
        if (!st.ok()) spdlog::error("delivery: {}", st.ToString());
      }
      continue;
    }
    // Retry failed writes on their own schedule between windows.
    for (auto& [key, s] : streams_)
      if (!s->state.pending.empty() && s->retry_at_ms <= now) FlushPending(*s, now);
    std::unique_lock lock(wait_mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(std::clamp<int64_t>(next - now, 1, 200)),
                 [&] { return stopping_.load() || trails_changed_.load(); });
  }
}

}  // namespace ot::delivery
