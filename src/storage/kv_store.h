// storage/kv_store.h — the embedded key-value engine every durable component sits on.
//
// Keys and values are byte strings; each lives in a named column family (a separate keyspace
// ordered bytewise). All multi-key updates go through a WriteBatch, which is atomic.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ot::storage {

class WriteBatch {
 public:
  virtual ~WriteBatch() = default;
  virtual void Put(std::string_view family, std::string_view key, std::string_view value) = 0;
  virtual void Delete(std::string_view family, std::string_view key) = 0;
  // Deletes keys in [begin, end).
  virtual void DeleteRange(std::string_view family, std::string_view begin,
                           std::string_view end) = 0;
  virtual size_t Count() const = 0;
};

// A bulk write of keys in strictly ascending order to one unlogged family (see
// FamilyOptions::unlogged), applied by KvStore::WriteSorted. The entries bypass the write
// buffer: they are written out as one sorted file and added to the store whole, which is far
// cheaper for large batches (and durable as soon as WriteSorted returns).
class SortedBatch {
 public:
  virtual ~SortedBatch() = default;
  // Keys must be strictly ascending (bytewise).
  virtual Status Put(std::string_view key, std::string_view value) = 0;
  virtual size_t Count() const = 0;
};

class Iterator {
 public:
  virtual ~Iterator() = default;
  virtual void Seek(std::string_view key) = 0;         // first key >= key
  virtual void SeekForPrev(std::string_view key) = 0;  // last key <= key
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  virtual void Prev() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual Status status() const = 0;
};

class KvStore {
 public:
  virtual ~KvStore() = default;

  // Returns nullopt when the key is absent.
  virtual Result<std::optional<std::string>> Get(std::string_view family,
                                                 std::string_view key) = 0;
  // Point reads of many keys of one family at once (cheaper than one Get each); `values`
  // gets one entry per key, in order, nullopt where absent.
  virtual Status MultiGet(std::string_view family, const std::vector<std::string_view>& keys,
                          std::vector<std::optional<std::string>>* values) = 0;
  // Like Get, but only what is on stable storage: writes to an unlogged family (below) that
  // no flush has persisted yet are not seen. (Conservative for logged families: their
  // unflushed writes may be ignored too.)
  virtual Result<std::optional<std::string>> GetDurable(std::string_view family,
                                                        std::string_view key) = 0;
  virtual std::unique_ptr<WriteBatch> NewBatch() = 0;
  // Applies the batch atomically. With sync, returns only once it is on stable storage.
  virtual Status Write(WriteBatch& batch, bool sync) = 0;
  virtual Result<std::unique_ptr<SortedBatch>> NewSortedBatch(std::string_view family) = 0;
  // Applies a sorted batch atomically; its entries are then visible and durable.
  virtual Status WriteSorted(SortedBatch& batch) = 0;
  virtual std::unique_ptr<Iterator> NewIterator(std::string_view family) = 0;
  // Flushes pending data; called on graceful shutdown.
  virtual Status Flush() = 0;
  // Persists one family's buffered writes (for an unlogged family: makes them durable).
  // With wait=false, schedules the flush and returns.
  virtual Status FlushFamily(std::string_view family, bool wait) = 0;
  // Rewrites a family's data (applies `expired`, reclaims space).
  virtual Status Compact(std::string_view family) = 0;

  Status Put(std::string_view family, std::string_view key, std::string_view value, bool sync) {
    auto batch = NewBatch();
    batch->Put(family, key, value);
    return Write(*batch, sync);
  }
};

// Engine tuning of one family with a heavy write load (zero: the engine's default).
struct FamilyTuning {
  size_t write_buffer_bytes = 0;  // size of one in-memory write buffer (memtable)
  int max_write_buffers = 0;      // buffers held in memory while older ones are flushed
  int level0_files_to_compact = 0;  // unsorted files that trigger a compaction
  size_t level1_bytes = 0;          // target size of the first sorted level
  bool point_lookup_filter = false;  // bloom filter over the write buffer (cheap Get misses)
  bool fast_compression = false;     // LZ4 rather than Snappy: cheaper to write
};

// Per-family behaviour chosen at open.
struct FamilyOptions {
  FamilyOptions() = default;
  FamilyOptions(std::string name, std::function<bool(std::string_view, std::string_view)> expired = nullptr)
      : name(std::move(name)), expired(std::move(expired)) {}

  std::string name;
  // Entries for which this returns true are dropped when the engine next rewrites them
  // (compaction): time-based retention without a delete per entry. Readers must still
  // filter expired entries themselves until then.
  std::function<bool(std::string_view key, std::string_view value)> expired;
  // Writes skip the write-ahead log: they become durable only when the family is flushed
  // (FlushFamily, Flush, shutdown, or a full write buffer), always whole batches in commit
  // order, so a crash loses a suffix of the family's batches and never part of one. For
  // state that can be rebuilt (e.g. an index with its cursor in the same family). A batch
  // must not mix unlogged and logged families; Write(sync=true) on it flushes the family.
  bool unlogged = false;
  FamilyTuning tuning;
};

// Opens (creating if needed) a RocksDB store in `dir` with the given column families.
Result<std::unique_ptr<KvStore>> OpenRocksDb(const std::string& dir,
                                             const std::vector<std::string>& families);
Result<std::unique_ptr<KvStore>> OpenRocksDb(const std::string& dir,
                                             const std::vector<FamilyOptions>& families);

// Big-endian fixed-width encodings, so numeric keys sort bytewise in numeric order.
std::string EncodeU64(uint64_t v);
void AppendU64(std::string* out, uint64_t v);  // appends EncodeU64(v) without a temporary
uint64_t DecodeU64(std::string_view s);  // s.size() must be >= 8

}  // namespace ot::storage
