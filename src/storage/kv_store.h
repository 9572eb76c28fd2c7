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
  virtual std::unique_ptr<WriteBatch> NewBatch() = 0;
  // Applies the batch atomically. With sync, returns only once it is on stable storage.
  virtual Status Write(WriteBatch& batch, bool sync) = 0;
  virtual std::unique_ptr<Iterator> NewIterator(std::string_view family) = 0;
  // Flushes pending data; called on graceful shutdown.
  virtual Status Flush() = 0;
  // Rewrites a family's data (applies `expired`, reclaims space).
  virtual Status Compact(std::string_view family) = 0;

  Status Put(std::string_view family, std::string_view key, std::string_view value, bool sync) {
    auto batch = NewBatch();
    batch->Put(family, key, value);
    return Write(*batch, sync);
  }
};

// Per-family behaviour chosen at open.
struct FamilyOptions {
  std::string name;
  // Entries for which this returns true are dropped when the engine next rewrites them
  // (compaction): time-based retention without a delete per entry. Readers must still
  // filter expired entries themselves until then.
  std::function<bool(std::string_view key, std::string_view value)> expired;
};

// Opens (creating if needed) a RocksDB store in `dir` with the given column families.
Result<std::unique_ptr<KvStore>> OpenRocksDb(const std::string& dir,
                                             const std::vector<std::string>& families);
Result<std::unique_ptr<KvStore>> OpenRocksDb(const std::string& dir,
                                             const std::vector<FamilyOptions>& families);

// Big-endian fixed-width encodings, so numeric keys sort bytewise in numeric order.
std::string EncodeU64(uint64_t v);
uint64_t DecodeU64(std::string_view s);  // s.size() must be >= 8

}  // namespace ot::storage
