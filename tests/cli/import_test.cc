// Unit tests of the pure parts of `opentrail import`: file discovery, splitting of
// oversized files, IngestRecords response parsing, aggregation and the summary text.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>

#include "cli/api_client.h"
#include "test_util.h"

namespace ot::cli {
namespace {

namespace fs = std::filesystem;

void WriteFile(const fs::path& p, std::string_view content) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << content;
}

TEST(ImportFileName, JsonAndJsonGz) {
  EXPECT_TRUE(IsLogFileName("a.json"));
  EXPECT_TRUE(IsLogFileName("123_CloudTrail_us-east-1_20261130T0000Z_abc.json.gz"));
  EXPECT_TRUE(IsLogFileName("UPPER.JSON"));
  EXPECT_TRUE(IsLogFileName("x.Json.Gz"));
  EXPECT_FALSE(IsLogFileName("README.md"));
  EXPECT_FALSE(IsLogFileName("a.json.bak"));
  EXPECT_FALSE(IsLogFileName("a.gz"));
  EXPECT_FALSE(IsLogFileName("a.jsonl"));
  EXPECT_FALSE(IsLogFileName(".json"));  // no name before the extension
  EXPECT_FALSE(IsLogFileName(""));
}

TEST(ImportDiscovery, WalksFoldersRecursivelySortedAndSkipsOthers) {
  testing::TempDir dir;
  fs::path root = dir.path();
  WriteFile(root / "logs/2026/11/30/b.json.gz", "x");
  WriteFile(root / "logs/2026/11/30/a.json", "x");
  WriteFile(root / "logs/2026/12/01/c.json", "x");
  WriteFile(root / "logs/README.md", "x");
  WriteFile(root / "logs/2026/notes.txt", "x");
  WriteFile(root / "logs/2026/digest.json.gz.sig", "x");
  fs::create_directories(root / "logs/empty");
  WriteFile(root / "other.json", "x");

  DiscoveredFiles found = DiscoverFiles({(root / "logs").string()});
  std::vector<std::string> expected = {
      (root / "logs/2026/11/30/a.json").string(),
      (root / "logs/2026/11/30/b.json.gz").string(),
      (root / "logs/2026/12/01/c.json").string(),
  };
  EXPECT_EQ(found.files, expected);
  EXPECT_EQ(found.skipped, 3u);
  EXPECT_TRUE(found.errors.empty());
}

TEST(ImportDiscovery, ExplicitFilesMissingPathsAndDuplicates) {
  testing::TempDir dir;
  fs::path root = dir.path();
  WriteFile(root / "d/x.json", "x");
  WriteFile(root / "d/sub/y.json.gz", "x");
  WriteFile(root / "notes.log", "x");

  // A folder and a file inside it, the folder with a trailing slash, an explicit file with
  // another extension, and a missing path.
  DiscoveredFiles found = DiscoverFiles({(root / "d").string() + "/", (root / "d/x.json").string(),
                                         (root / "notes.log").string(),
                                         (root / "missing").string()});
  std::vector<std::string> expected = {
      (root / "d/sub/y.json.gz").string(),
      (root / "d/x.json").string(),
      (root / "notes.log").string(),
  };
  EXPECT_EQ(found.files, expected);
  ASSERT_EQ(found.errors.size(), 1u);
  EXPECT_EQ(found.errors[0].first, (root / "missing").string());
  EXPECT_FALSE(found.errors[0].second.empty());
}

TEST(ImportDiscovery, SymlinkedFoldersAreNotFollowed) {
  testing::TempDir dir;
  fs::path root = dir.path();
  WriteFile(root / "d/a.json", "x");
  std::error_code ec;
  fs::create_directory_symlink(root / "d", root / "d/loop", ec);
  if (ec) GTEST_SKIP() << "no symlinks here";
  DiscoveredFiles found = DiscoverFiles({(root / "d").string()});
  EXPECT_EQ(found.files, std::vector<std::string>{(root / "d/a.json").string()});
}

TEST(ImportDiscovery, UnreadableFolderIsReportedAndTheWalkGoesOn) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads everything";
  testing::TempDir dir;
  fs::path root = dir.path();
  WriteFile(root / "d/locked/a.json", "x");
  WriteFile(root / "d/open/b.json", "x");
  fs::permissions(root / "d/locked", fs::perms::none);
  DiscoveredFiles found = DiscoverFiles({(root / "d").string()});
  fs::permissions(root / "d/locked", fs::perms::owner_all);
  EXPECT_EQ(found.files, std::vector<std::string>{(root / "d/open/b.json").string()});
  ASSERT_EQ(found.errors.size(), 1u);
  EXPECT_EQ(found.errors[0].first, (root / "d/locked").string());
}

