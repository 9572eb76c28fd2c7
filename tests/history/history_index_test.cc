#include "history/history_index.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
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

TEST(HistoryIndexTest, EventIdLookupChecksScopeTimeSnapshotAndPaging) {
  Fixture fx;
  int64_t t = 1795000000000;
  ASSERT_TRUE(fx.journal->AppendBatch({Record("e1", t, "N"), Record("e2", t + 1000, "N", true, "eu-west-1"),
                                       Record("data", t, "GetObject", /*management=*/false)})
                  .ok());
  ASSERT_TRUE(fx.index->CatchUp().ok());
  auto by_id = [&](const std::string& id) {
    auto q = Query();
    q.attribute = std::make_pair(Attribute::kEventId, id);
    return q;
  };
  auto page = fx.index->Lookup(by_id("e1"), std::nullopt, 50);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->hits.size(), 1u);
  EXPECT_EQ(page->hits[0].record, Record("e1", t, "N"));
  EXPECT_EQ(page->hits[0].position.time_ms, t);
  EXPECT_EQ(page->hits[0].position.sequence, 1u);
  EXPECT_FALSE(page->more);
  EXPECT_TRUE(fx.index->Lookup(by_id("e2"), std::nullopt, 50)->hits.empty()) << "another region";
  EXPECT_TRUE(fx.index->Lookup(by_id("data"), std::nullopt, 50)->hits.empty()) << "data events are not in history";
  EXPECT_TRUE(*fx.index->HasEventId("111122223333", "data"));
  EXPECT_TRUE(fx.index->Lookup(by_id("nope"), std::nullopt, 50)->hits.empty());
  auto q = by_id("e1");
  q.category = Category::kInsight;
  EXPECT_TRUE(fx.index->Lookup(q, std::nullopt, 50)->hits.empty());
  q = by_id("e1");
  q.start_ms = t + 1;
  EXPECT_TRUE(fx.index->Lookup(q, std::nullopt, 50)->hits.empty());
  q = by_id("e1");
  q.end_ms = t - 1;
  EXPECT_TRUE(fx.index->Lookup(q, std::nullopt, 50)->hits.empty());
  q = by_id("e1");
  q.start_ms = q.end_ms = t;
  EXPECT_EQ(fx.index->Lookup(q, std::nullopt, 50)->hits.size(), 1u);
  q = by_id("e1");
  q.snapshot = 0;
  EXPECT_TRUE(fx.index->Lookup(q, std::nullopt, 50)->hits.empty());
  // A walk continues strictly after its last position.
  EXPECT_TRUE(fx.index->Lookup(by_id("e1"), Position{t, 1}, 50)->hits.empty());
  EXPECT_EQ(fx.index->Lookup(by_id("e1"), Position{t, 2}, 50)->hits.size(), 1u);
  EXPECT_EQ(fx.index->Lookup(by_id("e1"), Position{t + 1, 0}, 50)->hits.size(), 1u);
  EXPECT_TRUE(fx.index->Lookup(by_id("e1"), Position{t - 1, 9}, 50)->hits.empty());
  auto eu = by_id("e2");
  eu.region = "eu-west-1";
  EXPECT_EQ(fx.index->Lookup(eu, std::nullopt, 50)->hits.size(), 1u);
}

TEST(HistoryIndexTest, ImportDedupSeesPendingIdsBeforeTheyAreIndexed) {
  Fixture fx;
  ASSERT_TRUE(fx.index->CatchUp().ok());
  uint64_t first = 0;
  ASSERT_TRUE(fx.journal->AppendBatch({Record("p1", 1795000000000, "N"), Record("p2", 1795000000000, "N")}, &first).ok());
  EXPECT_FALSE(*fx.index->HasEventId("111122223333", "p1")) << "not indexed yet, not announced";
  fx.index->AddPending({{"111122223333", "p1"}, {"111122223333", "p2"}}, first + 1);
  std::vector<bool> known;
  ASSERT_TRUE(fx.index->HasEventIds({{"111122223333", "p1"}, {"111122223333", "x"}, {"999999999999", "p2"},
                                     {"111122223333", "p2"}},
                                    &known)
                  .ok());
  EXPECT_EQ(known, (std::vector<bool>{true, false, false, true}));
  ASSERT_TRUE(fx.index->CatchUp().ok());  // indexed: pending dropped, the store answers
  ASSERT_TRUE(fx.index->HasEventIds({{"111122223333", "p1"}, {"111122223333", "p2"}}, &known).ok());
  EXPECT_EQ(known, (std::vector<bool>{true, true}));
  // Many batches (the table grows and drops dead batches).
  std::vector<std::string> recs;
  for (int b = 0; b < 50; ++b) {
    std::vector<std::pair<std::string_view, std::string_view>> ids;
    std::vector<std::string> names;
    for (int i = 0; i < 100; ++i) names.push_back("b" + std::to_string(b) + "-" + std::to_string(i));
    for (auto& n : names) ids.emplace_back("111122223333", n);
    fx.index->AddPending(ids, fx.journal->LastSequence() + 1000 + b);
  }
  ASSERT_TRUE(fx.index->HasEventIds({{"111122223333", "b0-0"}, {"111122223333", "b49-99"}, {"111122223333", "b50-0"}},
                                    &known)
                  .ok());
  EXPECT_EQ(known, (std::vector<bool>{true, true, false}));
}

