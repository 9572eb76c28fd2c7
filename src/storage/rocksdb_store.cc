// storage/rocksdb_store.cc — KvStore on RocksDB, one instance, one column family per keyspace.
#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/write_batch.h>

#include <map>

#include "storage/kv_store.h"

namespace ot::storage {

namespace {

Status FromRocks(const rocksdb::Status& s) {
  if (s.ok()) return Status::Ok();
  return Status::Internal("storage: " + s.ToString());
}

rocksdb::Slice S(std::string_view v) { return rocksdb::Slice(v.data(), v.size()); }

class RocksIterator final : public Iterator {
 public:
  explicit RocksIterator(rocksdb::Iterator* it) : it_(it) {}
  void Seek(std::string_view key) override { it_->Seek(S(key)); }
  void SeekForPrev(std::string_view key) override { it_->SeekForPrev(S(key)); }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void SeekToLast() override { it_->SeekToLast(); }
  bool Valid() const override { return it_->Valid(); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  std::string_view key() const override { return {it_->key().data(), it_->key().size()}; }
  std::string_view value() const override { return {it_->value().data(), it_->value().size()}; }
  Status status() const override { return FromRocks(it_->status()); }

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
};

class RocksStore;

// Adapts FamilyOptions::expired to RocksDB's compaction filter.
class ExpiryFilter final : public rocksdb::CompactionFilter {
 public:
  explicit ExpiryFilter(std::function<bool(std::string_view, std::string_view)> expired)
      : expired_(std::move(expired)) {}
  bool Filter(int, const rocksdb::Slice& key, const rocksdb::Slice& value, std::string*,
              bool*) const override {
    return expired_(std::string_view(key.data(), key.size()), std::string_view(value.data(), value.size()));
  }
  const char* Name() const override { return "opentrail.ExpiryFilter"; }

 private:
  std::function<bool(std::string_view, std::string_view)> expired_;
};

class RocksBatch final : public WriteBatch {
 public:
  explicit RocksBatch(RocksStore* store) : store_(store) {}
  void Put(std::string_view family, std::string_view key, std::string_view value) override;
  void Delete(std::string_view family, std::string_view key) override;
  void DeleteRange(std::string_view family, std::string_view begin,
                   std::string_view end) override;
  size_t Count() const override { return batch_.Count(); }
  rocksdb::WriteBatch& batch() { return batch_; }

 private:
  RocksStore* store_;
  rocksdb::WriteBatch batch_;
};

class RocksStore final : public KvStore {
 public:
  ~RocksStore() override {
    for (auto& [name, handle] : families_) db_->DestroyColumnFamilyHandle(handle);
    db_->Close();
  }

  static Result<std::unique_ptr<KvStore>> Open(const std::string& dir,
                                               const std::vector<FamilyOptions>& wanted_families) {
    std::vector<std::string> wanted;
    for (auto& f : wanted_families) wanted.push_back(f.name);
    rocksdb::Options options;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    options.IncreaseParallelism(2);
    options.max_total_wal_size = 256 << 20;
    options.keep_log_file_num = 3;
    options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;

    std::vector<std::string> names;
    rocksdb::DB::ListColumnFamilies(options, dir, &names);  // absent on first open: fine
    auto has = [&](const std::string& n) {
      for (auto& x : names)
        if (x == n) return true;
      return false;
    };
    if (!has(rocksdb::kDefaultColumnFamilyName)) names.push_back(rocksdb::kDefaultColumnFamilyName);
    for (auto& w : wanted)
      if (!has(w)) names.push_back(w);

    rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    auto store = std::unique_ptr<RocksStore>(new RocksStore());
    for (auto& n : names) {
      rocksdb::ColumnFamilyOptions cf(options);
      cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
      for (auto& f : wanted_families)
        if (f.name == n && f.expired) {
          store->filters_.push_back(std::make_unique<ExpiryFilter>(f.expired));
          cf.compaction_filter = store->filters_.back().get();
        }
      descriptors.emplace_back(n, cf);
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    rocksdb::DBOptions db_options(options);
    auto s = rocksdb::DB::Open(db_options, dir, descriptors, &handles, &db);
    if (!s.ok()) return Status::Internal("cannot open storage in " + dir + ": " + s.ToString());
    store->db_.reset(db);
    for (size_t i = 0; i < handles.size(); ++i) store->families_[names[i]] = handles[i];
    return std::unique_ptr<KvStore>(std::move(store));
  }

  rocksdb::ColumnFamilyHandle* Family(std::string_view name) {
    auto it = families_.find(std::string(name));
    if (it == families_.end()) throw std::logic_error("unknown column family " + std::string(name));
    return it->second;
  }

  Result<std::optional<std::string>> Get(std::string_view family, std::string_view key) override {
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), Family(family), S(key), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromRocks(s);
    return std::optional<std::string>(std::move(value));
  }

  std::unique_ptr<WriteBatch> NewBatch() override { return std::make_unique<RocksBatch>(this); }

  Status Write(WriteBatch& batch, bool sync) override {
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    return FromRocks(db_->Write(wo, &static_cast<RocksBatch&>(batch).batch()));
  }

  std::unique_ptr<Iterator> NewIterator(std::string_view family) override {
    rocksdb::ReadOptions ro;
    return std::make_unique<RocksIterator>(db_->NewIterator(ro, Family(family)));
  }

  Status Flush() override {
    std::vector<rocksdb::ColumnFamilyHandle*> all;
    for (auto& [n, h] : families_) all.push_back(h);
    OT_RETURN_IF_ERROR(FromRocks(db_->Flush(rocksdb::FlushOptions(), all)));
    return FromRocks(db_->FlushWAL(true));
  }

  Status Compact(std::string_view family) override {
    rocksdb::CompactRangeOptions opts;
    return FromRocks(db_->CompactRange(opts, Family(family), nullptr, nullptr));
  }

 private:
  RocksStore() = default;
  std::vector<std::unique_ptr<ExpiryFilter>> filters_;  // outlive db_ (declared first)
  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> families_;
};

void RocksBatch::Put(std::string_view family, std::string_view key, std::string_view value) {
  batch_.Put(store_->Family(family), S(key), S(value));
}
void RocksBatch::Delete(std::string_view family, std::string_view key) {
  batch_.Delete(store_->Family(family), S(key));
}
void RocksBatch::DeleteRange(std::string_view family, std::string_view begin,
                             std::string_view end) {
  batch_.DeleteRange(store_->Family(family), S(begin), S(end));
}

}  // namespace

Result<std::unique_ptr<KvStore>> OpenRocksDb(const std::string& dir,
                                             const std::vector<FamilyOptions>& families) {
  return RocksStore::Open(dir, families);
}

Result<std::unique_ptr<KvStore>> OpenRocksDb(const std::string& dir,
                                             const std::vector<std::string>& families) {
  std::vector<FamilyOptions> opts;
  for (auto& f : families) opts.push_back({f, nullptr});
  return RocksStore::Open(dir, opts);
}

std::string EncodeU64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

uint64_t DecodeU64(std::string_view s) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

}  // namespace ot::storage
