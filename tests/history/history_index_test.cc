#include "history/history_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "common/time.h"
#include "test_util.h"

namespace ot::history {

namespace {

std::string Record(const std::string& id, int64_t time_ms, const std::string& name, bool management = true,
                   const std::string& region = "us-east-1", const std::string& account = "111122223333") {
  return R"({"eventVersion":"1.11","userIdentity":{"type":"Root","accountId":")" + account +
         R"(","accessKeyId":"AKIA1"},"eventTime":")" + FormatIso8601(time_ms / 1000) +
         R"(","eventSource":"sts.amazonaws.com","eventName":")" + name + R"(","awsRegion":")" + region +
         R"(","eventID":")" + id + R"(","readOnly":true,"managementEvent":)" + (management ? "true" : "false") +
         R"(,"recipientAccountId":")" + account + R"("})";
}

struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<storage::KvStore> store;
  std::unique_ptr<journal::Journal> journal;
  std::unique_ptr<HistoryIndex> index;
  explicit Fixture(HistoryOptions opts = {.retention_ms = 0}) {
    store = std::move(*storage::OpenRocksDb(dir.path() + "/db",
                                            std::vector<storage::FamilyOptions>{{journal::kCursorFamily, nullptr},
                                                                                HistoryIndex::Family(opts)}));
    journal = std::move(*journal::Journal::Open(dir.path() + "/journal", store.get()));
    index = std::make_unique<HistoryIndex>(store.get(), journal.get(), opts);
  }
};

LookupQuery Query() {
  LookupQuery q;
  q.account = "111122223333";
  q.region = "us-east-1";
  return q;
}

}  // namespace

TEST(HistoryIndexTest, NewestFirstWithAttributesRegionsAndNoDataEvents) {
  Fixture fx;
  std::vector<std::string> recs;
  int64_t t0 = 1795000000000;
  for (int i = 0; i < 30; ++i)
    recs.push_back(Record("id" + std::to_string(i), t0 + (i % 10) * 1000, i % 3 ? "A" : "B", i % 7 != 0,
                          i % 5 ? "us-east-1" : "eu-west-1"));
  ASSERT_TRUE(fx.journal->AppendBatch(recs).ok());
  ASSERT_TRUE(fx.index->CatchUp().ok());
  EXPECT_EQ(fx.index->IndexedThrough(), 30u);

  auto page = fx.index->Lookup(Query(), std::nullopt, 100);
  ASSERT_TRUE(page.ok());
  std::vector<int> want;
  for (int i = 0; i < 30; ++i)
    if (i % 7 != 0 && i % 5 != 0) want.push_back(i);
  // Newest first by time, ties newest commit first.
  std::sort(want.begin(), want.end(), [](int a, int b) {
    return std::make_pair(a % 10, a) > std::make_pair(b % 10, b);
  });
  ASSERT_EQ(page->hits.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(page->hits[i].record, recs[want[i]]);
  EXPECT_FALSE(page->more);

  auto q = Query();
  q.attribute = std::make_pair(Attribute::kEventName, std::string("B"));
  auto b = fx.index->Lookup(q, std::nullopt, 100);
  for (auto& h : b->hits) EXPECT_NE(h.record.find("\"eventName\":\"B\""), std::string::npos);
  EXPECT_EQ(b->hits.size(), 7u);  // i%3==0, i%7!=0, i%5!=0: 3,6,9,12,18,24,27

  auto dedup = fx.index->HasEventId("111122223333", "id0");  // a data event: deduplicated too
  ASSERT_TRUE(dedup.ok());
  EXPECT_TRUE(*dedup);
  EXPECT_FALSE(*fx.index->HasEventId("111122223333", "nope"));
  EXPECT_FALSE(*fx.index->HasEventId("999999999999", "id1"));
}

TEST(HistoryIndexTest, PagingWithSnapshotHasNoDuplicatesOrGaps) {
  Fixture fx;
  std::vector<std::string> recs;
  for (int i = 0; i < 100; ++i) recs.push_back(Record("p" + std::to_string(i), 1795000000000 + (i / 4) * 1000, "N"));
  ASSERT_TRUE(fx.journal->AppendBatch(recs).ok());
  ASSERT_TRUE(fx.index->CatchUp().ok());
  auto q = Query();
  q.snapshot = fx.journal->LastSequence();
  std::vector<std::string> seen;
  std::optional<Position> after;
  for (int pages = 0;; ++pages) {
    auto page = fx.index->Lookup(q, after, 7);
    ASSERT_TRUE(page.ok());
    for (auto& h : page->hits) seen.push_back(h.record);
    if (!page->more) break;
    EXPECT_EQ(page->hits.size(), 7u);
    after = page->hits.back().position;
    if (pages == 3) {  // events arriving mid-walk (even with old times) do not show up
      ASSERT_TRUE(fx.journal->AppendBatch({Record("late", 1795000000000 + 5000, "N")}).ok());
      ASSERT_TRUE(fx.index->CatchUp().ok());
    }
  }
  ASSERT_EQ(seen.size(), 100u);
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), 100u);
}

