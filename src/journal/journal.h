// journal/journal.h — the durable ordered log of records, with group commit and cursors.
//
// Every record gets a sequence number (1, 2, 3, ...) in append order. Append() is
// asynchronous: a single writer thread gathers everything queued while the previous fsync
// ran, writes it as one atomic batch with sync, and only then runs each completion.
// Consumers read from their committed cursor and commit it (optionally in the same write
// batch as their own effect, so effect and cursor move together). Trim() removes the
// prefix every registered consumer has passed.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "storage/kv_store.h"

namespace ot::journal {

inline constexpr const char* kJournalFamily = "journal";
inline constexpr const char* kCursorFamily = "cursors";

struct Entry {
  uint64_t sequence = 0;
  std::string record;  // the CloudTrail record, compact JSON
};

class Journal {
 public:
  using Completion = std::function<void(const Status&, uint64_t sequence)>;

  // The store must have kJournalFamily and kCursorFamily. Starts the writer thread.
  static Result<std::unique_ptr<Journal>> Open(storage::KvStore* store);
  ~Journal();

  // Queues one record; `done` runs on the writer thread once the record is durable (or the
  // write failed). Never blocks on I/O.
  void Append(std::string record, Completion done);
  // Appends many records as one durable batch (import path); blocks until durable.
  Status AppendBatch(std::vector<std::string> records, uint64_t* first_sequence = nullptr);

  // Sequence of the newest durable record (0 when empty).
  uint64_t LastSequence() const;
  // Sequence of the oldest record still held (LastSequence()+1 when empty).
  uint64_t FirstSequence() const;
  // Reads up to `max` records with sequence >= from.
  Status Read(uint64_t from, size_t max, std::vector<Entry>* out) const;
  // Blocks until a record with sequence > after exists, or timeout, or Stop().
  void WaitForNew(uint64_t after, int64_t timeout_ms) const;

  // Consumer cursors: the next sequence a consumer will read (starts at 1).
  void RegisterConsumer(const std::string& name);
  Result<uint64_t> Cursor(const std::string& name) const;
  Status CommitCursor(const std::string& name, uint64_t next_sequence);
  // Adds the cursor update to a batch the consumer writes itself.
  static void PutCursor(storage::WriteBatch& batch, const std::string& name,
                        uint64_t next_sequence);

  // Deletes records every registered consumer has passed. With no consumer registered
  // nothing is deleted: an audit record is never dropped unread. Returns records removed.
  Result<uint64_t> Trim();

  // Stops accepting appends, drains the queue (running completions), joins the writer.
  void Stop();

 private:
  explicit Journal(storage::KvStore* store);
  void WriterLoop();

  struct Pending {
    std::string record;
    Completion done;
  };

  storage::KvStore* store_;
  mutable std::mutex mu_;
  std::condition_variable queue_cv_;
  mutable std::condition_variable appended_cv_;
  std::vector<Pending> queue_;
  bool stopping_ = false;
  uint64_t next_sequence_ = 1;   // guarded by write_mu_
  uint64_t last_durable_ = 0;    // guarded by mu_
  uint64_t first_sequence_ = 1;  // guarded by mu_
  std::set<std::string> consumers_;
  std::mutex write_mu_;          // serializes batch writes (writer thread vs AppendBatch)
  std::thread writer_;
};

}  // namespace ot::journal