// --- Splitting ---------------------------------------------------------------------------

std::vector<std::string> Spans(std::string_view bytes, const std::vector<RecordSpan>& spans) {
  std::vector<std::string> out;
  for (const auto& s : spans) out.emplace_back(bytes.substr(s.offset, s.size));
  return out;
}

TEST(ImportSplit, RecordsOfOneLogObject) {
  std::string file =
      "\xEF\xBB\xBF {\"Other\": {\"Records\": [9]}, \"Records\" : [ {\"eventID\":\"a\",\"x\":\"]}\\\"\"},"
      "\n {\"eventID\":\"b\",\"n\":[1,{\"y\":2}]} ], \"Tail\": \"t\"}\n";
  std::vector<RecordSpan> spans;
  ASSERT_TRUE(SplitRecords(file, &spans));
  EXPECT_EQ(Spans(file, spans),
            (std::vector<std::string>{"{\"eventID\":\"a\",\"x\":\"]}\\\"\"}",
                                      "{\"eventID\":\"b\",\"n\":[1,{\"y\":2}]}"}));
}

TEST(ImportSplit, ConcatenatedObjectsAndBareArrays) {
  std::string file = "{\"Records\":[{\"a\":1}]}\n{\"Records\":[]}\n{\"Records\":[{\"b\":2},{\"c\":3}]}";
  std::vector<RecordSpan> spans;
  ASSERT_TRUE(SplitRecords(file, &spans));
  EXPECT_EQ(Spans(file, spans), (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"}));

  std::string array = "[{\"a\":1}, {\"b\":2}]";
  ASSERT_TRUE(SplitRecords(array, &spans));
  EXPECT_EQ(Spans(array, spans), (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
}

TEST(ImportSplit, RejectsOtherShapes) {
  std::vector<RecordSpan> spans;
  EXPECT_FALSE(SplitRecords("", &spans));
  EXPECT_FALSE(SplitRecords("   ", &spans));
  EXPECT_FALSE(SplitRecords("{\"NotRecords\":[]}", &spans));
  EXPECT_FALSE(SplitRecords("{}", &spans));
  EXPECT_FALSE(SplitRecords("{\"Records\":[{\"a\":1}", &spans));   // truncated
  EXPECT_FALSE(SplitRecords("{\"Records\":[{\"a\":1}]", &spans));  // unterminated object
  EXPECT_FALSE(SplitRecords("{\"Records\":[{\"a\":1]}]}", &spans)); // mismatched brackets
  EXPECT_FALSE(SplitRecords("{\"Records\":[1,,2]}", &spans));
  EXPECT_FALSE(SplitRecords("\x1f\x8b\x08", &spans));               // gzip
  EXPECT_FALSE(SplitRecords("hello", &spans));
}

TEST(ImportSplit, PartsStayUnderTheLimitAndKeepIndexes) {
  std::string file = "{\"Records\":[";
  for (int i = 0; i < 10; ++i) {
    if (i) file += ",";
    file += "{\"eventID\":\"e" + std::to_string(i) + "\"}";  // 16 bytes each
  }
  file += "]}";
  std::vector<RecordSpan> spans;
  ASSERT_TRUE(SplitRecords(file, &spans));
  ASSERT_EQ(spans.size(), 10u);

  // Room for 3 records: 14 bytes of envelope + 3*16 + 2 commas = 64.
  std::vector<PartRange> parts;
  ASSERT_TRUE(PlanParts(spans, 64, &parts));
  ASSERT_EQ(parts.size(), 4u);
  size_t next = 0;
  for (const auto& p : parts) {
    EXPECT_EQ(p.first_index, next);
    next += p.count;
    std::string body = PartBody(file, spans, p);
    EXPECT_LE(body.size(), 64u);
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    ASSERT_FALSE(ec) << body;
    const auto& records = v.at("Records").as_array();
    ASSERT_EQ(records.size(), p.count);
    EXPECT_EQ(records[0].at("eventID").as_string(), "e" + std::to_string(p.first_index));
  }
  EXPECT_EQ(next, 10u);
  EXPECT_EQ(parts.back().count, 1u);

  // One record bigger than the limit cannot be sent.
  EXPECT_FALSE(PlanParts(spans, 20, &parts));
  // Everything fits in one part.
  ASSERT_TRUE(PlanParts(spans, 1 << 20, &parts));
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].count, 10u);
}

// --- Responses and summary --------------------------------------------------------------

TEST(ImportResponse, ParsesCountsAndErrors) {
  auto r = ParseIngestResponse(
      R"({"Accepted": 7, "Duplicates": 2, "Rejected": 2, "Errors": [
            {"Index": 3, "EventId": "e-3", "Message": "eventTime: expected YYYY-MM-DDTHH:MM:SSZ"},
            {"Index": 5, "Message": "not an object"}], "ErrorsTruncated": false})",
      "logs/a.json", 100);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->accepted, 7u);
  EXPECT_EQ(r->duplicates, 2u);
  EXPECT_EQ(r->rejected, 2u);
  ASSERT_EQ(r->errors.size(), 2u);
  EXPECT_EQ(r->errors[0].file, "logs/a.json");
  EXPECT_EQ(r->errors[0].index, 103u);
  EXPECT_EQ(r->errors[0].event_id, "e-3");
  EXPECT_EQ(r->errors[1].index, 105u);
  EXPECT_EQ(r->errors[1].event_id, "");
  EXPECT_EQ(r->errors[1].message, "not an object");
}

