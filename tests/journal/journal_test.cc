#include "journal/journal.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include <zlib.h>

#include "journal/segment_file.h"
#include "test_util.h"

namespace ot::journal {

namespace {
struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<storage::KvStore> store;
  std::unique_ptr<Journal> journal;

  explicit Fixture(JournalOptions options = {}) { Reopen(options); }
  void Reopen(JournalOptions options = {}) {
    journal.reset();
    store.reset();
    auto s = storage::OpenRocksDb(dir.path() + "/db", std::vector<std::string>{kCursorFamily});
    EXPECT_TRUE(s.ok());
    store = std::move(*s);
    auto j = Journal::Open(dir.path() + "/journal", store.get(), options);
    EXPECT_TRUE(j.ok()) << j.status().ToString();
    journal = std::move(*j);
  }
  std::vector<Entry> ReadAll() {
    std::vector<Entry> out;
    EXPECT_TRUE(journal->Read(0, 1 << 30, &out).ok());
    return out;
  }
};

std::vector<std::string> Records(int n, const std::string& prefix = "r") {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i) + std::string(i % 7 * 50, 'x'));
  return out;
}
}  // namespace

TEST(SegmentFileTest, FramesRoundTripAndDetectCorruption) {
  std::string buf;
  AppendFrame(&buf, 42, "hello");
  AppendFrame(&buf, 43, "");
  FrameView f;
  ASSERT_TRUE(ParseFrame(buf, &f));
  EXPECT_EQ(f.sequence, 42u);
  EXPECT_EQ(f.payload, "hello");
  ASSERT_TRUE(ParseFrame(std::string_view(buf).substr(f.frame_size), &f));
  EXPECT_EQ(f.sequence, 43u);
  EXPECT_EQ(f.payload, "");
  for (size_t cut = 0; cut < kFrameHeaderSize + 5; ++cut) EXPECT_FALSE(ParseFrame(std::string_view(buf).substr(0, cut), &f));
  std::string bad = buf;
  bad[kFrameHeaderSize + 1] ^= 1;
  EXPECT_FALSE(ParseFrame(bad, &f));
  uint64_t first;
  EXPECT_TRUE(ParseSegmentFileName(SegmentFileName(123), &first));
  EXPECT_EQ(first, 123u);
  EXPECT_FALSE(ParseSegmentFileName("seg-x.log", &first));
}

// Frames carry zlib's CRC-32 of (sequence bytes ‖ payload); journals written before the
// checksum moved to libdeflate must still open, and the other way round.
TEST(SegmentFileTest, FrameChecksumIsZlibCrc32) {
  std::string payload;
  for (int i = 0; i < 5000; ++i) payload.push_back(static_cast<char>((i * 131) ^ (i >> 3)));
  for (size_t len : {size_t{0}, size_t{1}, size_t{15}, size_t{64}, size_t{1000}, payload.size()}) {
    std::string frame;
    uint64_t seq = 0x0102030405060708ULL + len;
    AppendFrame(&frame, seq, std::string_view(payload).substr(0, len));
    uLong want = crc32(0L, reinterpret_cast<const Bytef*>(frame.data() + 8), 8);
    want = crc32_z(want, reinterpret_cast<const Bytef*>(payload.data()), len);
    uint32_t got = 0;
    for (int i = 3; i >= 0; --i) got = (got << 8) | static_cast<uint8_t>(frame[4 + i]);
    EXPECT_EQ(got, static_cast<uint32_t>(want)) << len;
    // A frame checksummed by zlib parses.
    for (int i = 0; i < 4; ++i) frame[4 + i] = static_cast<char>((want >> (8 * i)) & 0xff);
    FrameView f;
    ASSERT_TRUE(ParseFrame(frame, &f)) << len;
    EXPECT_EQ(f.sequence, seq);
    EXPECT_EQ(f.payload, std::string_view(payload).substr(0, len));
  }
}

TEST(JournalTest, ConcurrentAppendsGetDenseOrderedSequencesAfterDurability) {
  Fixture fx;
  constexpr int kThreads = 8, kPerThread = 300;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<uint64_t> seqs;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::promise<void> p;
        fx.journal->Append("r" + std::to_string(t) + "-" + std::to_string(i), [&](const Status& s, uint64_t seq) {
          EXPECT_TRUE(s.ok());
          EXPECT_GE(fx.journal->LastSequence(), seq) << "completion runs only once durable";
          std::lock_guard lock(mu);
          seqs.insert(seq);
          p.set_value();
        });
        p.get_future().wait();
      }
    });
  for (auto& t : threads) t.join();
  ASSERT_EQ(seqs.size(), size_t(kThreads * kPerThread));
  EXPECT_EQ(*seqs.begin(), 1u);
  EXPECT_EQ(*seqs.rbegin(), uint64_t(kThreads * kPerThread));
  auto entries = fx.ReadAll();
  ASSERT_EQ(entries.size(), size_t(kThreads * kPerThread));
  for (size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(entries[i].sequence, i + 1);
}

