#include "common/json_writer.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

namespace ot {

TEST(JsonWriterTest, WritesCompactValidJson) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("a").String("x\"y\\z\n\t\x01");
  w.Key("b").Bool(true);
  w.Key("c").Null();
  w.Key("d").BeginArray().Int(1).Int(-2).String("é").EndArray();
  w.Key("e").BeginObject().EndObject();
  w.Key("f").Raw("{\"k\":1}");
  w.EndObject();
  EXPECT_EQ(out, "{\"a\":\"x\\\"y\\\\z\\n\\t\\u0001\",\"b\":true,\"c\":null,\"d\":[1,-2,\"é\"],\"e\":{},\"f\":{\"k\":1}}");
  auto v = boost::json::parse(out).as_object();
  EXPECT_EQ(v["a"].as_string(), "x\"y\\z\n\t\x01");
}

TEST(JsonWriterTest, InvalidUtf8BecomesReplacementCharacter) {
  std::string out;
  AppendJsonString(&out, std::string("ok\xff\xc3(\xed\xa0\x80"));
  boost::system::error_code ec;
  auto v = boost::json::parse(out, ec);
  ASSERT_FALSE(ec) << out;
  EXPECT_EQ(v.as_string(), "ok\xEF\xBF\xBD\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

namespace {
// The byte-at-a-time escaper AppendJsonString replaced: the output must stay identical.
size_t RefUtf8Length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  if (n == 2 && c < 0xC2) return 0;
  if (n == 3) {
    unsigned cp = ((c & 0x0F) << 12) | ((b(i + 1) & 0x3F) << 6) | (b(i + 2) & 0x3F);
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  }
  if (n == 4) {
    unsigned cp = ((c & 0x07) << 18) | ((b(i + 1) & 0x3F) << 12) | ((b(i + 2) & 0x3F) << 6) | (b(i + 3) & 0x3F);
    if (cp < 0x10000 || cp > 0x10FFFF) return 0;
  }
  return n;
}

std::string RefEscape(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      case '\b': out += "\\b"; ++i; continue;
      case '\f': out += "\\f"; ++i; continue;
      default: break;
    }
    if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      ++i;
      continue;
    }
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    size_t n = RefUtf8Length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out + "\"";
}
}  // namespace

TEST(JsonWriterTest, EscapingMatchesTheReferenceOnRandomText) {
  std::mt19937 rng(12345);
  // Mostly printable ASCII with quotes, backslashes, controls, valid and broken UTF-8.
  const std::vector<std::string> pieces = {"a", "bc", "\"", "\\", "\n", "\t", std::string(1, '\0'), "\x01",
                                           "\x1f", "\x7f", "é", "€", "😀", "\xff", "\xc3", "\xed\xa0\x80",
                                           "{\"eventName\":\"GetObject\"}", std::string(40, 'x'), " "};
  for (int round = 0; round < 3000; ++round) {
    std::string s;
    int parts = static_cast<int>(rng() % 60);
    for (int i = 0; i < parts; ++i) s += pieces[rng() % pieces.size()];
    std::string prefix = round % 2 ? "prefix," : "";
    std::string out = prefix;
    AppendJsonString(&out, s);
    ASSERT_EQ(out, prefix + RefEscape(s)) << round;
  }
  std::string big(100000, 'q');
  for (size_t i = 0; i < big.size(); i += 7) big[i] = '"';
  std::string out;
  AppendJsonString(&out, big);
  EXPECT_EQ(out, RefEscape(big));
}

}  // namespace ot
