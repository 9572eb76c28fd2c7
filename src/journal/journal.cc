#include "journal/journal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "journal/segment_file.h"

namespace ot::journal {

namespace {
constexpr uint64_t kSparseEvery = 16;  // one in-memory index point per 16 records
constexpr size_t kReadChunk = 1u << 20;
}  // namespace

struct Journal::Segment {
  uint64_t first = 0;
  std::string path;
  int fd = -1;
  std::atomic<uint64_t> size{0};  // bytes of durable frames
  std::atomic<uint64_t> last{0};  // last durable sequence; first - 1 while empty
  mutable std::shared_mutex index_mu;
  std::vector<std::pair<uint64_t, uint64_t>> sparse;  // (sequence, offset)

  ~Segment() {
    if (fd >= 0) ::close(fd);
  }
  uint64_t OffsetAtOrBefore(uint64_t sequence) const {
    std::shared_lock lock(index_mu);
    auto it = std::upper_bound(sparse.begin(), sparse.end(), std::make_pair(sequence, UINT64_MAX));
    if (it == sparse.begin()) return 0;
    return std::prev(it)->second;
  }
};

Journal::Journal(std::string dir, storage::KvStore* cursors, JournalOptions options)
    : dir_(std::move(dir)), cursors_(cursors), options_(options) {}

Result<std::unique_ptr<Journal>> Journal::Open(const std::string& dir, storage::KvStore* cursors,
                                               JournalOptions options) {
  std::unique_ptr<Journal> j(new Journal(dir, cursors, options));
  OT_RETURN_IF_ERROR(j->Recover());
  j->writer_ = std::thread([p = j.get()] { p->WriterLoop(); });
  return j;
}

Journal::~Journal() { Stop(); }

Status Journal::Recover() {
  if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::Internal("cannot create journal directory " + dir_);
  std::vector<uint64_t> firsts;
  if (DIR* d = ::opendir(dir_.c_str())) {
    while (dirent* e = ::readdir(d)) {
      uint64_t first;
      if (ParseSegmentFileName(e->d_name, &first)) firsts.push_back(first);
    }
    ::closedir(d);
  }
  std::sort(firsts.begin(), firsts.end());

  for (size_t i = 0; i < firsts.size(); ++i) {
    bool active = i + 1 == firsts.size();
    auto seg = std::make_shared<Segment>();
    seg->first = firsts[i];
    seg->path = dir_ + "/" + SegmentFileName(seg->first);
    seg->fd = ::open(seg->path.c_str(), (active ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (seg->fd < 0) return Status::Internal("cannot open " + seg->path);
    struct stat st;
    ::fstat(seg->fd, &st);
    uint64_t file_size = static_cast<uint64_t>(st.st_size);

    // Scan every frame: checks checksums and sequence continuity, rebuilds the index.
    uint64_t offset = 0, expect = seg->first;
    std::string buf;
    while (offset < file_size) {
      OT_RETURN_IF_ERROR(journal::ReadAt(seg->fd, offset, std::min<uint64_t>(kReadChunk, file_size - offset), &buf));
      std::string_view data = buf;
      size_t used = 0;
      FrameView f;
      while (ParseFrame(data.substr(used), &f)) {
        if (f.sequence != expect) break;
        if ((expect - seg->first) % kSparseEvery == 0) seg->sparse.emplace_back(expect, offset + used);
        ++expect;
        used += f.frame_size;
      }
      if (used == 0) {
        // Either a frame larger than the chunk, or the end of valid data.
        if (buf.size() >= kFrameHeaderSize) {
          uint32_t len = 0;
          std::memcpy(&len, buf.data(), 4);
          if (len <= kMaxRecordSize && kFrameHeaderSize + len > buf.size() &&
              offset + kFrameHeaderSize + len <= file_size) {
            std::string big;
            OT_RETURN_IF_ERROR(journal::ReadAt(seg->fd, offset, kFrameHeaderSize + len, &big));
            if (ParseFrame(big, &f) && f.sequence == expect) {
              if ((expect - seg->first) % kSparseEvery == 0) seg->sparse.emplace_back(expect, offset);
              ++expect;
              offset += f.frame_size;
              continue;
            }
          }
        }
        break;
      }
      offset += used;
    }
    if (offset < file_size) {
      if (!active)
        return Status::Internal("journal segment " + seg->path + " is corrupt at offset " +
                                std::to_string(offset) + "; refusing to start rather than lose records");
      // A torn tail from a crash mid-write: those records were never acknowledged.
      if (::ftruncate(seg->fd, static_cast<off_t>(offset)) != 0)
        return Status::Internal("cannot truncate torn journal tail in " + seg->path);
      ::fsync(seg->fd);
    }
    if (!segments_.empty() && segments_.back()->last.load() + 1 != seg->first)
      return Status::Internal("journal segments are not contiguous at " + seg->path);
    seg->size = offset;
    seg->last = expect - 1;
    segments_.push_back(std::move(seg));
  }

  if (segments_.empty()) {
    // A journal that was emptied by trimming keeps its active segment, so numbering resumes
    // after the last sequence ever written; a new journal starts at 1.
    OT_RETURN_IF_ERROR(OpenNewSegment(1));
  }
  last_durable_ = segments_.back()->last;
  next_sequence_ = last_durable_ + 1;
  return Status::Ok();
}

Status Journal::OpenNewSegment(uint64_t first_sequence) {
  auto seg = std::make_shared<Segment>();
  seg->first = first_sequence;
  seg->path = dir_ + "/" + SegmentFileName(first_sequence);
  seg->fd = ::open(seg->path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (seg->fd < 0) return Status::Internal("cannot create " + seg->path);
  seg->last = first_sequence - 1;
  OT_RETURN_IF_ERROR(SyncDirectory(dir_));
  std::unique_lock lock(segments_mu_);
  segments_.push_back(std::move(seg));
  return Status::Ok();
}

Status Journal::WriteGroup(const std::vector<std::string_view>& records, uint64_t* first_out) {
  // Caller holds write_mu_.
  std::shared_ptr<Segment> seg;
  {
    std::shared_lock lock(segments_mu_);
    seg = segments_.back();
  }
  uint64_t first = next_sequence_;
  uint64_t base = seg->size.load();
  std::string buf;
  size_t total = 0;
  for (auto r : records) total += kFrameHeaderSize + r.size();
  buf.reserve(total);
  std::vector<std::pair<uint64_t, uint64_t>> index_points;
  for (size_t i = 0; i < records.size(); ++i) {
    if (records[i].size() > kMaxRecordSize) return Status::Error("RecordTooLarge", "record exceeds 64 MiB", 400);
    uint64_t seq = first + i;
    if ((seq - seg->first) % kSparseEvery == 0) index_points.emplace_back(seq, base + buf.size());
    AppendFrame(&buf, seq, records[i]);
  }
  Status s;
  size_t done = 0;
  while (done < buf.size()) {
    ssize_t n = ::pwrite(seg->fd, buf.data() + done, buf.size() - done, static_cast<off_t>(base + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      s = Status::Internal(std::string("journal write failed: ") + std::strerror(errno));
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (s.ok() && options_.sync && ::fdatasync(seg->fd) != 0)
    s = Status::Internal(std::string("journal fdatasync failed: ") + std::strerror(errno));
  if (!s.ok()) {
    // Cut off whatever part of the group reached the file; none of it is acknowledged.
    if (::ftruncate(seg->fd, static_cast<off_t>(base)) != 0) s = Status::Internal(s.message() + "; truncate failed");
    return s;
  }
  {
    std::unique_lock lock(seg->index_mu);
    seg->sparse.insert(seg->sparse.end(), index_points.begin(), index_points.end());
  }
  seg->size = base + buf.size();
  seg->last = first + records.size() - 1;
  next_sequence_ += records.size();
  {
    std::lock_guard lock(mu_);
    last_durable_ = next_sequence_ - 1;
  }
  appended_cv_.notify_all();
  if (first_out) *first_out = first;
  if (seg->size.load() >= options_.segment_bytes) {
    Status rotated = OpenNewSegment(next_sequence_);
    if (!rotated.ok()) return rotated;  // the records are durable; the next write retries
  }
  return Status::Ok();
}

void Journal::Append(std::string record, Completion done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back({std::move(record), std::move(done)});
      if (queue_.size() == 1) queue_cv_.notify_one();
      return;
    }
  }
  done(Status::Error("ServiceUnavailable", "the server is shutting down", 503), 0);
}

void Journal::WriterLoop() {
  std::vector<Pending> batch;
  std::vector<std::string_view> views;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      batch.swap(queue_);
    }
    views.clear();
    for (auto& p : batch) views.push_back(p.record);
    Status status;
    uint64_t first = 0;
    {
      std::lock_guard wlock(write_mu_);
      status = WriteGroup(views, &first);
    }
    for (size_t i = 0; i < batch.size(); ++i) batch[i].done(status, status.ok() ? first + i : 0);
    batch.clear();
  }
}

Status Journal::AppendBatch(const std::vector<std::string>& records, uint64_t* first_sequence) {
  if (records.empty()) return Status::Ok();
  std::vector<std::string_view> views(records.begin(), records.end());
  std::lock_guard wlock(write_mu_);
  return WriteGroup(views, first_sequence);
}

uint64_t Journal::LastSequence() const {
  std::lock_guard lock(mu_);
  return last_durable_;
}

uint64_t Journal::FirstSequence() const {
  std::shared_lock lock(segments_mu_);
  return segments_.front()->first;
}

std::shared_ptr<Journal::Segment> Journal::SegmentFor(uint64_t sequence) const {
  std::shared_lock lock(segments_mu_);
  auto it = std::upper_bound(segments_.begin(), segments_.end(), sequence,
                             [](uint64_t s, const std::shared_ptr<Segment>& seg) { return s < seg->first; });
  if (it == segments_.begin()) return segments_.empty() ? nullptr : segments_.front();
  return *std::prev(it);
}

std::shared_ptr<Journal::Segment> Journal::SegmentByFirst(uint64_t first) const {
  std::shared_lock lock(segments_mu_);
  auto it = std::lower_bound(segments_.begin(), segments_.end(), first,
                             [](const std::shared_ptr<Segment>& seg, uint64_t f) { return seg->first < f; });
  if (it == segments_.end() || (*it)->first != first) return nullptr;
  return *it;
}

Status Journal::Read(uint64_t from, size_t max, std::vector<Entry>* out, size_t max_bytes) const {
  uint64_t last = LastSequence();
  size_t bytes = 0;
  from = std::max(from, FirstSequence());
  std::string buf;
  while (from <= last && out->size() < max && bytes < max_bytes) {
    auto seg = SegmentFor(from);
    if (!seg || seg->first > from) break;
    uint64_t seg_size = seg->size.load();
    uint64_t seg_last = std::min(seg->last.load(), last);
    if (from > seg_last) break;
    uint64_t offset = seg->OffsetAtOrBefore(from);
    while (offset < seg_size && from <= seg_last && out->size() < max && bytes < max_bytes) {
      OT_RETURN_IF_ERROR(journal::ReadAt(seg->fd, offset, std::min<uint64_t>(kReadChunk, seg_size - offset), &buf));
      std::string_view data = buf;
      size_t used = 0;
      FrameView f;
      bool progressed = false;
      while (ParseFrame(data.substr(used), &f) && out->size() < max && bytes < max_bytes) {
        progressed = true;
        if (f.sequence > seg_last) break;
        if (f.sequence >= from) {
          out->push_back({f.sequence, std::string(f.payload), {seg->first, offset + used}});
          bytes += f.payload.size();
          from = f.sequence + 1;
        }
        used += f.frame_size;
      }
      if (!progressed) {
        // A frame larger than one chunk.
        uint32_t len = 0;
        if (buf.size() >= 4) std::memcpy(&len, buf.data(), 4);
        std::string big;
        OT_RETURN_IF_ERROR(journal::ReadAt(seg->fd, offset, kFrameHeaderSize + len, &big));
        if (!ParseFrame(big, &f)) return Status::Internal("journal frame unreadable in " + seg->path);
        if (f.sequence >= from && f.sequence <= seg_last) {
          out->push_back({f.sequence, std::string(f.payload), {seg->first, offset}});
          bytes += f.payload.size();
          from = f.sequence + 1;
        }
        used = f.frame_size;
      }
      offset += used;
    }
    if (from <= seg_last) break;  // stopped by max / max_bytes
  }
  return Status::Ok();
}

Result<std::string> Journal::ReadAt(const Location& location) const {
  auto seg = SegmentByFirst(location.segment);
  if (!seg || location.offset >= seg->size.load())
    return Status::Error("NotFound", "journal record no longer held", 404);
  std::string buf;
  OT_RETURN_IF_ERROR(journal::ReadAt(seg->fd, location.offset, 4096, &buf));
  FrameView f;
  if (!ParseFrame(buf, &f)) {
    uint32_t len = 0;
    if (buf.size() >= 4) std::memcpy(&len, buf.data(), 4);
    if (len > kMaxRecordSize) return Status::Internal("journal frame unreadable");
    OT_RETURN_IF_ERROR(journal::ReadAt(seg->fd, location.offset, kFrameHeaderSize + len, &buf));
    if (!ParseFrame(buf, &f)) return Status::Internal("journal frame unreadable");
  }
  return std::string(f.payload);
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

void Journal::SetRetentionFloor(const std::string& name, uint64_t sequence) {
  std::lock_guard lock(mu_);
  for (auto& [n, s] : floors_)
    if (n == name) {
      s = sequence;
      return;
    }
  floors_.emplace_back(name, sequence);
}

Result<uint64_t> Journal::Cursor(const std::string& name) const {
  auto v = cursors_->Get(kCursorFamily, name);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return uint64_t{1};
  return storage::DecodeU64(**v);
}

void Journal::PutCursor(storage::WriteBatch& batch, const std::string& name, uint64_t next_sequence) {
  batch.Put(kCursorFamily, name, storage::EncodeU64(next_sequence));
}

Status Journal::CommitCursor(const std::string& name, uint64_t next_sequence) {
  auto wb = cursors_->NewBatch();
  PutCursor(*wb, name, next_sequence);
  return cursors_->Write(*wb, /*sync=*/true);
}

Result<uint64_t> Journal::Trim() {
  std::set<std::string> consumers;
  uint64_t floor = UINT64_MAX;
  {
    std::lock_guard lock(mu_);
    consumers = consumers_;
    for (auto& [n, s] : floors_) floor = std::min(floor, s);
  }
  if (consumers.empty()) return uint64_t{0};
  for (auto& name : consumers) {
    auto c = Cursor(name);
    if (!c.ok()) return c.status();
    floor = std::min(floor, *c);
  }
  std::vector<std::shared_ptr<Segment>> doomed;
  {
    std::unique_lock lock(segments_mu_);
    // Never the active (last) segment: it carries the numbering forward.
    while (segments_.size() > 1 && segments_.front()->last.load() < floor) {
      doomed.push_back(segments_.front());
      segments_.erase(segments_.begin());
    }
  }
  uint64_t removed = 0;
  for (auto& seg : doomed) {
    removed += seg->last.load() - seg->first + 1;
    ::unlink(seg->path.c_str());  // readers holding the segment keep their descriptor
  }
  if (!doomed.empty()) OT_RETURN_IF_ERROR(SyncDirectory(dir_));
  return removed;
}

void Journal::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  appended_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

}  // namespace ot::journal
