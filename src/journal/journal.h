// journal/journal.h — the durable ordered log of records, with group commit and cursors.
//
// Records live in append-only segment files (segment_file.h) under one directory; every
// record gets a sequence number (1, 2, 3, ...) in append order. Append() is asynchronous: a
// single writer thread gathers everything queued while the previous fsync ran, writes it
// with one write() and one fdatasync(), and only then runs each completion. No background
// compaction: the write cost of a record is one memcpy, a CRC and its share of one fsync.
//
// Consumers read from their committed cursor and commit it — in the key-value store, so a
// consumer can commit its cursor in the same atomic batch as its own effect. Trim() deletes
// whole segments that every registered consumer has passed.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "storage/kv_store.h"

namespace ot::journal {

inline constexpr const char* kCursorFamily = "cursors";

// Where a record is on disk; stable for the record's life, usable by indexes.
struct Location {
  uint64_t segment = 0;  // first sequence of the segment
  uint64_t offset = 0;   // byte offset of the frame
};

struct Entry {
  uint64_t sequence = 0;
  std::string record;  // the CloudTrail record, compact JSON
  Location location;
};

struct JournalOptions {
  uint64_t segment_bytes = 64u << 20;  // a segment is sealed once it grows past this
  bool sync = true;                    // fdatasync each group commit (tests may turn off)
};

class Journal {
 public:
  using Completion = std::function<void(const Status&, uint64_t sequence)>;

  // Opens (creating) the journal in `dir`; cursors live in `cursors`' kCursorFamily.
  // Recovers from a torn tail. Starts the writer thread.
  static Result<std::unique_ptr<Journal>> Open(const std::string& dir, storage::KvStore* cursors,
                                               JournalOptions options = {});
  ~Journal();

  // Queues one record; `done` runs on the writer thread once the record is durable (or the
  // write failed). Never blocks on I/O.
  void Append(std::string record, Completion done);
  // Appends many records as one durable group (import path); blocks until durable.
  Status AppendBatch(const std::vector<std::string>& records, uint64_t* first_sequence = nullptr);

  // Sequence of the newest durable record (0 when empty).
  uint64_t LastSequence() const;
  // Sequence of the oldest record still held (LastSequence()+1 when empty).
  uint64_t FirstSequence() const;
  // Reads up to `max` records with sequence >= from (and at most `max_bytes` of payload).
  Status Read(uint64_t from, size_t max, std::vector<Entry>* out,
              size_t max_bytes = 64u << 20) const;
  // Reads the one record at a location an index kept. NotFound once trimmed.
  Result<std::string> ReadAt(const Location& location) const;
  // Blocks until a record with sequence > after exists, or timeout, or Stop().
  void WaitForNew(uint64_t after, int64_t timeout_ms) const;

  // Consumer cursors: the next sequence a consumer will read (starts at 1).
  void RegisterConsumer(const std::string& name);
  Result<uint64_t> Cursor(const std::string& name) const;
  Status CommitCursor(const std::string& name, uint64_t next_sequence);
  // Adds the cursor update to a batch the consumer writes itself.
  static void PutCursor(storage::WriteBatch& batch, const std::string& name,
                        uint64_t next_sequence);
  // Holds records at or after `sequence` against trimming on behalf of `name` (history keeps
  // records for its retention window); UINT64_MAX releases.
  void SetRetentionFloor(const std::string& name, uint64_t sequence);

  // Deletes whole segments that every registered consumer has passed. With no consumer
  // registered nothing is deleted: an audit record is never dropped unread. Returns the
  // number of records removed.
  Result<uint64_t> Trim();

  // Stops accepting appends, drains the queue (running completions), joins the writer.
  void Stop();

 private:
  struct Segment;
  Journal(std::string dir, storage::KvStore* cursors, JournalOptions options);
  Status Recover();
  Status WriteGroup(const std::vector<std::string_view>& records, uint64_t* first);
  Status OpenNewSegment(uint64_t first_sequence);
  void WriterLoop();
  std::shared_ptr<Segment> SegmentFor(uint64_t sequence) const;
  std::shared_ptr<Segment> SegmentByFirst(uint64_t first) const;

  struct Pending {
    std::string record;
    Completion done;
  };

  const std::string dir_;
  storage::KvStore* cursors_;
  const JournalOptions options_;

  mutable std::mutex mu_;  // queue, stop flag, last_durable_, consumers, floors
  std::condition_variable queue_cv_;
  mutable std::condition_variable appended_cv_;
  std::vector<Pending> queue_;
  bool stopping_ = false;
  uint64_t last_durable_ = 0;
  std::set<std::string> consumers_;
  std::vector<std::pair<std::string, uint64_t>> floors_;

  std::mutex write_mu_;  // one group write at a time (writer thread vs AppendBatch)
  uint64_t next_sequence_ = 1;  // guarded by write_mu_

  mutable std::shared_mutex segments_mu_;
  std::vector<std::shared_ptr<Segment>> segments_;  // ascending; the last is active

  std::thread writer_;
};

}  // namespace ot::journal
