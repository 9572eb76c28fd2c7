#include "ingest/log_file.h"

#include <gtest/gtest.h>
#include <libdeflate.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

#include "common/time.h"

namespace ot::ingest {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string RealDataRoot() {
  if (const char* env = std::getenv("OPENTRAIL_REAL_CLOUDTRAIL")) return env;
  return "/work/shared/data/real-cloudtrail";
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<fs::path> JsonFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string GzipMember(std::string_view data, int level = 6) {
  libdeflate_compressor* c = libdeflate_alloc_compressor(level);
  std::string out(libdeflate_gzip_compress_bound(c, data.size()), '\0');
  size_t n = libdeflate_gzip_compress(c, data.data(), data.size(), out.data(), out.size());
  libdeflate_free_compressor(c);
  out.resize(n);
  return out;
}

// True when no whitespace appears outside strings.
bool IsMinified(std::string_view s) {
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      return false;
    }
  }
  return true;
}

std::string ErrorsToString(const ParsedFile& f) {
  std::string s;
  for (const auto& e : f.errors) s += "#" + std::to_string(e.index) + " " + e.message + "\n";
  return s;
}

// A complete, valid record.
json::object GoodRecord(int i = 0) {
  json::object o = json::parse(R"({"eventVersion":"1.08",
    "userIdentity":{"type":"IAMUser","principalId":"AIDAQ3EXAMPLE7UCEN5X","arn":"arn:aws:iam::111122223333:user/alice",
      "accountId":"111122223333","accessKeyId":"AKIAQ3EXAMPLEKEYID01","userName":"alice"},
    "eventTime":"2023-07-10T12:20:01Z","eventSource":"cloudtrail.amazonaws.com","eventName":"CreateTrail",
    "awsRegion":"us-east-1","sourceIPAddress":"198.51.100.23","userAgent":"aws-cli/1.45.11",
    "requestParameters":{"name":"audit","isMultiRegionTrail":true,"n":[1,-2.5e3,0]},
    "responseElements":null,"requestID":"7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "eventID":"x","readOnly":false,
    "resources":[{"accountId":"111122223333","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::audit-logs"}],
    "eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333",
    "eventCategory":"Management"})")
                       .as_object();
  char id[40];
  std::snprintf(id, sizeof id, "e3b2a1c4-5d6e-4f70-8192-%012d", i);
  o["eventID"] = id;
  return o;
}

std::string Wrap(const std::vector<std::string>& records) {
  std::string s = "{\"Records\":[";
  for (size_t i = 0; i < records.size(); ++i) {
    if (i) s += ',';
    s += records[i];
  }
  return s + "]}";
}

// good, bad, good → parse; returns the file.
ParsedFile ParseWithBadMiddle(const std::string& bad, const Limits& limits = Limits()) {
  std::string file = Wrap({json::serialize(GoodRecord(1)), bad, json::serialize(GoodRecord(3))});
  ParsedFile f;
  Status s = ParseLogFile(file, limits, &f);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return f;
}

// Expects exactly record 1 rejected with a message containing `field`.
void ExpectRejected(const json::object& bad, const std::string& field, const std::string& label) {
  SCOPED_TRACE(label);
  ParsedFile f = ParseWithBadMiddle(json::serialize(bad));
  EXPECT_EQ(f.total, 3u);
  ASSERT_EQ(f.records.size(), 2u) << ErrorsToString(f);
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].index, 1u);
  EXPECT_NE(f.errors[0].message.find(field), std::string::npos)
      << "message: " << f.errors[0].message << " should name " << field;
  if (bad.contains("eventID") && bad.at("eventID").is_string()) {
    EXPECT_EQ(f.errors[0].event_id, bad.at("eventID").as_string().c_str());
  }
  EXPECT_EQ(f.records[0].event_id, GoodRecord(1).at("eventID").as_string().c_str());
  EXPECT_EQ(f.records[1].event_id, GoodRecord(3).at("eventID").as_string().c_str());
  EXPECT_EQ(f.records[0].index, 0u);
  EXPECT_EQ(f.records[1].index, 2u);

  // The single-record entry point agrees.
  AcceptedRecord rec;
  std::string error;
  EXPECT_FALSE(ValidateRecordJson(json::serialize(bad), Limits(), &rec, &error));
  EXPECT_NE(error.find(field), std::string::npos) << error;
}

void ExpectAccepted(const json::object& rec, const std::string& label) {
  SCOPED_TRACE(label);
  ParsedFile f = ParseWithBadMiddle(json::serialize(rec));
  EXPECT_EQ(f.records.size(), 3u) << ErrorsToString(f);
  EXPECT_TRUE(f.errors.empty());
  AcceptedRecord out;
  std::string error;
  EXPECT_TRUE(ValidateRecordJson(json::serialize(rec), Limits(), &out, &error)) << error;
}

json::object With(json::object o, const std::string& key, json::value v) {
  o[key] = std::move(v);
  return o;
}
json::object Without(json::object o, const std::string& key) {
  o.erase(key);
  return o;
}
json::object WithIdentity(const std::string& key, json::value v) {
  json::object o = GoodRecord(2);
  o["userIdentity"].as_object()[key] = std::move(v);
  return o;
}

