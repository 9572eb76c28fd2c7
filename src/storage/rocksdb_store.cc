// storage/rocksdb_store.cc — KvStore on RocksDB, one instance, one column family per keyspace.
#include <rocksdb/compaction_filter.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
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

struct FamilyHandle {
  rocksdb::ColumnFamilyHandle* handle = nullptr;
  bool unlogged = false;
  rocksdb::Options options;  // as opened (sorted batches write files with them)
};

class RocksSortedBatch final : public SortedBatch {
 public:
  RocksSortedBatch(const FamilyHandle& family, std::string path)
      : family_(family), path_(std::move(path)), writer_(rocksdb::EnvOptions(), family.options, family.handle) {}
  ~RocksSortedBatch() override {
    if (!done_) {
      writer_.Finish();  // closes the file (fails harmlessly when empty)
      std::error_code ec;
      std::filesystem::remove(path_, ec);
    }
  }
  Status Open() { return FromRocks(writer_.Open(path_)); }
  Status Put(std::string_view key, std::string_view value) override {
    auto s = writer_.Put(S(key), S(value));
    if (!s.ok()) return FromRocks(s);
    ++count_;
    return Status::Ok();
  }
  size_t Count() const override { return count_; }

  const FamilyHandle& family() const { return family_; }
  const std::string& path() const { return path_; }
  rocksdb::SstFileWriter& writer() { return writer_; }
  void MarkDone() { done_ = true; }

 private:
  const FamilyHandle& family_;
  std::string path_;
  rocksdb::SstFileWriter writer_;
  size_t count_ = 0;
  bool done_ = false;
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
  bool logged() const { return logged_; }
  bool unlogged() const { return unlogged_; }
  const std::vector<rocksdb::ColumnFamilyHandle*>& unlogged_families() const { return unlogged_families_; }

 private:
  rocksdb::ColumnFamilyHandle* Use(std::string_view family);

  RocksStore* store_;
  rocksdb::WriteBatch batch_;
  bool logged_ = false;
  bool unlogged_ = false;
  std::vector<rocksdb::ColumnFamilyHandle*> unlogged_families_;
  // The last family named (batches usually write one family many times).
  std::string last_name_;
  const FamilyHandle* last_ = nullptr;
};

