#include "common/json_writer.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

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

}  // namespace ot
