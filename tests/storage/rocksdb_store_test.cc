#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <optional>

#include "storage/kv_store.h"
#include "test_util.h"

namespace ot::storage {

TEST(RocksDbStoreTest, PutGetIterateBatchAndReopen) {
  testing::TempDir dir;
  {
    auto store = OpenRocksDb(dir.path(), std::vector<std::string>{"a", "b"});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto& s = **store;
    ASSERT_TRUE(s.Put("a", "k1", "v1", true).ok());
    auto batch = s.NewBatch();
    for (uint64_t i = 0; i < 10; ++i) batch->Put("b", EncodeU64(i), std::to_string(i));
    batch->Put("a", "k2", "v2");
    EXPECT_EQ(batch->Count(), 11u);
    ASSERT_TRUE(s.Write(*batch, true).ok());
    auto got = s.Get("a", "k1");
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(**got, "v1");
    EXPECT_FALSE(s.Get("a", "missing")->has_value());
    EXPECT_FALSE(s.Get("b", "k1")->has_value()) << "families are separate keyspaces";

    auto it = s.NewIterator("b");
    uint64_t expect = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) EXPECT_EQ(DecodeU64(it->key()), expect++);
    EXPECT_EQ(expect, 10u);
    it->SeekForPrev(EncodeU64(5) + "x");
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(DecodeU64(it->key()), 5u);

    auto del = s.NewBatch();
    del->DeleteRange("b", EncodeU64(0), EncodeU64(5));
    ASSERT_TRUE(s.Write(*del, true).ok());
  }
  auto store = OpenRocksDb(dir.path(), std::vector<std::string>{"a"});  // "b" still opens: it exists on disk
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto it = (*store)->NewIterator("b");
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(DecodeU64(it->key()), 5u);
  EXPECT_EQ(*(*store)->Get("a", "k2").value(), "v2");
}

TEST(RocksDbStoreTest, MultiGetReadsManyKeysInOrder) {
  testing::TempDir dir;
  auto store = std::move(*OpenRocksDb(dir.path(), std::vector<std::string>{"a"}));
  auto batch = store->NewBatch();
  for (int i = 0; i < 100; i += 2) batch->Put("a", "k" + std::to_string(i), "v" + std::to_string(i));
  ASSERT_TRUE(store->Write(*batch, false).ok());
  std::vector<std::string> keys;
  for (int i = 99; i >= 0; --i) keys.push_back("k" + std::to_string(i));
  keys.push_back("k10");  // asked twice
  std::vector<std::string_view> views(keys.begin(), keys.end());
  std::vector<std::optional<std::string>> values;
  ASSERT_TRUE(store->MultiGet("a", views, &values).ok());
  ASSERT_EQ(values.size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    int n = std::stoi(keys[i].substr(1));
    if (n % 2 == 0) {
      ASSERT_TRUE(values[i].has_value()) << keys[i];
      EXPECT_EQ(*values[i], "v" + std::to_string(n));
    } else {
      EXPECT_FALSE(values[i].has_value()) << keys[i];
    }
  }
  ASSERT_TRUE(store->MultiGet("a", {}, &values).ok());
  EXPECT_TRUE(values.empty());
}

namespace {
std::vector<FamilyOptions> LoggedAndUnlogged() {
  FamilyOptions unlogged("u");
  unlogged.unlogged = true;
  return {FamilyOptions("l"), unlogged};
}
}  // namespace

TEST(RocksDbStoreTest, UnloggedFamilyIsDurableOnlyOnceFlushed) {
  testing::TempDir dir;
  auto store = std::move(*OpenRocksDb(dir.path(), LoggedAndUnlogged()));
  ASSERT_TRUE(store->Put("u", "k", "1", /*sync=*/false).ok());
  EXPECT_EQ(**store->Get("u", "k"), "1");
  EXPECT_FALSE(store->GetDurable("u", "k")->has_value()) << "only in the write buffer";
  ASSERT_TRUE(store->FlushFamily("u", /*wait=*/true).ok());
  EXPECT_EQ(**store->GetDurable("u", "k"), "1");
  // sync on an unlogged family flushes it.
  ASSERT_TRUE(store->Put("u", "k", "2", /*sync=*/true).ok());
  EXPECT_EQ(**store->GetDurable("u", "k"), "2");
  // One batch may not mix logged and unlogged families.
  auto mixed = store->NewBatch();
  mixed->Put("l", "k", "x");
  mixed->Put("u", "k", "x");
  EXPECT_FALSE(store->Write(*mixed, false).ok());
  EXPECT_EQ(**store->Get("u", "k"), "2");
  EXPECT_FALSE(store->Get("l", "k")->has_value());
}

