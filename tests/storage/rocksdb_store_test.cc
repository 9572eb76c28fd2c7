#include <gtest/gtest.h>

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

TEST(RocksDbStoreTest, BigEndianKeysSortNumerically) {
  EXPECT_LT(EncodeU64(255), EncodeU64(256));
  EXPECT_LT(EncodeU64(1), EncodeU64(UINT64_MAX));
  EXPECT_EQ(DecodeU64(EncodeU64(0x0102030405060708ULL)), 0x0102030405060708ULL);
}

}  // namespace ot::storage