Status ParseStatus(std::string_view bytes, const Limits& limits = Limits()) {
  ParsedFile f;
  return ParseLogFile(bytes, limits, &f);
}

// ---------------------------------------------------------------------------------------
// Real AWS files.

struct Expected {
  std::string event_id, account, region;
  int64_t time_ms;
  json::value value;
};

std::vector<Expected> ExpectedRecords(const std::string& text) {
  json::value doc = json::parse(text);
  json::array& arr = doc.is_array() ? doc.as_array() : doc.as_object()["Records"].as_array();
  std::vector<Expected> out;
  for (auto& r : arr) {
    auto& o = r.as_object();
    out.push_back({json::value_to<std::string>(o.at("eventID")),
                   json::value_to<std::string>(o.at("recipientAccountId")),
                   json::value_to<std::string>(o.at("awsRegion")),
                   *ParseIso8601Millis(json::value_to<std::string>(o.at("eventTime"))), r});
  }
  return out;
}

void ExpectSameResult(const ParsedFile& a, const ParsedFile& b) {
  ASSERT_EQ(a.total, b.total);
  ASSERT_EQ(a.records.size(), b.records.size());
  ASSERT_EQ(a.errors.size(), b.errors.size());
  for (size_t i = 0; i < a.records.size(); ++i) {
    EXPECT_EQ(a.records[i].json, b.records[i].json);
    EXPECT_EQ(a.records[i].event_id, b.records[i].event_id);
    EXPECT_EQ(a.records[i].event_time_ms, b.records[i].event_time_ms);
  }
}

TEST(LogFileRealDataTest, EveryRealRecordIsAcceptedVerbatim) {
  fs::path root = RealDataRoot();
  if (!fs::exists(root)) GTEST_SKIP() << root << " not present";
  struct Dataset {
    const char* dir;
    size_t records;
    bool wrapped;
  };
  const Dataset datasets[] = {{"invictus-aws-dataset", 2900, true},
                              {"stratus-detonation-logs", 310, false}};
  size_t all = 0;
  for (const auto& ds : datasets) {
    size_t count = 0;
    for (const auto& path : JsonFiles(root / ds.dir)) {
      SCOPED_TRACE(path.string());
      std::string text = ReadFile(path);
      ParsedFile f;
      Status s = ParseLogFile(text, Limits(), &f);
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_TRUE(f.errors.empty()) << ErrorsToString(f);
      std::vector<Expected> want = ExpectedRecords(text);
      ASSERT_EQ(f.records.size(), want.size());
      EXPECT_EQ(f.total, want.size());
      for (size_t i = 0; i < want.size(); ++i) {
        const AcceptedRecord& r = f.records[i];
        EXPECT_EQ(r.index, i);
        EXPECT_EQ(r.event_id, want[i].event_id);
        EXPECT_EQ(r.account_id, want[i].account);
        EXPECT_EQ(r.region, want[i].region);
        EXPECT_EQ(r.event_time_ms, want[i].time_ms);
        EXPECT_FALSE(r.insight);
        EXPECT_TRUE(IsMinified(r.json)) << r.json;
        EXPECT_EQ(json::parse(r.json), want[i].value) << "record " << i << " content changed";
        // Single-record validation agrees.
        AcceptedRecord single;
        std::string error;
        ASSERT_TRUE(ValidateRecordJson(r.json, Limits(), &single, &error)) << error;
        EXPECT_EQ(single.json, r.json);
      }
      if (ds.wrapped) {
        // AWS's compact files: the records are byte-for-byte the file's own text.
        std::vector<std::string> raw;
        for (const auto& r : f.records) raw.push_back(r.json);
        std::string rebuilt = Wrap(raw);
        std::string_view original = text;
        while (!original.empty() && (original.back() == '\n' || original.back() == '\r'))
          original.remove_suffix(1);
        EXPECT_EQ(rebuilt, original);
      }
      // gzip gives identical results.
      ParsedFile gz;
      ASSERT_TRUE(ParseLogFile(GzipMember(text), Limits(), &gz).ok());
      ExpectSameResult(f, gz);
      count += f.records.size();
    }
    EXPECT_EQ(count, ds.records) << ds.dir;
    all += count;
  }
  EXPECT_EQ(all, 3210u);
}

