#include "delivery/delivery_state.h"

#include <boost/json.hpp>

namespace ot::delivery {

namespace json = boost::json;

namespace {

std::string CursorKey(const StreamId& s) { return "c" + s.Key(); }
std::string PendingKey(const StreamId& s) { return "p" + s.Key(); }
std::string StatusKey(const StreamId& s) { return "s" + s.Key(); }
std::string DeliveredPrefix(const StreamId& s) { return "f" + s.Key() + '\0'; }
std::string LeavesPrefix(const StreamId& s) { return "l" + s.Key() + '\0'; }
std::string FileSuffix(int64_t delivered_ms, const std::string& key) {
  return storage::EncodeU64(static_cast<uint64_t>(delivered_ms)) + key;
}

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view* in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    uint8_t b = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    *v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

std::string StatusToJson(const trails::DeliveryStatus& s) {
  return json::serialize(json::object{
      {"d", s.latest_delivery_ms}, {"de", s.latest_delivery_error}, {"da", s.latest_delivery_attempt_ms},
      {"ds", s.latest_delivery_attempt_succeeded_ms}, {"n", s.latest_notification_ms},
      {"ne", s.latest_notification_error}, {"na", s.latest_notification_attempt_ms},
      {"ns", s.latest_notification_attempt_succeeded_ms}, {"l", s.latest_cloudwatch_logs_delivery_ms},
      {"le", s.latest_cloudwatch_logs_delivery_error}, {"g", s.latest_digest_delivery_ms},
      {"ge", s.latest_digest_delivery_error}});
}

trails::DeliveryStatus StatusFromJson(std::string_view text) {
  trails::DeliveryStatus s;
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return s;
  auto& o = v.get_object();
  auto i = [&](const char* k) { auto* x = o.if_contains(k); return x && x->is_int64() ? x->get_int64() : 0; };
  auto str = [&](const char* k) { auto* x = o.if_contains(k); return x && x->is_string() ? std::string(x->get_string()) : std::string(); };
  s.latest_delivery_ms = i("d");
  s.latest_delivery_error = str("de");
  s.latest_delivery_attempt_ms = i("da");
  s.latest_delivery_attempt_succeeded_ms = i("ds");
  s.latest_notification_ms = i("n");
  s.latest_notification_error = str("ne");
  s.latest_notification_attempt_ms = i("na");
  s.latest_notification_attempt_succeeded_ms = i("ns");
  s.latest_cloudwatch_logs_delivery_ms = i("l");
  s.latest_cloudwatch_logs_delivery_error = str("le");
  s.latest_digest_delivery_ms = i("g");
  s.latest_digest_delivery_error = str("ge");
  return s;
}

}  // namespace

std::string EncodePending(const std::vector<PendingFile>& files) {
  std::string out;
  PutVarint(&out, files.size());
  for (auto& f : files) {
    PutVarint(&out, f.key.size());
    out += f.key;
    PutVarint(&out, static_cast<uint64_t>(f.file_time_ms));
    PutVarint(&out, f.kind == FileKind::kInsight ? 1 : 0);
    PutVarint(&out, f.next_cursor);
    PutVarint(&out, f.sequences.size());
    uint64_t prev = 0;
    for (uint64_t s : f.sequences) {
      PutVarint(&out, s - prev);
      prev = s;
    }
  }
  return out;
}

bool DecodePending(std::string_view in, std::vector<PendingFile>* files) {
  uint64_t n;
  if (!GetVarint(&in, &n) || n > 1'000'000) return false;
  files->clear();
  for (uint64_t i = 0; i < n; ++i) {
    PendingFile f;
    uint64_t len, time, kind, count;
    if (!GetVarint(&in, &len) || len > in.size()) return false;
    f.key = std::string(in.substr(0, len));
    in.remove_prefix(len);
    if (!GetVarint(&in, &time) || !GetVarint(&in, &kind) || !GetVarint(&in, &f.next_cursor) ||
        !GetVarint(&in, &count) || count > 10'000'000)
      return false;
    f.file_time_ms = static_cast<int64_t>(time);
    f.kind = kind == 1 ? FileKind::kInsight : FileKind::kLog;
    f.sequences.reserve(count);
    uint64_t prev = 0;
    for (uint64_t k = 0; k < count; ++k) {
      uint64_t d;
      if (!GetVarint(&in, &d)) return false;
      prev += d;
      f.sequences.push_back(prev);
    }
    files->push_back(std::move(f));
  }
  return in.empty();
}

Result<StreamState> DeliveryState::Load(const StreamId& stream) const {
  StreamState st;
  auto cursor = kv_->Get(kDeliveryFamily, CursorKey(stream));
  if (!cursor.ok()) return cursor.status();
  if (cursor->has_value()) st.cursor = storage::DecodeU64(**cursor);
  auto pending = kv_->Get(kDeliveryFamily, PendingKey(stream));
  if (!pending.ok()) return pending.status();
  if (pending->has_value() && !DecodePending(**pending, &st.pending))
    return Status::Internal("corrupt delivery write-ahead entry for " + stream.trail_arn);
  auto status = kv_->Get(kDeliveryFamily, StatusKey(stream));
  if (!status.ok()) return status.status();
  if (status->has_value()) st.status = StatusFromJson(**status);
  return st;
}

Status DeliveryState::Announce(const StreamId& stream, const std::vector<PendingFile>& files, uint64_t cursor) {
  auto current = Load(stream);
  if (!current.ok()) return current.status();
  std::vector<PendingFile> all = std::move(current->pending);
  all.insert(all.end(), files.begin(), files.end());
  auto batch = kv_->NewBatch();
  batch->Put(kDeliveryFamily, PendingKey(stream), EncodePending(all));
  batch->Put(kDeliveryFamily, CursorKey(stream), storage::EncodeU64(cursor));
  return kv_->Write(*batch, /*sync=*/true);
}

Status DeliveryState::Complete(const StreamId& stream, const DeliveredFile& delivered,
                               const trails::DeliveryStatus& status) {
  auto current = Load(stream);
  if (!current.ok()) return current.status();
  auto batch = kv_->NewBatch();
  if (!current->pending.empty()) current->pending.erase(current->pending.begin());
  if (current->pending.empty()) batch->Delete(kDeliveryFamily, PendingKey(stream));
  else batch->Put(kDeliveryFamily, PendingKey(stream), EncodePending(current->pending));
  batch->Put(kDeliveryFamily, StatusKey(stream), StatusToJson(status));
  if (!delivered.leaf_hashes.empty())
    batch->Put(kDeliveryFamily, LeavesPrefix(stream) + FileSuffix(delivered.delivered_ms, delivered.key),
               delivered.leaf_hashes);
  batch->Put(kDeliveryFamily, DeliveredPrefix(stream) + FileSuffix(delivered.delivered_ms, delivered.key),
             json::serialize(json::object{{"b", delivered.bucket}, {"k", delivered.key}, {"t", delivered.delivered_ms},
                                          {"h", delivered.sha256_hex}, {"o", delivered.oldest_event_ms},
                                          {"n", delivered.newest_event_ms}}));
  return kv_->Write(*batch, /*sync=*/true);
}

Status DeliveryState::SaveStatus(const StreamId& stream, const trails::DeliveryStatus& status) {
  return kv_->Put(kDeliveryFamily, StatusKey(stream), StatusToJson(status), /*sync=*/false);
}

Status DeliveryState::SetCursor(const StreamId& stream, uint64_t cursor) {
  return kv_->Put(kDeliveryFamily, CursorKey(stream), storage::EncodeU64(cursor), /*sync=*/true);
}

Result<std::vector<DeliveredFile>> DeliveryState::Delivered(const StreamId& stream, int64_t from_ms,
                                                            int64_t to_ms, bool with_leaves) const {
  std::vector<DeliveredFile> out;
  std::string prefix = DeliveredPrefix(stream);
  auto it = kv_->NewIterator(kDeliveryFamily);
  for (it->Seek(prefix + storage::EncodeU64(static_cast<uint64_t>(from_ms))); it->Valid(); it->Next()) {
    std::string_view key = it->key();
    if (!key.starts_with(prefix)) break;
    if (static_cast<int64_t>(storage::DecodeU64(key.substr(prefix.size(), 8))) >= to_ms) break;
    boost::system::error_code ec;
    auto v = json::parse(it->value(), ec);
    if (ec || !v.is_object()) continue;
    auto& o = v.get_object();
    DeliveredFile f;
    f.bucket = json::value_to<std::string>(o.at("b"));
    f.key = json::value_to<std::string>(o.at("k"));
    f.delivered_ms = o.at("t").to_number<int64_t>();
    f.sha256_hex = json::value_to<std::string>(o.at("h"));
    f.oldest_event_ms = o.at("o").to_number<int64_t>();
    f.newest_event_ms = o.at("n").to_number<int64_t>();
    out.push_back(std::move(f));
  }
  OT_RETURN_IF_ERROR(it->status());
  if (with_leaves) {
    for (auto& f : out) {
      auto leaves = kv_->Get(kDeliveryFamily, LeavesPrefix(stream) + FileSuffix(f.delivered_ms, f.key));
      if (!leaves.ok()) return leaves.status();
      if (leaves->has_value()) f.leaf_hashes = std::move(**leaves);
    }
  }
  return out;
}

Status DeliveryState::ForgetDeliveredBefore(const StreamId& stream, int64_t before_ms) {
  if (before_ms <= 0) return Status::Ok();
  std::string end = storage::EncodeU64(static_cast<uint64_t>(before_ms));
  {
    // Only write when there is something to drop: a range tombstone per stream and pass
    // would pile up for nothing.
    std::string prefix = DeliveredPrefix(stream);
    auto it = kv_->NewIterator(kDeliveryFamily);
    it->Seek(prefix);
    OT_RETURN_IF_ERROR(it->status());
    if (!it->Valid() || !it->key().starts_with(prefix) || it->key().substr(prefix.size(), 8) >= std::string_view(end))
      return Status::Ok();
  }
  auto batch = kv_->NewBatch();
  batch->DeleteRange(kDeliveryFamily, DeliveredPrefix(stream), DeliveredPrefix(stream) + end);
  batch->DeleteRange(kDeliveryFamily, LeavesPrefix(stream), LeavesPrefix(stream) + end);
  return kv_->Write(*batch, /*sync=*/false);
}

Status DeliveryState::Forget(const StreamId& stream) {
  auto batch = kv_->NewBatch();
  batch->Delete(kDeliveryFamily, CursorKey(stream));
  batch->Delete(kDeliveryFamily, PendingKey(stream));
  batch->Delete(kDeliveryFamily, StatusKey(stream));
  // Every delivered-file entry: the prefixes end in '\0', so '\1' bounds them.
  for (std::string prefix : {DeliveredPrefix(stream), LeavesPrefix(stream)}) {
    std::string end = prefix;
    end.back() = '\1';
    batch->DeleteRange(kDeliveryFamily, prefix, end);
  }
  return kv_->Write(*batch, /*sync=*/true);
}

}  // namespace ot::delivery