TEST(HistoryIndexTest, LargeBacklogIsIndexedLikeSmallBatches) {
  Fixture fx;
  std::vector<std::string> recs;
  int64_t t0 = 1795000000000;
  for (int i = 0; i < 60000; ++i)
    recs.push_back(Record("big" + std::to_string(i), t0 + (i % 977) * 1000, i % 5 ? "A" : "B", i % 11 != 0,
                          i % 3 ? "us-east-1" : "eu-west-1"));
  ASSERT_TRUE(fx.journal->AppendBatch(recs).ok());
  ASSERT_TRUE(fx.index->CatchUp().ok());
  EXPECT_EQ(fx.index->IndexedThrough(), 60000u);
  auto q = Query();
  q.attribute = std::make_pair(Attribute::kEventName, std::string("B"));
  std::vector<int> want;
  for (int i = 0; i < 60000; ++i)
    if (i % 5 == 0 && i % 11 != 0 && i % 3 != 0) want.push_back(i);
  std::sort(want.begin(), want.end(), [](int a, int b) {
    return std::make_pair(a % 977, a) > std::make_pair(b % 977, b);
  });
  std::vector<std::string> got;
  std::optional<Position> after;
  for (;;) {
    auto page = fx.index->Lookup(q, after, 50);
    ASSERT_TRUE(page.ok());
    for (auto& h : page->hits) got.push_back(h.record);
    if (!page->more) break;
    after = page->hits.back().position;
  }
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(got[i], recs[want[i]]) << i;
  EXPECT_TRUE(*fx.index->HasEventId("111122223333", "big0"));
  EXPECT_TRUE(*fx.index->HasEventId("111122223333", "big59999"));
}

// The history family skips the write-ahead log: a crash loses the index written since the
// last flush. The journal must keep those records (history's journal cursor only counts
// what is durable) and CatchUp re-indexes them.
TEST(HistoryIndexTest, CrashLosesUnflushedIndexWhichCatchUpRebuilds) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::optional<testing::TempDir> own;  // the child re-runs this test: it uses the parent's dir
  if (!std::getenv("OT_HISTORY_CRASH_DIR")) {
    own.emplace();
    setenv("OT_HISTORY_CRASH_DIR", own->path().c_str(), 1);
  }
  std::string dir = std::getenv("OT_HISTORY_CRASH_DIR");
  HistoryOptions opts{.retention_ms = 0};
  auto open_store = [&] {
    return std::move(*storage::OpenRocksDb(dir + "/db", std::vector<storage::FamilyOptions>{
                                                            {journal::kCursorFamily, nullptr}, HistoryIndex::Family(opts)}));
  };
  EXPECT_EXIT(
      {
        auto store = open_store();
        auto journal = std::move(*journal::Journal::Open(dir + "/journal", store.get()));
        HistoryIndex index(store.get(), journal.get(), opts);
        std::vector<std::string> first;
        std::vector<std::string> second;
        for (int i = 0; i < 10; ++i) first.push_back(Record("c" + std::to_string(i), 1795000000000 + i, "N"));
        for (int i = 10; i < 25; ++i) second.push_back(Record("c" + std::to_string(i), 1795000000000 + i, "N"));
        journal->AppendBatch(first);
        index.CatchUp();
        store->FlushFamily(kHistoryFamily, true);  // 1..10 durable
        journal->AppendBatch(second);
        index.CatchUp();  // 11..25 indexed, not durable
        _exit(index.IndexedThrough() == 25 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
  unsetenv("OT_HISTORY_CRASH_DIR");
  auto store = open_store();
  auto journal = std::move(*journal::Journal::Open(dir + "/journal", store.get()));
  EXPECT_EQ(*journal->Cursor("history"), 11u) << "the journal cursor counts only the durable index";
  EXPECT_FALSE(*HistoryIndex(store.get(), journal.get(), opts).HasEventId("111122223333", "c20"))
      << "the crash lost the unflushed index";
  HistoryIndex index(store.get(), journal.get(), opts);
  ASSERT_TRUE(index.CatchUp().ok());
  EXPECT_EQ(index.IndexedThrough(), 25u);
  auto page = index.Lookup(Query(), std::nullopt, 50);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->hits.size(), 25u);
  EXPECT_NE(page->hits[0].record.find("\"c24\""), std::string::npos);
  EXPECT_TRUE(*index.HasEventId("111122223333", "c20"));
}

TEST(HistoryIndexTest, IndexOfAnOlderLayoutIsRebuiltFromTheJournal) {
  testing::TempDir dir;
  HistoryOptions opts{.retention_ms = 0};
  auto store = std::move(*storage::OpenRocksDb(dir.path() + "/db", std::vector<storage::FamilyOptions>{
                                                                         {journal::kCursorFamily, nullptr}, HistoryIndex::Family(opts)}));
  auto journal = std::move(*journal::Journal::Open(dir.path() + "/journal", store.get()));
  ASSERT_TRUE(journal->AppendBatch({Record("old1", 1795000000000, "N"), Record("old2", 1795000001000, "N")}).ok());
  // What layout 1 left: keys without a layout marker, a cursor past everything.
  ASSERT_TRUE(store->Put(kHistoryFamily, "T111122223333us-east-1\0Mxxxxxxxxxxxxxxxx", "loc", false).ok());
  ASSERT_TRUE(store->Put(kHistoryFamily, kCursorKey, storage::EncodeU64(2), false).ok());
  HistoryIndex index(store.get(), journal.get(), opts);
  ASSERT_TRUE(index.CatchUp().ok());
  auto page = index.Lookup(Query(), std::nullopt, 50);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->hits.size(), 2u);
  EXPECT_FALSE(store->Get(kHistoryFamily, std::string_view("T111122223333us-east-1\0Mxxxxxxxxxxxxxxxx", 39))->has_value());
  EXPECT_TRUE(*index.HasEventId("111122223333", "old1"));
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