TEST(ImportResponse, RejectsBadBodies) {
  EXPECT_EQ(ParseIngestResponse("not json", "f").status().code(), kErrBadResponse);
  EXPECT_EQ(ParseIngestResponse("[]", "f").status().code(), kErrBadResponse);
  EXPECT_EQ(ParseIngestResponse("{\"Duplicates\":1}", "f").status().code(), kErrBadResponse);
  auto minimal = ParseIngestResponse("{\"Accepted\":3}", "f");
  ASSERT_TRUE(minimal.ok());
  EXPECT_EQ(minimal->accepted, 3u);
  EXPECT_EQ(minimal->rejected, 0u);
}

IngestResult Result3(uint64_t accepted, uint64_t dup, const std::string& file,
                     std::vector<uint64_t> rejected_indexes, uint64_t extra_rejected = 0) {
  IngestResult r;
  r.accepted = accepted;
  r.duplicates = dup;
  r.rejected = rejected_indexes.size() + extra_rejected;
  for (auto i : rejected_indexes) {
    r.errors.push_back({file, i, "id-" + std::to_string(i), "bad record " + std::to_string(i)});
  }
  return r;
}

TEST(ImportSummary, AggregatesAndExitCodes) {
  ImportSummary s(3);
  EXPECT_EQ(s.ExitCode(), 0);
  s.AddFileResult("a.json", Result3(10, 1, "a.json", {}));
  s.AddFileResult("b.json", Result3(5, 0, "b.json", {}));
  EXPECT_EQ(s.ExitCode(), 0);
  EXPECT_EQ(s.accepted(), 15u);
  EXPECT_EQ(s.duplicates(), 1u);
  EXPECT_EQ(s.files_done(), 2u);
  s.AddFileResult("c.json", Result3(1, 0, "c.json", {4}));
  EXPECT_EQ(s.ExitCode(), 2);
  EXPECT_EQ(s.rejected(), 1u);
  EXPECT_EQ(s.records_processed(), 18u);
  s.AddFailedFile("d.json", "InvalidLogFile: not JSON");
  EXPECT_EQ(s.ExitCode(), 1);
  EXPECT_EQ(s.files_done(), 4u);
  EXPECT_EQ(s.files_failed(), 1u);

  ImportSummary unreachable(5);
  unreachable.AddNotSent(5);
  EXPECT_EQ(unreachable.ExitCode(), 1);
}

TEST(ImportSummary, PartialResultsOfAFailedSplitFileCount) {
  ImportSummary s(1);
  IngestResult partial = Result3(100, 3, "big.json", {7});
  s.AddFailedFile("big.json", "part 2/3: InternalFailure", &partial);
  EXPECT_EQ(s.files_ok(), 0u);
  EXPECT_EQ(s.files_failed(), 1u);
  EXPECT_EQ(s.accepted(), 100u);
  EXPECT_EQ(s.rejected(), 1u);
  EXPECT_EQ(s.listed_rejections().size(), 1u);
  EXPECT_EQ(s.ExitCode(), 1);
}