TEST(LogFileRealDataTest, ConcatenatedAndMultiMemberGzip) {
  fs::path dir = fs::path(RealDataRoot()) / "invictus-aws-dataset";
  if (!fs::exists(dir)) GTEST_SKIP() << dir << " not present";
  std::vector<fs::path> files = JsonFiles(dir);
  ASSERT_GE(files.size(), 3u);
  std::string a = ReadFile(files[0]), b = ReadFile(files[1]), c = ReadFile(files[3]);
  ParsedFile fa, fb, fc;
  ASSERT_TRUE(ParseLogFile(a, Limits(), &fa).ok());
  ASSERT_TRUE(ParseLogFile(b, Limits(), &fb).ok());
  ASSERT_TRUE(ParseLogFile(c, Limits(), &fc).ok());
  auto check = [&](const std::string& bytes, const char* label) {
    SCOPED_TRACE(label);
    ParsedFile f;
    Status s = ParseLogFile(bytes, Limits(), &f);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_EQ(f.records.size(), fa.records.size() + fb.records.size() + fc.records.size());
    EXPECT_EQ(f.records.front().json, fa.records.front().json);
    EXPECT_EQ(f.records[fa.records.size()].json, fb.records.front().json);
    EXPECT_EQ(f.records.back().json, fc.records.back().json);
  };
  auto trim = [](std::string s) {
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  };
  check(a + b + c, "newline separated (NDJSON)");
  check(trim(a) + trim(b) + trim(c), "directly concatenated");
  check(trim(a) + "  \r\n\t" + trim(b) + " " + c, "whitespace separated");
  check(GzipMember(a) + GzipMember(b) + GzipMember(c), "multi-member gzip");
  check(GzipMember(a + b + c, 1), "one gzip member");
  // A mixture of the object and bare-array shapes.
  std::string arr = "[" + fc.records[0].json + "]";
  ParsedFile mixed;
  ASSERT_TRUE(ParseLogFile(a + arr, Limits(), &mixed).ok());
  EXPECT_EQ(mixed.records.size(), fa.records.size() + 1);

  // Gunzip API: multi-member where the last member's ISIZE understates the total.
  std::string out;
  ASSERT_TRUE(Gunzip(GzipMember(a) + GzipMember(b) + GzipMember("x"), 1 << 30, &out).ok());
  EXPECT_EQ(out, a + b + "x");
  EXPECT_TRUE(IsGzip(GzipMember(a)));
  EXPECT_FALSE(IsGzip(a));
}

// ---------------------------------------------------------------------------------------
// Record validation.

TEST(LogFileValidationTest, AcceptsValidVariants) {
  ExpectAccepted(GoodRecord(2), "baseline");
  for (const char* v : {"1.0", "1.01", "1.08", "1.09", "1.10", "1.11", "1.99", "1.123"})
    ExpectAccepted(With(GoodRecord(2), "eventVersion", v), std::string("eventVersion ") + v);
  for (const char* t : {"2023-07-10T12:20:01.123Z", "2023-07-10T12:20:01.5Z", "2024-02-29T23:59:59Z"})
    ExpectAccepted(With(GoodRecord(2), "eventTime", t), std::string("eventTime ") + t);
  ExpectAccepted(With(GoodRecord(2), "awsRegion", "megov-northeast-1r"), "anonymized region");
  ExpectAccepted(With(GoodRecord(2), "requestParameters", nullptr), "requestParameters null");
  ExpectAccepted(With(GoodRecord(2), "responseElements", json::object{{"ok", true}}),
                 "responseElements object");
  ExpectAccepted(Without(GoodRecord(2), "userIdentity"), "no userIdentity");
  ExpectAccepted(Without(GoodRecord(2), "resources"), "no resources");
  ExpectAccepted(With(GoodRecord(2), "resources", json::array{}), "empty resources");
  ExpectAccepted(WithIdentity("accountId", "ANONYMOUS_PRINCIPAL"), "anonymous S3 caller");
  ExpectAccepted(WithIdentity("arn", "arn:aws-cn:sts::111122223333:assumed-role/r/s:with:colons"),
                 "arn with colons in the resource");
  json::object unknown = GoodRecord(2);
  unknown["someFutureField"] = json::parse(R"({"a":[1,2,{"b":null}],"c":"\u00e9\n"})");
  ExpectAccepted(unknown, "unknown fields");
  // A minimal Insights record: no eventSource/eventName/userIdentity.
  json::object insight = json::parse(R"({"eventVersion":"1.07","eventTime":"2023-07-10T12:00:00Z",
      "awsRegion":"us-east-1","eventID":"4d7c3d4a-0000-0000-0000-000000000001",
      "eventType":"AwsCloudTrailInsight","recipientAccountId":"111122223333",
      "sharedEventID":"s","insightDetails":{"state":"Start"},"eventCategory":"Insight"})")
                             .as_object();
  ExpectAccepted(insight, "insight");
  ExpectAccepted(Without(insight, "eventType"), "insight by eventCategory only");
  ExpectAccepted(Without(insight, "eventCategory"), "insight by eventType only");
  AcceptedRecord rec;
  std::string error;
  ASSERT_TRUE(ValidateRecordJson(json::serialize(insight), Limits(), &rec, &error)) << error;
  EXPECT_TRUE(rec.insight);
  EXPECT_EQ(rec.event_time_ms, *ParseIso8601Millis("2023-07-10T12:00:00Z"));
  ExpectRejected(With(Without(insight, "eventCategory"), "eventType", "AwsApiCall"), "eventSource",
                 "non-insight without eventSource");
}