class RocksStore final : public KvStore {
 public:
  ~RocksStore() override {
    for (auto& [name, family] : families_) db_->DestroyColumnFamilyHandle(family.handle);
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
    std::map<std::string, bool> unlogged;
    std::map<std::string, rocksdb::ColumnFamilyOptions> cf_options;
    for (auto& n : names) {
      rocksdb::ColumnFamilyOptions cf(options);
      cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
      for (auto& f : wanted_families) {
        if (f.name != n) continue;
        if (f.expired) {
          store->filters_.push_back(std::make_unique<ExpiryFilter>(f.expired));
          cf.compaction_filter = store->filters_.back().get();
        }
        unlogged[n] = f.unlogged;
        const FamilyTuning& t = f.tuning;
        if (t.write_buffer_bytes) cf.write_buffer_size = t.write_buffer_bytes;
        if (t.max_write_buffers) cf.max_write_buffer_number = t.max_write_buffers;
        if (t.level0_files_to_compact) {
          cf.level0_file_num_compaction_trigger = t.level0_files_to_compact;
          cf.level0_slowdown_writes_trigger = std::max(cf.level0_slowdown_writes_trigger, 3 * t.level0_files_to_compact);
          cf.level0_stop_writes_trigger = std::max(cf.level0_stop_writes_trigger, 5 * t.level0_files_to_compact);
        }
        if (t.level1_bytes) cf.max_bytes_for_level_base = t.level1_bytes;
        if (t.fast_compression) {
          for (auto c : rocksdb::GetSupportedCompressions())
            if (c == rocksdb::kLZ4Compression) cf.compression = rocksdb::kLZ4Compression;
        }
        if (t.point_lookup_filter) {
          cf.memtable_prefix_bloom_size_ratio = 0.02;
          cf.memtable_whole_key_filtering = true;
        }
      }
      cf_options[n] = cf;
      descriptors.emplace_back(n, cf);
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    rocksdb::DBOptions db_options(options);
    auto s = rocksdb::DB::Open(db_options, dir, descriptors, &handles, &db);
    if (!s.ok()) return Status::Internal("cannot open storage in " + dir + ": " + s.ToString());
    store->db_.reset(db);
    for (size_t i = 0; i < handles.size(); ++i)
      store->families_[names[i]] = {handles[i], unlogged[names[i]], rocksdb::Options(db_options, cf_options[names[i]])};
    // Sorted batches are written here, then moved into the store; leftovers of a crash go.
    store->ingest_dir_ = dir + "/ingest-tmp";
    std::error_code ec;
    std::filesystem::remove_all(store->ingest_dir_, ec);
    std::filesystem::create_directories(store->ingest_dir_, ec);
    if (ec) return Status::Internal("cannot create " + store->ingest_dir_ + ": " + ec.message());
    return std::unique_ptr<KvStore>(std::move(store));
  }

  const FamilyHandle& FamilyInfo(std::string_view name) const {
    auto it = families_.find(name);
    if (it == families_.end()) throw std::logic_error("unknown column family " + std::string(name));
    return it->second;
  }
  rocksdb::ColumnFamilyHandle* Family(std::string_view name) const { return FamilyInfo(name).handle; }

  Result<std::optional<std::string>> Get(std::string_view family, std::string_view key) override {
    return GetWith(rocksdb::ReadOptions(), family, key);
  }

  Result<std::optional<std::string>> GetDurable(std::string_view family, std::string_view key) override {
    rocksdb::ReadOptions ro;
    ro.read_tier = rocksdb::kPersistedTier;
    return GetWith(ro, family, key);
  }

  Status MultiGet(std::string_view family, const std::vector<std::string_view>& keys,
                  std::vector<std::optional<std::string>>* values) override {
    values->clear();
    values->resize(keys.size());
    if (keys.empty()) return Status::Ok();
    std::vector<rocksdb::Slice> slices;
    slices.reserve(keys.size());
    for (auto k : keys) slices.push_back(S(k));
    std::vector<rocksdb::PinnableSlice> got(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    db_->MultiGet(rocksdb::ReadOptions(), Family(family), keys.size(), slices.data(), got.data(),
                  statuses.data(), /*sorted_input=*/false);
    for (size_t i = 0; i < keys.size(); ++i) {
      if (statuses[i].IsNotFound()) continue;
      if (!statuses[i].ok()) return FromRocks(statuses[i]);
      (*values)[i].emplace(got[i].data(), got[i].size());
    }
    return Status::Ok();
  }

  std::unique_ptr<WriteBatch> NewBatch() override { return std::make_unique<RocksBatch>(this); }

  Status Write(WriteBatch& batch, bool sync) override {
    auto& b = static_cast<RocksBatch&>(batch);
    rocksdb::WriteOptions wo;
    if (b.unlogged()) {
      if (b.logged()) return Status::Internal("storage: a batch mixes logged and unlogged families");
      wo.disableWAL = true;
      OT_RETURN_IF_ERROR(FromRocks(db_->Write(wo, &b.batch())));
      if (!sync) return Status::Ok();
      rocksdb::FlushOptions fo;
      fo.wait = true;
      return FromRocks(db_->Flush(fo, b.unlogged_families()));
    }
    wo.sync = sync;
    return FromRocks(db_->Write(wo, &b.batch()));
  }

  Result<std::unique_ptr<SortedBatch>> NewSortedBatch(std::string_view family) override {
    const FamilyHandle& f = FamilyInfo(family);
    if (!f.unlogged) return Status::Internal("storage: sorted batches are for unlogged families");
    auto batch = std::make_unique<RocksSortedBatch>(
        f, ingest_dir_ + "/" + std::to_string(next_ingest_.fetch_add(1)) + ".sst");
    OT_RETURN_IF_ERROR(batch->Open());
    return std::unique_ptr<SortedBatch>(std::move(batch));
  }

  Status WriteSorted(SortedBatch& batch) override {
    auto& b = static_cast<RocksSortedBatch&>(batch);
    if (b.Count() == 0) return Status::Ok();
    OT_RETURN_IF_ERROR(FromRocks(b.writer().Finish()));
    rocksdb::IngestExternalFileOptions io;
    io.move_files = true;
    io.write_global_seqno = false;
    auto s = db_->IngestExternalFile(b.family().handle, {b.path()}, io);
    std::error_code ec;
    std::filesystem::remove(b.path(), ec);
    b.MarkDone();
    return FromRocks(s);
  }

  std::unique_ptr<Iterator> NewIterator(std::string_view family) override {
    rocksdb::ReadOptions ro;
    return std::make_unique<RocksIterator>(db_->NewIterator(ro, Family(family)));
  }

  Status Flush() override {
    std::vector<rocksdb::ColumnFamilyHandle*> all;
    for (auto& [n, h] : families_) all.push_back(h.handle);
    OT_RETURN_IF_ERROR(FromRocks(db_->Flush(rocksdb::FlushOptions(), all)));
    return FromRocks(db_->FlushWAL(true));
  }

  Status FlushFamily(std::string_view family, bool wait) override {
    rocksdb::FlushOptions fo;
    fo.wait = wait;
    fo.allow_write_stall = true;
    return FromRocks(db_->Flush(fo, Family(family)));
  }

  Status Compact(std::string_view family) override {
    rocksdb::CompactRangeOptions opts;
    return FromRocks(db_->CompactRange(opts, Family(family), nullptr, nullptr));
  }

 private:
  RocksStore() = default;
  std::vector<std::unique_ptr<ExpiryFilter>> filters_;  // outlive db_ (declared first)
  std::unique_ptr<rocksdb::DB> db_;
  Result<std::optional<std::string>> GetWith(const rocksdb::ReadOptions& ro, std::string_view family,
                                             std::string_view key) {
    std::string value;
    auto s = db_->Get(ro, Family(family), S(key), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromRocks(s);
    return std::optional<std::string>(std::move(value));
  }

  std::map<std::string, FamilyHandle, std::less<>> families_;
  std::string ingest_dir_;
  std::atomic<uint64_t> next_ingest_{0};
};

rocksdb::ColumnFamilyHandle* RocksBatch::Use(std::string_view family) {
  if (!last_ || family != last_name_) {
    last_ = &store_->FamilyInfo(family);
    last_name_.assign(family);
    if (last_->unlogged) {
      unlogged_ = true;
      if (std::find(unlogged_families_.begin(), unlogged_families_.end(), last_->handle) == unlogged_families_.end())
        unlogged_families_.push_back(last_->handle);
    } else {
      logged_ = true;
    }
  }
  return last_->handle;
}

void RocksBatch::Put(std::string_view family, std::string_view key, std::string_view value) {
  batch_.Put(Use(family), S(key), S(value));
}
void RocksBatch::Delete(std::string_view family, std::string_view key) {
  batch_.Delete(Use(family), S(key));
}
void RocksBatch::DeleteRange(std::string_view family, std::string_view begin,
                             std::string_view end) {
  batch_.DeleteRange(Use(family), S(begin), S(end));
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

void AppendU64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(b, 8);
}

std::string EncodeU64(uint64_t v) {
  std::string out;
  AppendU64(&out, v);
  return out;
}

uint64_t DecodeU64(std::string_view s) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

}  // namespace ot::storage