TEST(RocksDbStoreTest, SortedBatchIsVisibleDurableAndNewerThanEarlierWrites) {
  testing::TempDir dir;
  auto store = std::move(*OpenRocksDb(dir.path(), LoggedAndUnlogged()));
  ASSERT_TRUE(store->Put("u", "k05", "old", false).ok());  // in the write buffer
  ASSERT_TRUE(store->Put("u", "zz", "kept", false).ok());
  auto sorted = store->NewSortedBatch("u");
  ASSERT_TRUE(sorted.ok()) << sorted.status().ToString();
  for (int i = 0; i < 10; ++i) {
    char key[8];
    std::snprintf(key, sizeof key, "k%02d", i);
    ASSERT_TRUE((*sorted)->Put(key, "new" + std::to_string(i)).ok());
  }
  EXPECT_FALSE((*sorted)->Put("k00", "x").ok()) << "keys must ascend";
  EXPECT_EQ((*sorted)->Count(), 10u);
  ASSERT_TRUE(store->WriteSorted(**sorted).ok());
  EXPECT_EQ(**store->Get("u", "k05"), "new5");
  EXPECT_EQ(**store->GetDurable("u", "k09"), "new9");
  EXPECT_EQ(**store->Get("u", "zz"), "kept");
  auto it = store->NewIterator("u");
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  EXPECT_EQ(n, 11);
  auto empty = store->NewSortedBatch("u");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(store->WriteSorted(**empty).ok());
  EXPECT_FALSE(store->NewSortedBatch("l").ok()) << "sorted batches are for unlogged families";
  auto abandoned = store->NewSortedBatch("u");  // dropped unwritten: no trace
  ASSERT_TRUE((*abandoned)->Put("a", "b").ok());
  abandoned->reset();
  EXPECT_FALSE(store->Get("u", "a")->has_value());
}

// A crash (the process dies without closing the store) loses an unlogged family's unflushed
// writes, never logged ones.
TEST(RocksDbStoreTest, CrashLosesOnlyUnflushedUnloggedWrites) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // The child re-runs this test from the start: it must use the parent's directory.
  std::optional<testing::TempDir> own;
  if (!std::getenv("OT_STORE_CRASH_DIR")) {
    own.emplace();
    setenv("OT_STORE_CRASH_DIR", own->path().c_str(), 1);
  }
  std::string dir = std::getenv("OT_STORE_CRASH_DIR");
  EXPECT_EXIT(
      {
        auto store = std::move(*OpenRocksDb(dir, LoggedAndUnlogged()));
        store->Put("u", "flushed", "1", false);
        store->FlushFamily("u", true);
        store->Put("u", "unflushed", "1", false);
        store->Put("l", "logged", "1", true);
        _exit(0);
      },
      ::testing::ExitedWithCode(0), "");
  unsetenv("OT_STORE_CRASH_DIR");
  auto store = std::move(*OpenRocksDb(dir, LoggedAndUnlogged()));
  EXPECT_TRUE(store->Get("u", "flushed")->has_value());
  EXPECT_FALSE(store->Get("u", "unflushed")->has_value());
  EXPECT_TRUE(store->Get("l", "logged")->has_value());
}

TEST(RocksDbStoreTest, BigEndianKeysSortNumerically) {
  EXPECT_LT(EncodeU64(255), EncodeU64(256));
  EXPECT_LT(EncodeU64(1), EncodeU64(UINT64_MAX));
  EXPECT_EQ(DecodeU64(EncodeU64(0x0102030405060708ULL)), 0x0102030405060708ULL);
}

}  // namespace ot::storage