TEST(LogFileValidationTest, RejectsEachRuleViolation) {
  // Required fields: missing, wrong type, bad content.
  for (const char* f : {"eventVersion", "eventID", "eventTime", "eventSource", "eventName",
                        "awsRegion", "recipientAccountId"}) {
    ExpectRejected(Without(GoodRecord(2), f), f, std::string("missing ") + f);
    ExpectRejected(With(GoodRecord(2), f, 5), f, std::string("number ") + f);
    ExpectRejected(With(GoodRecord(2), f, nullptr), f, std::string("null ") + f);
    ExpectRejected(With(GoodRecord(2), f, ""), f, std::string("empty ") + f);
  }
  for (const char* v : {"2.0", "0.9", "1", "1.", ".8", "1.x", "v1.08", "1.08.1", "11.0", " 1.08"})
    ExpectRejected(With(GoodRecord(2), "eventVersion", v), "eventVersion",
                   std::string("eventVersion ") + v);
  ExpectRejected(With(GoodRecord(2), "eventVersion", 1.08), "eventVersion", "numeric version");
  for (const char* t : {"yesterday", "2023-07-10 12:20:01", "2023-07-10T12:20:01", "2023-13-10T12:20:01Z",
                        "2023-07-10T25:20:01Z", "2023-07-10T12:20:01.Z", "20230710T122001Z"})
    ExpectRejected(With(GoodRecord(2), "eventTime", t), "eventTime", std::string("eventTime ") + t);
  for (const char* a : {"11112222333", "1111222233334", "11112222333x", "abcdefghijkl"})
    ExpectRejected(With(GoodRecord(2), "recipientAccountId", a), "recipientAccountId",
                   std::string("recipientAccountId ") + a);
  ExpectRejected(With(GoodRecord(2), "recipientAccountId", 111122223333LL), "recipientAccountId",
                 "numeric account");
  ExpectRejected(With(GoodRecord(2), "eventSource", json::array{}), "eventSource", "array eventSource");

  // Optional fields: types.
  ExpectRejected(With(GoodRecord(2), "userIdentity", "alice"), "userIdentity", "string identity");
  ExpectRejected(With(GoodRecord(2), "userIdentity", nullptr), "userIdentity", "null identity");
  ExpectRejected(With(GoodRecord(2), "userIdentity", json::array{}), "userIdentity", "array identity");
  ExpectRejected(WithIdentity("accountId", "1234"), "userIdentity.accountId", "short accountId");
  ExpectRejected(WithIdentity("accountId", 111122223333LL), "userIdentity.accountId", "numeric accountId");
  for (const char* arn : {"alice", "arn:aws:iam::111122223333", "arn::iam::111122223333:user/a",
                          "ARN:aws:iam::111122223333:user/a", ""})
    ExpectRejected(WithIdentity("arn", arn), "userIdentity.arn", std::string("arn ") + arn);
  ExpectRejected(WithIdentity("arn", json::object{}), "userIdentity.arn", "object arn");
  for (const char* k : {"readOnly", "managementEvent"}) {
    ExpectRejected(With(GoodRecord(2), k, "true"), k, std::string("string ") + k);
    ExpectRejected(With(GoodRecord(2), k, 1), k, std::string("number ") + k);
    ExpectRejected(With(GoodRecord(2), k, nullptr), k, std::string("null ") + k);
  }
  ExpectRejected(With(GoodRecord(2), "resources", json::object{}), "resources", "object resources");
  ExpectRejected(With(GoodRecord(2), "resources", json::array{1}), "resources[0]", "number resource");
  ExpectRejected(With(GoodRecord(2), "resources",
                      json::parse(R"([{"ARN":"arn:aws:s3:::ok"},{"ARN":"bucket"}])")),
                 "resources[1].ARN", "bad resource ARN");
  ExpectRejected(With(GoodRecord(2), "resources", json::parse(R"([{"ARN":5}])")), "resources[0].ARN",
                 "numeric resource ARN");
  for (const char* k : {"requestParameters", "responseElements"}) {
    ExpectRejected(With(GoodRecord(2), k, "x"), k, std::string("string ") + k);
    ExpectRejected(With(GoodRecord(2), k, json::array{}), k, std::string("array ") + k);
    ExpectRejected(With(GoodRecord(2), k, false), k, std::string("bool ") + k);
  }
  ExpectRejected(With(GoodRecord(2), "eventType", 5), "eventType", "numeric eventType");
  ExpectRejected(With(GoodRecord(2), "eventCategory", true), "eventCategory", "bool eventCategory");
}

TEST(LogFileValidationTest, MessagesQuoteTheBadValue) {
  ParsedFile f = ParseWithBadMiddle(json::serialize(With(GoodRecord(2), "eventTime", "yesterday")));
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].message, "eventTime: expected YYYY-MM-DDTHH:MM:SSZ, got \"yesterday\"");
  EXPECT_EQ(f.errors[0].event_id, "e3b2a1c4-5d6e-4f70-8192-000000000002");
  f = ParseWithBadMiddle(json::serialize(With(GoodRecord(2), "eventVersion", "2.0")));
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].message, "eventVersion: expected \"1.x\", got \"2.0\"");
  f = ParseWithBadMiddle(json::serialize(Without(GoodRecord(2), "eventID")));
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].message, "eventID: missing (required)");
  EXPECT_EQ(f.errors[0].event_id, "");
  // Long and odd values are truncated and escaped in the message.
  f = ParseWithBadMiddle(
      json::serialize(With(GoodRecord(2), "recipientAccountId", json::string(std::string(500, 'x') + "\"\n"))));
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_LT(f.errors[0].message.size(), 160u);
}

