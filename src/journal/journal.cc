#include "journal/journal.h"

#include <algorithm>
#include <chrono>

namespace ot::journal {

Journal::Journal(storage::KvStore* store) : store_(store) {}

Result<std::unique_ptr<Journal>> Journal::Open(storage::KvStore* store) {
  std::unique_ptr<Journal> j(new Journal(store));
  auto it = store->NewIterator(kJournalFamily);
  it->SeekToLast();
  if (it->Valid()) {
    j->last_durable_ = storage::DecodeU64(it->key());
    it->SeekToFirst();
    j->first_sequence_ = storage::DecodeU64(it->key());
  } else {
    OT_RETURN_IF_ERROR(it->status());
    // Empty journal: continue after the highest sequence ever handed out, so sequence
    // numbers are never reused even after a full trim.
    auto hw = store->Get(kCursorFamily, "\x01journal-high-water");
    if (!hw.ok()) return hw.status();
    if (hw->has_value()) j->last_durable_ = storage::DecodeU64(**hw);
    j->first_sequence_ = j->last_durable_ + 1;
  }
  j->next_sequence_ = j->last_durable_ + 1;
  j->writer_ = std::thread([p = j.get()] { p->WriterLoop(); });
  return j;
}

Journal::~Journal() { Stop(); }

void Journal::Append(std::string record, Completion done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back({std::move(record), std::move(done)});
      queue_cv_.notify_one();
      return;
    }
  }
  done(Status::Error("ServiceUnavailable", "the server is shutting down", 503), 0);
}

void Journal::WriterLoop() {
  std::vector<Pending> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      batch.swap(queue_);
    }
    Status status;
    uint64_t first;
    {
      std::lock_guard wlock(write_mu_);
      first = next_sequence_;
      auto wb = store_->NewBatch();
      for (size_t i = 0; i < batch.size(); ++i)
        wb->Put(kJournalFamily, storage::EncodeU64(first + i), batch[i].record);
      status = store_->Write(*wb, /*sync=*/true);
      if (status.ok()) {
        next_sequence_ += batch.size();
        std::lock_guard lock(mu_);
        last_durable_ = next_sequence_ - 1;
      }
    }
    if (status.ok()) appended_cv_.notify_all();
    for (size_t i = 0; i < batch.size(); ++i)
      batch[i].done(status, status.ok() ? first + i : 0);
    batch.clear();
  }
}

Status Journal::AppendBatch(std::vector<std::string> records, uint64_t* first_sequence) {
  if (records.empty()) return Status::Ok();
  std::lock_guard wlock(write_mu_);
  uint64_t first = next_sequence_;
  auto wb = store_->NewBatch();
  for (size_t i = 0; i < records.size(); ++i)
    wb->Put(kJournalFamily, storage::EncodeU64(first + i), records[i]);
  OT_RETURN_IF_ERROR(store_->Write(*wb, /*sync=*/true));
  next_sequence_ += records.size();
  {
    std::lock_guard lock(mu_);
    last_durable_ = next_sequence_ - 1;
  }
  appended_cv_.notify_all();
  if (first_sequence) *first_sequence = first;
  return Status::Ok();
}

uint64_t Journal::LastSequence() const {
  std::lock_guard lock(mu_);
  return last_durable_;
}

uint64_t Journal::FirstSequence() const {
  std::lock_guard lock(mu_);
  return first_sequence_;
}

Status Journal::Read(uint64_t from, size_t max, std::vector<Entry>* out) const {
  uint64_t last = LastSequence();
  auto it = store_->NewIterator(kJournalFamily);
  for (it->Seek(storage::EncodeU64(from)); it->Valid() && out->size() < max; it->Next()) {
    uint64_t seq = storage::DecodeU64(it->key());
    if (seq > last) break;  // written by a batch whose completions have not run yet
    out->push_back({seq, std::string(it->value())});
  }
  return it->status();
}

void Journal::WaitForNew(uint64_t after, int64_t timeout_ms) const {
  std::unique_lock lock(mu_);
  appended_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                        [&] { return stopping_ || last_durable_ > after; });
}

void Journal::RegisterConsumer(const std::string& name) {
  std::lock_guard lock(mu_);
  consumers_.insert(name);
}

Result<uint64_t> Journal::Cursor(const std::string& name) const {
  auto v = store_->Get(kCursorFamily, name);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return uint64_t{1};
  return storage::DecodeU64(**v);
}

void Journal::PutCursor(storage::WriteBatch& batch, const std::string& name,
                        uint64_t next_sequence) {
  batch.Put(kCursorFamily, name, storage::EncodeU64(next_sequence));
}

Status Journal::CommitCursor(const std::string& name, uint64_t next_sequence) {
  auto wb = store_->NewBatch();
  PutCursor(*wb, name, next_sequence);
  return store_->Write(*wb, /*sync=*/true);
}

Result<uint64_t> Journal::Trim() {
  std::set<std::string> consumers;
  {
    std::lock_guard lock(mu_);
    consumers = consumers_;
  }
  if (consumers.empty()) return uint64_t{0};
  uint64_t floor = UINT64_MAX;
  for (auto& name : consumers) {
    auto c = Cursor(name);
    if (!c.ok()) return c.status();
    floor = std::min(floor, *c);
  }
  uint64_t first = FirstSequence();
  if (floor <= first) return uint64_t{0};
  auto wb = store_->NewBatch();
  wb->DeleteRange(kJournalFamily, storage::EncodeU64(first), storage::EncodeU64(floor));
  // Remember the highest sequence handed out, so numbering survives an emptied journal.
  wb->Put(kCursorFamily, "\x01journal-high-water", storage::EncodeU64(floor - 1));
  OT_RETURN_IF_ERROR(store_->Write(*wb, /*sync=*/true));
  std::lock_guard lock(mu_);
  first_sequence_ = floor;
  return floor - first;
}

void Journal::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !writer_.joinable()) return;
    stopping_ = true;
  }
  queue_cv_.notify_all();
  appended_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

}  // namespace ot::journal