TEST(JournalTest, SurvivesReopenAcrossSegmentsAndReadsByLocation) {
  JournalOptions small;
  small.segment_bytes = 4096;  // many segments
  Fixture fx(small);
  auto recs = Records(500);
  for (size_t i = 0; i < recs.size(); i += 37)
    ASSERT_TRUE(fx.journal->AppendBatch(std::vector<std::string>(recs.begin() + i, recs.begin() + std::min(recs.size(), i + 37))).ok());
  fx.Reopen(small);
  EXPECT_EQ(fx.journal->LastSequence(), 500u);
  auto entries = fx.ReadAll();
  ASSERT_EQ(entries.size(), 500u);
  for (size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].record, recs[i]);
    auto at = fx.journal->ReadAt(entries[i].location);
    ASSERT_TRUE(at.ok());
    EXPECT_EQ(*at, recs[i]);
  }
  // Reads starting anywhere return exactly the tail.
  for (uint64_t from : {1u, 2u, 17u, 250u, 499u, 500u, 501u}) {
    std::vector<Entry> part;
    ASSERT_TRUE(fx.journal->Read(from, 1000, &part).ok());
    EXPECT_EQ(part.size(), from > 500 ? 0u : 501 - from);
    if (!part.empty()) EXPECT_EQ(part.front().sequence, from);
  }
  uint64_t first = 0;
  ASSERT_TRUE(fx.journal->AppendBatch({"next"}, &first).ok());
  EXPECT_EQ(first, 501u);
}

TEST(JournalTest, TornTailIsCutOffAtOpen) {
  Fixture fx;
  ASSERT_TRUE(fx.journal->AppendBatch(Records(10)).ok());
  fx.journal.reset();
  std::string seg = fx.dir.path() + "/journal/" + SegmentFileName(1);
  auto size = std::filesystem::file_size(seg);
  {
    std::ofstream out(seg, std::ios::app | std::ios::binary);
    std::string partial;
    AppendFrame(&partial, 11, "a record whose write was interrupted");
    out.write(partial.data(), static_cast<std::streamsize>(partial.size() / 2));
  }
  fx.Reopen();
  EXPECT_EQ(fx.journal->LastSequence(), 10u);
  EXPECT_EQ(std::filesystem::file_size(seg), size);
  uint64_t first = 0;
  ASSERT_TRUE(fx.journal->AppendBatch({"after"}, &first).ok());
  EXPECT_EQ(first, 11u);
  EXPECT_EQ(fx.ReadAll().back().record, "after");
}

TEST(JournalTest, CorruptSealedSegmentRefusesToOpen) {
  JournalOptions small;
  small.segment_bytes = 512;
  Fixture fx(small);
  ASSERT_TRUE(fx.journal->AppendBatch(Records(50)).ok());
  ASSERT_TRUE(fx.journal->AppendBatch(Records(50)).ok());
  fx.journal.reset();
  std::string seg = fx.dir.path() + "/journal/" + SegmentFileName(1);
  {
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f.put('#');
  }
  auto j = Journal::Open(fx.dir.path() + "/journal", fx.store.get(), small);
  EXPECT_FALSE(j.ok()) << "a damaged sealed segment must not be silently dropped";
}

TEST(JournalTest, CursorsFloorsAndTrimBySegment) {
  JournalOptions small;
  small.segment_bytes = 1024;
  Fixture fx(small);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(fx.journal->AppendBatch(Records(10)).ok());
  EXPECT_EQ(fx.journal->LastSequence(), 200u);
  EXPECT_EQ(*fx.journal->Trim(), 0u) << "no consumer: nothing trimmed";
  fx.journal->RegisterConsumer("history");
  fx.journal->RegisterConsumer("delivery");
  EXPECT_EQ(*fx.journal->Cursor("history"), 1u);
  ASSERT_TRUE(fx.journal->CommitCursor("history", 150).ok());
  EXPECT_EQ(*fx.journal->Trim(), 0u) << "delivery has read nothing yet";
  auto batch = fx.store->NewBatch();
  Journal::PutCursor(*batch, "delivery", 120);
  ASSERT_TRUE(fx.store->Write(*batch, true).ok());
  fx.journal->SetRetentionFloor("history-window", 60);
  uint64_t removed = *fx.journal->Trim();
  EXPECT_GT(removed, 0u);
  EXPECT_LE(fx.journal->FirstSequence(), 60u);
  auto entries = fx.ReadAll();
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries.front().sequence, fx.journal->FirstSequence());
  EXPECT_EQ(entries.back().sequence, 200u);
  fx.journal->SetRetentionFloor("history-window", UINT64_MAX);
  fx.Reopen(small);
  fx.journal->RegisterConsumer("history");
  ASSERT_TRUE(fx.journal->CommitCursor("history", 201).ok());
  ASSERT_TRUE(fx.journal->CommitCursor("delivery", 201).ok());
  fx.journal->RegisterConsumer("delivery");
  fx.journal->Trim();
  uint64_t first = 0;
  ASSERT_TRUE(fx.journal->AppendBatch({"x"}, &first).ok());
  EXPECT_EQ(first, 201u) << "sequence numbers are never reused";
}

TEST(JournalTest, StopRunsPendingCompletions) {
  Fixture fx;
  std::atomic<int> completed{0};
  for (int i = 0; i < 100; ++i) fx.journal->Append("x", [&](const Status&, uint64_t) { completed++; });
  fx.journal->Stop();
  EXPECT_EQ(completed.load(), 100);
  bool refused = false;
  fx.journal->Append("late", [&](const Status& s, uint64_t) { refused = !s.ok(); });
  EXPECT_TRUE(refused);
}

}  // namespace ot::journal