TEST(LogFileValidationTest, DuplicateKeysAndNonObjectRecords) {
  std::string good = json::serialize(GoodRecord(2));
  std::string dup = good.substr(0, good.size() - 1) + ",\"eventID\":\"other\"}";
  ParsedFile f = ParseWithBadMiddle(dup);
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_NE(f.errors[0].message.find("eventID"), std::string::npos);
  for (const char* bad : {"5", "\"text\"", "[]", "null", "true", "[{\"eventID\":\"x\"}]"}) {
    SCOPED_TRACE(bad);
    f = ParseWithBadMiddle(bad);
    ASSERT_EQ(f.errors.size(), 1u);
    EXPECT_EQ(f.errors[0].index, 1u);
    EXPECT_NE(f.errors[0].message.find("record"), std::string::npos);
    EXPECT_EQ(f.records.size(), 2u);
  }
  // Bare array form; error indexes run across documents.
  std::string two = "[" + good + ",7]\n[" + good + ",{}]";
  ASSERT_TRUE(ParseLogFile(two, Limits(), &f).ok());
  EXPECT_EQ(f.total, 4u);
  ASSERT_EQ(f.errors.size(), 2u);
  EXPECT_EQ(f.errors[0].index, 1u);
  EXPECT_EQ(f.errors[1].index, 3u);
  ASSERT_EQ(f.records.size(), 2u);
  EXPECT_EQ(f.records[0].index, 0u);
  EXPECT_EQ(f.records[1].index, 2u);
  EXPECT_NE(f.errors[1].message.find("missing"), std::string::npos);
}

TEST(LogFileValidationTest, MalformedRecordIsRejectedAlone) {
  std::string good = json::serialize(GoodRecord(2));
  std::string open = good.substr(0, good.size() - 1);
  const std::pair<std::string, std::string> cases[] = {
      {open + ",\"x\":tru}", "bad literal"},
      {open + ",\"x\":nulll}", "bad null"},
      {open + ",\"x\":01}", "leading zero"},
      {open + ",\"x\":1.}", "bad fraction"},
      {open + ",\"x\":-}", "lone minus"},
      {open + ",\"x\":[1 2]}", "missing comma in an array"},
      {open + ",\"x\":[1,]}", "trailing comma in an array"},
      {open + " \"x\":1}", "missing comma between fields"},
      {open + ",\"x\" 1}", "missing colon"},
      {open + ",\"x\":\"\\q\"}", "bad escape"},
      {open + ",\"x\":\"\\ud800\"}", "lone surrogate escape"},
      {open + ",\"x\":[1},\"y\":{\"z\":2]}", "mismatched bracket kinds"},
      {open + ",1:2}", "non-string key"},
  };
  for (const auto& [bad, label] : cases) {
    SCOPED_TRACE(label);
    ParsedFile f = ParseWithBadMiddle(bad);
    EXPECT_EQ(f.records.size(), 2u);
    ASSERT_EQ(f.errors.size(), 1u) << ErrorsToString(f);
    EXPECT_EQ(f.errors[0].index, 1u);
    EXPECT_NE(f.errors[0].message.find("record: "), std::string::npos) << f.errors[0].message;
    AcceptedRecord rec;
    std::string error;
    EXPECT_FALSE(ValidateRecordJson(bad, Limits(), &rec, &error));
  }
  // Numbers beyond 64-bit/double range are valid JSON and kept verbatim.
  std::string big = open + ",\"big\":123456789012345678901234567890,\"tiny\":-1e-999,\"huge\":1E+400}";
  ParsedFile f = ParseWithBadMiddle(big);
  ASSERT_EQ(f.records.size(), 3u) << ErrorsToString(f);
  EXPECT_EQ(f.records[1].json, big);
  // ... but still checked for the other rules.
  std::string big_bad = json::serialize(With(GoodRecord(2), "readOnly", "no"));
  big_bad = big_bad.substr(0, big_bad.size() - 1) + ",\"big\":123456789012345678901234567890}";
  f = ParseWithBadMiddle(big_bad);
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_NE(f.errors[0].message.find("readOnly"), std::string::npos) << f.errors[0].message;
}