TEST(ImportSummary, ListsTheFirstRejectionsInFileOrderThenAndNMore) {
  ImportSummary s(3);
  // Files finish out of order; the listing is by (file, index) whatever the order.
  std::vector<uint64_t> many;
  for (uint64_t i = 0; i < 15; ++i) many.push_back(i);
  s.AddFileResult("z.json", Result3(0, 0, "z.json", many));
  s.AddFileResult("a.json", Result3(1, 0, "a.json", {9, 2}, /*extra_rejected=*/5));  // truncated list
  s.AddFileResult("m.json", Result3(2, 0, "m.json", {1, 0, 3}));
  EXPECT_EQ(s.rejected(), 15u + 7u + 3u);
  const auto& listed = s.listed_rejections();
  ASSERT_EQ(listed.size(), ImportSummary::kMaxListedRejections);
  EXPECT_EQ(listed[0].file, "a.json");
  EXPECT_EQ(listed[0].index, 2u);
  EXPECT_EQ(listed[1].index, 9u);
  EXPECT_EQ(listed[2].file, "m.json");
  EXPECT_EQ(listed[2].index, 0u);
  EXPECT_EQ(listed[5].file, "z.json");
  EXPECT_EQ(listed[19].file, "z.json");
  EXPECT_EQ(listed[19].index, 14u);

  std::string text = s.Format(2.0);
  EXPECT_NE(text.find("files:       3 (3 read)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("imported:    3 records\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rejected:    25\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  a.json:2: bad record 2 (eventID id-2)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  z.json:14: bad record 14 (eventID id-14)\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("z.json:15:"), std::string::npos) << text;
  EXPECT_NE(text.find("  and 5 more\n"), std::string::npos) << text;
  EXPECT_NE(text.find("elapsed:     2.00 s, 14 records/s\n"), std::string::npos) << text;
}

TEST(ImportSummary, FormatsFailuresAndNotSent) {
  ImportSummary s(4);
  s.AddFileResult("a.json", Result3(1000, 10, "a.json", {}));
  s.AddFailedFile("c.json", "InvalidLogFile: expected {\"Records\":[...]}");
  s.AddFailedFile("b.json", "ConnectionFailed: cannot connect");
  s.AddNotSent(1);
  std::string text = s.Format(0.5);
  EXPECT_NE(text.find("files:       4 (1 read, 2 failed, 1 not sent)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("duplicates:  10\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rejected:    0\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("rejected records"), std::string::npos) << text;
  // Failed files sorted by path.
  auto b = text.find("  b.json: ConnectionFailed: cannot connect\n");
  auto c = text.find("  c.json: InvalidLogFile: expected {\"Records\":[...]}\n");
  ASSERT_NE(b, std::string::npos) << text;
  ASSERT_NE(c, std::string::npos) << text;
  EXPECT_LT(b, c);
  EXPECT_NE(text.find("elapsed:     0.50 s, 2020 records/s\n"), std::string::npos) << text;

  EXPECT_EQ(s.ProgressLine(0.5),
            "files 3/4  records 1000  2020 rec/s  duplicates 10  rejected 0  failed files 2");
}

TEST(ImportSummary, JsonIsValidAndComplete) {
  ImportSummary s(2);
  s.AddFileResult("a.json", Result3(4, 1, "a.json", {2}, 3));
  s.AddFailedFile("b \"quoted\".json", "InvalidLogFile: bad");
  boost::system::error_code ec;
  auto v = boost::json::parse(s.FormatJson(1.0), ec);
  ASSERT_FALSE(ec);
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("Files").as_int64(), 2);
  EXPECT_EQ(o.at("FilesRead").as_int64(), 1);
  EXPECT_EQ(o.at("FilesFailed").as_int64(), 1);
  EXPECT_EQ(o.at("Accepted").as_int64(), 4);
  EXPECT_EQ(o.at("Duplicates").as_int64(), 1);
  EXPECT_EQ(o.at("Rejected").as_int64(), 4);
  EXPECT_EQ(o.at("RejectionsNotListed").as_int64(), 3);
  EXPECT_EQ(o.at("Rejections").as_array().at(0).at("Index").as_int64(), 2);
  EXPECT_EQ(o.at("FailedFiles").as_array().at(0).at("File").as_string(), "b \"quoted\".json");
}

}  // namespace
}  // namespace ot::cli
