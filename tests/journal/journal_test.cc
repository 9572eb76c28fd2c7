#include "journal/journal.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "test_util.h"

namespace ot::journal {

namespace {
std::unique_ptr<storage::KvStore> OpenStore(const std::string& dir) {
  auto s = storage::OpenRocksDb(dir, {kJournalFamily, kCursorFamily});
  EXPECT_TRUE(s.ok());
  return std::move(*s);
}
}  // namespace

TEST(JournalTest, ConcurrentAppendsGetDenseOrderedSequencesAfterDurability) {
  testing::TempDir dir;
  auto store = OpenStore(dir.path());
  auto j = Journal::Open(store.get());
  ASSERT_TRUE(j.ok());
  constexpr int kThreads = 8, kPerThread = 500;
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<uint64_t> seqs;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::promise<void> p;
        (*j)->Append("r" + std::to_string(t) + "-" + std::to_string(i),
                     [&](const Status& s, uint64_t seq) {
                       EXPECT_TRUE(s.ok());
                       // Durable before completion: the record is readable now.
                       EXPECT_GE((*j)->LastSequence(), seq);
                       std::lock_guard lock(mu);
                       seqs.insert(seq);
                       done++;
                       p.set_value();
                     });
        p.get_future().wait();
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(done.load(), kThreads * kPerThread);
  EXPECT_EQ(seqs.size(), size_t(kThreads * kPerThread));
  EXPECT_EQ(*seqs.begin(), 1u);
  EXPECT_EQ(*seqs.rbegin(), uint64_t(kThreads * kPerThread));
  std::vector<Entry> entries;
  ASSERT_TRUE((*j)->Read(1, 100000, &entries).ok());
  ASSERT_EQ(entries.size(), size_t(kThreads * kPerThread));
  for (size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(entries[i].sequence, i + 1);
}

TEST(JournalTest, SurvivesReopenAndContinuesNumbering) {
  testing::TempDir dir;
  {
    auto store = OpenStore(dir.path());
    auto j = Journal::Open(store.get());
    ASSERT_TRUE((*j)->AppendBatch({"a", "b", "c"}).ok());
  }
  auto store = OpenStore(dir.path());
  auto j = Journal::Open(store.get());
  EXPECT_EQ((*j)->LastSequence(), 3u);
  uint64_t first = 0;
  ASSERT_TRUE((*j)->AppendBatch({"d"}, &first).ok());
  EXPECT_EQ(first, 4u);
  std::vector<Entry> entries;
  ASSERT_TRUE((*j)->Read(3, 10, &entries).ok());
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].record, "c");
  EXPECT_EQ(entries[1].record, "d");
}

TEST(JournalTest, CursorsAndTrim) {
  testing::TempDir dir;
  auto store = OpenStore(dir.path());
  auto j = Journal::Open(store.get());
  std::vector<std::string> recs;
  for (int i = 0; i < 10; ++i) recs.push_back("r" + std::to_string(i));
  ASSERT_TRUE((*j)->AppendBatch(recs).ok());

  // No consumer: nothing is trimmed.
  EXPECT_EQ(*(*j)->Trim(), 0u);
  (*j)->RegisterConsumer("history");
  (*j)->RegisterConsumer("delivery");
  EXPECT_EQ(*(*j)->Cursor("history"), 1u);
  ASSERT_TRUE((*j)->CommitCursor("history", 8).ok());
  EXPECT_EQ(*(*j)->Trim(), 0u) << "delivery has read nothing yet";
  auto batch = store->NewBatch();
  Journal::PutCursor(*batch, "delivery", 5);
  ASSERT_TRUE(store->Write(*batch, true).ok());
  EXPECT_EQ(*(*j)->Trim(), 4u);
  EXPECT_EQ((*j)->FirstSequence(), 5u);
  std::vector<Entry> entries;
  ASSERT_TRUE((*j)->Read(1, 100, &entries).ok());
  ASSERT_EQ(entries.size(), 6u);
  EXPECT_EQ(entries.front().sequence, 5u);
}

TEST(JournalTest, NumberingSurvivesFullTrimAndReopen) {
  testing::TempDir dir;
  {
    auto store = OpenStore(dir.path());
    auto j = Journal::Open(store.get());
    ASSERT_TRUE((*j)->AppendBatch({"a", "b"}).ok());
    (*j)->RegisterConsumer("c");
    ASSERT_TRUE((*j)->CommitCursor("c", 3).ok());
    EXPECT_EQ(*(*j)->Trim(), 2u);
  }
  auto store = OpenStore(dir.path());
  auto j = Journal::Open(store.get());
  uint64_t first = 0;
  ASSERT_TRUE((*j)->AppendBatch({"c"}, &first).ok());
  EXPECT_EQ(first, 3u) << "sequence numbers are never reused";
}

TEST(JournalTest, StopRunsPendingCompletions) {
  testing::TempDir dir;
  auto store = OpenStore(dir.path());
  auto j = Journal::Open(store.get());
  std::atomic<int> completed{0};
  for (int i = 0; i < 100; ++i) (*j)->Append("x", [&](const Status&, uint64_t) { completed++; });
  (*j)->Stop();
  EXPECT_EQ(completed.load(), 100);
  bool refused = false;
  (*j)->Append("late", [&](const Status& s, uint64_t) { refused = !s.ok(); });
  EXPECT_TRUE(refused);
}

}  // namespace ot::journal