TEST(LogFileValidationTest, RecordSizeLimitAndMinification) {
  Limits limits;
  limits.max_record_bytes = 2000;
  json::object big = GoodRecord(2);
  big["requestParameters"] = json::object{{"blob", std::string(3000, 'a')}};
  ParsedFile f = ParseWithBadMiddle(json::serialize(big), limits);
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].index, 1u);
  EXPECT_NE(f.errors[0].message.find("limit"), std::string::npos);
  // The limit applies to the minified size, not to pretty-printing whitespace.
  std::string compact = json::serialize(GoodRecord(2));
  std::string pretty;
  for (char c : compact) {
    pretty += c;
    if (c == ',' || c == '{') pretty += "\n" + std::string(200, ' ');
  }
  limits.max_record_bytes = compact.size();
  ASSERT_TRUE(ParseLogFile("[ " + pretty + " ]", limits, &f).ok());
  ASSERT_EQ(f.records.size(), 1u) << ErrorsToString(f);
  EXPECT_EQ(f.records[0].json, compact);
  AcceptedRecord rec;
  std::string error;
  ASSERT_TRUE(ValidateRecordJson("\n " + pretty + " \n", limits, &rec, &error)) << error;
  EXPECT_EQ(rec.json, compact);
  limits.max_record_bytes = compact.size() - 1;
  EXPECT_FALSE(ValidateRecordJson(compact, limits, &rec, &error));
  // Escapes and non-ASCII text are kept byte for byte.
  std::string odd = compact.substr(0, compact.size() - 1) +
                    R"(,"x":"a\"b\\c\u00e9\ud83d\ude00 é 😀 \/","n":-0.0e+10,"big":123456789012345678901234567890})";
  ASSERT_TRUE(ValidateRecordJson(odd, Limits(), &rec, &error)) << error;
  EXPECT_EQ(rec.json, odd);
  EXPECT_FALSE(ValidateRecordJson(compact + " x", Limits(), &rec, &error));
  EXPECT_FALSE(ValidateRecordJson(compact.substr(0, compact.size() - 1), Limits(), &rec, &error));
  EXPECT_FALSE(ValidateRecordJson("", Limits(), &rec, &error));
}

// ---------------------------------------------------------------------------------------
// File-level errors and hostile input.

void ExpectInvalid(std::string_view bytes, const std::string& label, const Limits& limits = Limits()) {
  SCOPED_TRACE(label);
  ParsedFile f;
  Status s = ParseLogFile(bytes, limits, &f);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), "InvalidLogFile") << s.ToString();
  EXPECT_EQ(s.http_status(), 400);
  EXPECT_TRUE(f.records.empty());
}

TEST(LogFileErrorsTest, FileLevelErrors) {
  std::string good = json::serialize(GoodRecord(1));
  ExpectInvalid("", "empty");
  ExpectInvalid(" \n\t ", "whitespace");
  ExpectInvalid("\xEF\xBB\xBF", "BOM only");
  ExpectInvalid("hello world", "text");
  ExpectInvalid("PK\x03\x04zipfile", "zip");
  ExpectInvalid("5", "number");
  ExpectInvalid("\"Records\"", "string");
  ExpectInvalid("{}", "empty object");
  ExpectInvalid("{\"records\":[]}", "lowercase Records");
  ExpectInvalid("{\"Records\":5}", "Records not an array");
  ExpectInvalid("{\"Records\":{}}", "Records object");
  ExpectInvalid("{\"Records\":[],\"Records\":[]}", "duplicate Records");
  ExpectInvalid("{\"Records\":[]} 5", "trailing scalar");
  ExpectInvalid("{\"Records\":[]} x", "trailing garbage");
  ExpectInvalid("{\"Records\":[]}]", "trailing bracket");
  ExpectInvalid("{\"Records\":[]}\n{\"other\":1}", "second object without Records");
  ExpectInvalid("{\"Records\":[" + good + "," + good + "]", "missing final brace");
  ExpectInvalid("{\"Records\":[" + good + ",]}", "trailing comma");
  ExpectInvalid("{\"Records\":[" + good + " " + good + "]}", "missing comma");
  ExpectInvalid("{\"Records\":[" + good + "]} nul", "bad atom after the document");
  // Stage-1 problems (bytes that cannot be JSON text anywhere) fail the whole file.
  std::string open = "[" + good.substr(0, good.size() - 1);
  ExpectInvalid(open + ",\"x\":\"a\tb\"}]", "control character");
  ExpectInvalid(open + ",\"x\":\"\xff\xfe\"}]", "non-UTF-8");
  ExpectInvalid(open + ",\"\xc3\x28\":1}]", "non-UTF-8 key");
  ExpectInvalid(open + ",\"x\":\"\xed\xa0\x80\"}]", "surrogate in UTF-8");
  ExpectInvalid(open + ",\"x\":\"unterminated}]", "unterminated string");
  // So does anything that breaks the file's bracket structure.
  ExpectInvalid("{\"Records\":[" + open + ",\"x\":[}," + good + "]}", "unbalanced record");
  // Valid files are fine, and the BOM is tolerated.
  ParsedFile f;
  ASSERT_TRUE(ParseLogFile("{\"Records\":[]}", Limits(), &f).ok());
  EXPECT_EQ(f.total, 0u);
  ASSERT_TRUE(ParseLogFile("[]", Limits(), &f).ok());
  ASSERT_TRUE(ParseLogFile("\xEF\xBB\xBF{\"Records\":[" + good + "]}", Limits(), &f).ok());
  EXPECT_EQ(f.records.size(), 1u);
  ASSERT_TRUE(ParseLogFile("{\"x\":{\"y\":[1]},\"Records\":[" + good + "],\"z\":null}", Limits(), &f).ok());
  EXPECT_EQ(f.records.size(), 1u);
  ASSERT_TRUE(ParseLogFile("{\"Rec\\u006frds\":[" + good + "]}", Limits(), &f).ok()) << "escaped key";
  EXPECT_EQ(f.records.size(), 1u);
  ExpectInvalid("{\"Records\":[],\"x\":tru}", "bad value beside Records");
  ExpectInvalid("{\"Records\":[],\"x\\q\":1}", "bad key beside Records");
  ExpectInvalid("{\"Records\":[]", "unclosed log file object");

  Limits limits;
  limits.max_records = 2;
  ASSERT_TRUE(ParseLogFile(Wrap({good, good}), limits, &f).ok());
  ExpectInvalid(Wrap({good, good, good}), "over max_records", limits);
  limits = Limits();
  limits.max_decompressed_bytes = 100;
  ExpectInvalid(Wrap({good}), "plain file over the size limit", limits);
}