TEST(HistoryIndexTest, TimeRangeAndRetention) {
  HistoryOptions opts;
  opts.retention_ms = 3600'000;  // one hour
  Fixture fx(opts);
  int64_t now = NowMillis();
  ASSERT_TRUE(fx.journal->AppendBatch({Record("old", now - 2 * 3600'000, "N"), Record("recent", now - 60'000, "N"),
                                       Record("newer", now - 1000, "N")}).ok());
  ASSERT_TRUE(fx.index->CatchUp().ok());
  auto all = fx.index->Lookup(Query(), std::nullopt, 50);
  ASSERT_EQ(all->hits.size(), 2u) << "older than retention is outside history";
  auto q = Query();
  q.start_ms = now - 120'000;
  q.end_ms = now - 30'000;
  auto range = fx.index->Lookup(q, std::nullopt, 50);
  ASSERT_EQ(range->hits.size(), 1u);
  EXPECT_NE(range->hits[0].record.find("recent"), std::string::npos);
  // Compaction drops expired entries for good.
  ASSERT_TRUE(fx.store->Compact(kHistoryFamily).ok());
  auto it = fx.store->NewIterator(kHistoryFamily);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key()[0] != 'T') continue;
    int64_t t;
    uint64_t seq;
    DecodePosition(it->key(), &t, &seq);
    EXPECT_GE(t, now - 2 * 3600'000 + 1);
  }
}

TEST(HistoryIndexTest, ResumesFromItsCursorAfterRestart) {
  testing::TempDir dir;
  HistoryOptions opts{.retention_ms = 0};
  auto open_store = [&] {
    return std::move(*storage::OpenRocksDb(dir.path() + "/db", std::vector<storage::FamilyOptions>{
                                                                   {journal::kCursorFamily, nullptr}, HistoryIndex::Family(opts)}));
  };
  {
    auto store = open_store();
    auto journal = std::move(*journal::Journal::Open(dir.path() + "/journal", store.get()));
    HistoryIndex index(store.get(), journal.get(), opts);
    ASSERT_TRUE(journal->AppendBatch({Record("a", 1795000000000, "N")}).ok());
    ASSERT_TRUE(index.CatchUp().ok());
    ASSERT_TRUE(journal->AppendBatch({Record("b", 1795000001000, "N")}).ok());
  }
  auto store = open_store();
  auto journal = std::move(*journal::Journal::Open(dir.path() + "/journal", store.get()));
  HistoryIndex index(store.get(), journal.get(), opts);
  ASSERT_TRUE(index.CatchUp().ok());
  auto page = index.Lookup(Query(), std::nullopt, 50);
  ASSERT_EQ(page->hits.size(), 2u);
  EXPECT_NE(page->hits[0].record.find("\"b\""), std::string::npos);
}

TEST(IndexKeysTest, AttributeValuesNeverShareAPrefix) {
  std::string scope = ScopePrefix("111122223333", "us-east-1", Category::kManagement);
  auto a = AttributePrefix(scope, Attribute::kEventName, "Get");
  auto b = AttributePrefix(scope, Attribute::kEventName, "GetObject");
  auto c = AttributePrefix(scope, Attribute::kEventName, std::string("Get\0x", 5));
  EXPECT_NE(b.substr(0, a.size()), a);
  EXPECT_NE(c.substr(0, a.size()), a);
  int64_t t;
  uint64_t s;
  DecodePosition(WithPosition(a, 1795000000123, 42), &t, &s);
  EXPECT_EQ(t, 1795000000123);
  EXPECT_EQ(s, 42u);
  EXPECT_LT(WithPosition(a, 2000, 1), WithPosition(a, 1000, 9)) << "newer sorts first";
}

}  // namespace ot::history
