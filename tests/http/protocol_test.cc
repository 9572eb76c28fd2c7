#include "http/protocols/protocol.h"

#include <gtest/gtest.h>

namespace ot::http {

TEST(ProtocolTest, JsonErrorShape) {
  ProtocolInfo info;
  auto r = ErrorResponse(info, Status::Error("TrailNotFoundException", "Unknown trail", 400), "rid-1");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(FindHeader(r.headers, "x-amzn-RequestId"), "rid-1");
  auto v = boost::json::parse(r.body).as_object();
  EXPECT_EQ(v["__type"].as_string(), "TrailNotFoundException");
  EXPECT_EQ(v["message"].as_string(), "Unknown trail");
}

TEST(ProtocolTest, QueryErrorShapeEscapesXml) {
  ProtocolInfo info;
  info.protocol = Protocol::kQuery;
  info.xml_namespace = "https://sts.amazonaws.com/doc/2011-06-15/";
  auto r = ErrorResponse(info, Status::Error("ValidationError", "a<b & 'c'", 400), "rid-2");
  EXPECT_NE(r.body.find("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"), std::string::npos);
  EXPECT_NE(r.body.find("<Type>Sender</Type>"), std::string::npos);
  EXPECT_NE(r.body.find("<Code>ValidationError</Code>"), std::string::npos);
  EXPECT_NE(r.body.find("<Message>a&lt;b &amp; &apos;c&apos;</Message>"), std::string::npos);
  EXPECT_NE(r.body.find("<RequestId>rid-2</RequestId>"), std::string::npos);
  auto server = ErrorResponse(info, Status::Internal("boom"), "rid-3");
  EXPECT_NE(server.body.find("<Type>Receiver</Type>"), std::string::npos);
}

TEST(ProtocolTest, RestXmlErrorShape) {
  ProtocolInfo info;
  info.protocol = Protocol::kRestXml;
  auto r = ErrorResponse(info, Status::Error("NoSuchBucket", "The specified bucket does not exist", 404), "ABC");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(FindHeader(r.headers, "x-amz-request-id"), "ABC");
  EXPECT_NE(r.body.find("<Error><Code>NoSuchBucket</Code>"), std::string::npos);
}

TEST(ProtocolTest, QueryOutputWrapsResult) {
  ProtocolInfo info;
  info.protocol = Protocol::kQuery;
  info.xml_namespace = "ns";
  auto r = QueryOutput(info, "GetCallerIdentity", "<Account>1</Account>", "rid");
  EXPECT_NE(r.body.find("<GetCallerIdentityResponse xmlns=\"ns\">"), std::string::npos);
  EXPECT_NE(r.body.find("<GetCallerIdentityResult><Account>1</Account></GetCallerIdentityResult>"), std::string::npos);
  EXPECT_NE(r.body.find("<RequestId>rid</RequestId>"), std::string::npos);
}

TEST(ProtocolTest, JsonOperationFromTarget) {
  Request req;
  req.headers = {{"X-Amz-Target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"}};
  EXPECT_EQ(JsonOperation(req), "LookupEvents");
  req.headers = {{"X-Amz-Target", "TrentService.ListKeys"}};
  EXPECT_EQ(JsonOperation(req), "ListKeys");
  req.headers = {{"X-Amz-Target", "NoDot"}};
  EXPECT_EQ(JsonOperation(req), "");
  req.headers = {{"X-Amz-Target", "Trailing."}};
  EXPECT_EQ(JsonOperation(req), "");
  req.headers = {};
  EXPECT_EQ(JsonOperation(req), "");
}

TEST(ProtocolTest, JsonBodyParsing) {
  EXPECT_TRUE(ParseJsonBody("").ok());
  EXPECT_TRUE(ParseJsonBody("{\"a\":1}").ok());
  for (std::string bad : {"{", "[1,2]", "\"str\"", "{\"a\":}", "nul", "{\"a\":1}}"}) {
    auto r = ParseJsonBody(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), "SerializationException");
    EXPECT_EQ(r.status().http_status(), 400);
  }
  std::string deep(10000, '[');
  EXPECT_FALSE(ParseJsonBody("{\"a\":" + deep).ok()) << "deep nesting is bounded";
}

TEST(ProtocolTest, FormDecoding) {
  auto p = ParseFormEncoded("Action=GetCallerIdentity&Version=2011-06-15&X=a%20b+c&Empty=&Flag");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->at("Action"), "GetCallerIdentity");
  EXPECT_EQ(p->at("X"), "a b c");
  EXPECT_EQ(p->at("Empty"), "");
  EXPECT_EQ(p->at("Flag"), "");
  for (std::string bad : {"a=%", "a=%4", "a=%zz", "%G0=1"}) {
    auto r = ParseFormEncoded(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), "MalformedQueryString");
  }
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "k" + std::to_string(i) + "=v&";
  EXPECT_FALSE(ParseFormEncoded(many).ok());
}

TEST(ProtocolTest, QueryInputMergesQueryStringAndBody) {
  Request req;
  req.method = "POST";
  req.target = "/?Version=2011-06-15";
  req.body = "Action=GetCallerIdentity";
  auto p = ParseQueryInput(req);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->at("Action"), "GetCallerIdentity");
  EXPECT_EQ(p->at("Version"), "2011-06-15");
}

}  // namespace ot::http