TEST(LogFileErrorsTest, EveryTruncationIsAnError) {
  std::string file = Wrap({json::serialize(GoodRecord(1)), json::serialize(GoodRecord(2))});
  for (size_t n = 0; n < file.size(); ++n) {
    ParsedFile f;
    Status s = ParseLogFile(std::string_view(file).substr(0, n), Limits(), &f);
    EXPECT_FALSE(s.ok()) << "prefix of " << n << " bytes accepted";
  }
  std::string arr = "[" + json::serialize(GoodRecord(1)) + "]";
  for (size_t n = 0; n < arr.size(); ++n)
    EXPECT_FALSE(ParseStatus(std::string_view(arr).substr(0, n)).ok()) << n;
  // Truncated gzip.
  std::string gz = GzipMember(file);
  for (size_t n = 1; n < gz.size(); ++n)
    EXPECT_FALSE(ParseStatus(std::string_view(gz).substr(0, n)).ok()) << "gzip prefix " << n;
  ExpectInvalid(gz.substr(0, gz.size() / 2), "half a gzip file");
}

TEST(LogFileErrorsTest, CorruptGzip) {
  std::string file = Wrap({json::serialize(GoodRecord(1))});
  std::string gz = GzipMember(file);
  std::string bad = gz;
  bad[bad.size() / 2] ^= 0x55;
  ExpectInvalid(bad, "flipped byte");
  bad = gz;
  bad[bad.size() - 6] ^= 1;  // CRC32
  ExpectInvalid(bad, "bad crc");
  ExpectInvalid("\x1f\x8b", "magic only");
  ExpectInvalid(gz + "garbage", "trailing garbage after member");
  ParsedFile f;
  EXPECT_TRUE(ParseLogFile(gz + std::string(16, '\0'), Limits(), &f).ok()) << "zero padding";
  // gzip of something that is not JSON.
  ExpectInvalid(GzipMember("just text"), "gzip of text");
  ExpectInvalid(GzipMember(""), "gzip of nothing");
}

TEST(LogFileErrorsTest, GzipBombStopsAtTheLimit) {
  std::string zeros(64u << 20, ' ');
  std::string bomb = GzipMember(zeros, 9);
  EXPECT_LT(bomb.size(), 200u * 1024);
  Limits limits;
  limits.max_decompressed_bytes = 8u << 20;
  ParsedFile f;
  Status s = ParseLogFile(bomb, limits, &f);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), "InvalidLogFile");
  EXPECT_NE(s.message().find("more than"), std::string::npos) << s.message();
  std::string out;
  EXPECT_FALSE(Gunzip(bomb, 8u << 20, &out).ok());
  // Multi-member bomb: each member small, together over the limit.
  std::string part = GzipMember(std::string(3u << 20, ' '), 9);
  EXPECT_FALSE(Gunzip(part + part + part, 8u << 20, &out).ok());
  ASSERT_TRUE(Gunzip(part + part, 8u << 20, &out).ok());
  EXPECT_EQ(out.size(), 6u << 20);
  // At exactly the limit it still works.
  EXPECT_TRUE(Gunzip(part, 3u << 20, &out).ok());
  EXPECT_FALSE(Gunzip(part, (3u << 20) - 1, &out).ok());
}

