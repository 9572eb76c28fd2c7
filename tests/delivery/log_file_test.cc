#include "delivery/log_file.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <regex>

#include "delivery/delivery_state.h"

namespace ot::delivery {

namespace {
std::string Gunzip(const std::string& gz) {
  z_stream zs{};
  inflateInit2(&zs, 16 + MAX_WBITS);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&zs, Z_FINISH);
  EXPECT_EQ(rc, Z_STREAM_END);
  EXPECT_EQ(zs.avail_in, 0u) << "one member, nothing appended";
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}
}  // namespace

TEST(LogFileTest, KeyLayoutAsAws) {
  // 2015-08-01T02:10:30Z
  int64_t t = 1438395030000;
  EXPECT_EQ(LogFileKey("", "111122223333", "us-east-2", t, "Mu0KsOhtH1ar15ZZ"),
            "AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz");
  EXPECT_EQ(LogFileKey("audit/logs", "111122223333", "eu-west-1", t, "abc", FileKind::kInsight),
            "audit/logs/AWSLogs/111122223333/CloudTrail-Insight/eu-west-1/2015/08/01/111122223333_CloudTrail-Insight_eu-west-1_20150801T0210Z_abc.json.gz");
  std::string u = UniqueSuffix("trail|region|42");
  EXPECT_TRUE(std::regex_match(u, std::regex("[A-Za-z0-9]{16}")));
  EXPECT_EQ(u, UniqueSuffix("trail|region|42")) << "deterministic";
  EXPECT_NE(u, UniqueSuffix("trail|region|43"));
}

TEST(LogFileTest, ContentIsOneDeterministicGzipMember) {
  std::vector<std::string_view> recs = {R"({"eventID":"a"})", R"({"eventID":"b"})"};
  std::string json = LogFileJson(recs);
  EXPECT_EQ(json, R"({"Records":[{"eventID":"a"},{"eventID":"b"}]})");
  auto gz = Gzip(json);
  ASSERT_TRUE(gz.ok());
  EXPECT_EQ(Gunzip(*gz), json);
  EXPECT_EQ(*Gzip(json), *gz) << "the same batch re-written is byte for byte the same";
}

TEST(DeliveryStateTest, PendingFilesRoundTrip) {
  std::vector<PendingFile> files(2);
  files[0].key = "AWSLogs/1/x.json.gz";
  files[0].file_time_ms = 1438395000000;
  files[0].sequences = {5, 6, 9, 1000000};
  files[0].next_cursor = 1000001;
  files[1].key = "k2";
  files[1].kind = FileKind::kInsight;
  std::vector<PendingFile> back;
  ASSERT_TRUE(DecodePending(EncodePending(files), &back));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].key, files[0].key);
  EXPECT_EQ(back[0].sequences, files[0].sequences);
  EXPECT_EQ(back[0].next_cursor, 1000001u);
  EXPECT_EQ(back[0].file_time_ms, files[0].file_time_ms);
  EXPECT_EQ(back[1].kind, FileKind::kInsight);
  std::string bad = EncodePending(files);
  EXPECT_FALSE(DecodePending(bad.substr(0, bad.size() - 3), &back));
}

}  // namespace ot::delivery