TEST(LogFileErrorsTest, DeepNestingHugeStringsAndFuzz) {
  std::string good = json::serialize(GoodRecord(1));
  // Deep nesting as a record, inside a record, and at the top level: errors, no crash.
  for (size_t depth : {200, 10'000, 1'000'000}) {
    SCOPED_TRACE(depth);
    std::string nest = std::string(depth, '[') + std::string(depth, ']');
    ParsedFile f = ParseWithBadMiddle(nest);
    ASSERT_EQ(f.errors.size(), 1u);
    std::string in_record = good.substr(0, good.size() - 1) + ",\"deep\":" + nest + "}";
    f = ParseWithBadMiddle(in_record);
    ASSERT_EQ(f.errors.size(), 1u);
    EXPECT_TRUE(f.errors[0].message.find("nested") != std::string::npos ||
                f.errors[0].message.find("limit") != std::string::npos)
        << f.errors[0].message;
    std::string objs;
    for (size_t i = 0; i < depth; ++i) objs += "{\"a\":";
    objs += "1" + std::string(depth, '}');
    f = ParseWithBadMiddle(objs);
    ASSERT_EQ(f.errors.size(), 1u);
    EXPECT_FALSE(ParseStatus(std::string(depth, '[')).ok());
    EXPECT_FALSE(ParseStatus(std::string(depth, '{')).ok());
    EXPECT_FALSE(ParseStatus("{\"Records\":[]," + std::string("\"x\":") + nest + "}").ok());
  }
  // Huge string: over the record limit → that record rejected; unterminated → file error.
  std::string huge = good.substr(0, good.size() - 1) + ",\"big\":\"" + std::string(20u << 20, 'z') + "\"}";
  ParsedFile f = ParseWithBadMiddle(huge);
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.records.size(), 2u);
  ExpectInvalid("[" + good + ",\"" + std::string(5u << 20, 'z') + "]", "unterminated huge string");
  ExpectInvalid(std::string(1 << 20, '"'), "quotes");

  // Random corruption of a valid file: any outcome but a crash; accepted records are valid.
  std::string file = Wrap({good, json::serialize(GoodRecord(2)), json::serialize(GoodRecord(3))});
  std::mt19937 rng(42);
  const char kBytes[] = "{}[],:\"\\ 0123456789eE+-.tfnul\x01\x80\xff";
  for (int iter = 0; iter < 3000; ++iter) {
    std::string mutated = file;
    int edits = 1 + rng() % 3;
    for (int e = 0; e < edits; ++e) {
      size_t pos = rng() % mutated.size();
      switch (rng() % 3) {
        case 0: mutated[pos] = kBytes[rng() % (sizeof kBytes - 1)]; break;
        case 1: mutated.erase(pos, 1 + rng() % 8); break;
        default: mutated.insert(pos, 1, kBytes[rng() % (sizeof kBytes - 1)]); break;
      }
      if (mutated.empty()) mutated = "x";
    }
    ParsedFile pf;
    Status s = ParseLogFile(mutated, Limits(), &pf);
    if (s.ok()) {
      EXPECT_EQ(pf.total, pf.records.size() + pf.errors.size());
      for (const auto& r : pf.records) {
        std::error_code ec;
        json::parse(r.json, ec);
        EXPECT_FALSE(ec) << "accepted invalid JSON: " << r.json;
      }
    }
    std::string gz = GzipMember(mutated);
    gz[rng() % gz.size()] ^= static_cast<char>(1 + rng() % 255);
    ParseLogFile(gz, Limits(), &pf);
  }
}

// ---------------------------------------------------------------------------------------
// Throughput (printed, not asserted).

TEST(LogFileIngestThroughput, ParseAndValidate) {
  fs::path dir = fs::path(RealDataRoot()) / "invictus-aws-dataset";
  std::vector<std::string> records;
  if (fs::exists(dir)) {
    for (const auto& p : JsonFiles(dir)) {
      ParsedFile f;
      ASSERT_TRUE(ParseLogFile(ReadFile(p), Limits(), &f).ok());
      for (auto& r : f.records) records.push_back(std::move(r.json));
    }
  } else {
    for (int i = 0; i < 1000; ++i) records.push_back(json::serialize(GoodRecord(i)));
  }
  // ~64 MB in CloudTrail-sized files of 1,000 records.
  std::vector<std::string> files;
  size_t bytes = 0, count = 0;
  for (size_t i = 0; bytes < (64u << 20); ++i) {
    std::vector<std::string> chunk;
    for (size_t k = 0; k < 1000; ++k) chunk.push_back(records[(i * 1000 + k) % records.size()]);
    files.push_back(Wrap(chunk));
    bytes += files.back().size();
    count += chunk.size();
  }
  double best = 1e9;
  ParsedFile f;
  for (int run = 0; run < 3; ++run) {
    auto t0 = std::chrono::steady_clock::now();
    for (const auto& file : files) {
      ASSERT_TRUE(ParseLogFile(file, Limits(), &f).ok());
      ASSERT_EQ(f.records.size(), 1000u);
    }
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::printf("[ingest] parse+validate: %zu records (%.1f MB, avg %.0f B) in %.3f s: %.0f records/s, %.0f MB/s\n",
              count, bytes / 1e6, double(bytes) / count, best, count / best, bytes / 1e6 / best);
  // The same through gzip.
  std::vector<std::string> gz;
  for (const auto& file : files) gz.push_back(GzipMember(file));
  auto t0 = std::chrono::steady_clock::now();
  for (const auto& g : gz) ASSERT_TRUE(ParseLogFile(g, Limits(), &f).ok());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("[ingest] gunzip+parse+validate: %.0f records/s, %.0f MB/s (decompressed)\n", count / secs,
              bytes / 1e6 / secs);
}

}  // namespace
}  // namespace ot::ingest
