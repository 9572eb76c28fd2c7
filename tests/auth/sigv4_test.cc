// Tests for auth/sigv4: AWS's published vectors, botocore cross-checks, hostile input.
#include "auth/sigv4.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "common/time.h"

namespace ot::auth {
namespace {

// --------------------------------------------------------------------------------------
// Helpers
// --------------------------------------------------------------------------------------

int64_t Epoch(std::string_view amz_date) { return ParseAmzDate(amz_date).value(); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Find(const std::vector<Header>& headers, std::string_view name) {
  for (const auto& h : headers)
    if (Lower(h.name) == Lower(name)) return h.value;
  return {};
}

std::vector<Header> Without(std::vector<Header> headers, std::initializer_list<std::string_view> names) {
  std::vector<Header> out;
  for (auto& h : headers) {
    bool drop = false;
    for (auto n : names)
      if (Lower(h.name) == Lower(n)) drop = true;
    if (!drop) out.push_back(std::move(h));
  }
  return out;
}

// Extracts, picks the payload hash, and verifies; returns the first error.
Status ExtractAndVerify(std::string_view method, std::string_view target,
                        const std::vector<Header>& headers, std::string_view body,
                        std::string_view secret, bool s3, SigV4Params* out = nullptr) {
  RequestView view{method, target, &headers};
  auto params = ExtractSigV4(view);
  if (!params.ok()) return params.status();
  auto hash = PayloadHashFor(*params, body);
  if (!hash.ok()) return hash.status();
  if (out) *out = *params;
  return VerifySignature(view, *params, secret, s3, *hash);
}

// --------------------------------------------------------------------------------------
// The AWS SigV4 test suite (aws4_testsuite / aws-sig-v4-test-suite): AKIDEXAMPLE,
// 20150830T123600Z, us-east-1, service "service". Requests are the .req files' request
// line and headers as sent (raw targets, unencoded where the .req has them unencoded).
// --------------------------------------------------------------------------------------

constexpr char kSuiteKey[] = "AKIDEXAMPLE";
constexpr char kSuiteSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kSuiteDate[] = "20150830T123600Z";
constexpr char kEmptySha[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kSuiteStsToken[] =
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPf"
    "IeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7W"
    "Z0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FD"
    "rypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

struct SuiteCase {
  const char* name;
  const char* method;
  const char* target;                // request-target as sent
  std::vector<Header> headers;       // in .req order, Host first, X-Amz-Date appended
  std::string body;
  const char* signed_headers;
  const char* signature;
  const char* canonical = nullptr;   // .creq, where transcribed
  const char* sts_hash = nullptr;    // last line of .sts, where transcribed
  bool s3_path = false;              // the *-unnormalized variants keep the path as sent
  const char* token = nullptr;       // passed to SignRequest as the session token
};

std::vector<Header> H(std::vector<Header> extra = {}) {
  std::vector<Header> h{{"Host", "example.amazonaws.com"}};
  for (auto& e : extra) h.push_back(std::move(e));
  h.push_back({"X-Amz-Date", kSuiteDate});
  return h;
}

constexpr char kVanillaSig[] = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
constexpr char kVanillaCreq[] =
    "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::vector<SuiteCase> SuiteCases() {
  return {
      {"get-vanilla", "GET", "/", H(), "", "host;x-amz-date", kVanillaSig, kVanillaCreq,
       "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"},
      {"get-vanilla-empty-query-key", "GET", "/?Param1=value1", H(), "", "host;x-amz-date",
       "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
      {"get-vanilla-query-order-key-case", "GET", "/?Param2=value2&Param1=value1", H(), "",
       "host;x-amz-date", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
       "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n"
       "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0"},
      {"get-vanilla-query-order-key", "GET", "/?Param1=value2&Param1=value1", H(), "",
       "host;x-amz-date", "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"},
      {"get-vanilla-query-order-value", "GET", "/?Param1=value2&Param1=Value1", H(), "",
       "host;x-amz-date", "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"},
      {"get-vanilla-query-unreserved", "GET",
       "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       H(), "", "host;x-amz-date",
       "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197", nullptr,
       "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177"},
      {"get-vanilla-utf8-query", "GET", "/?\xe1\x88\xb4=bar", H(), "", "host;x-amz-date",
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
       "GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
       "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073"},
      {"get-header-key-duplicate", "GET", "/",
       H({{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}}), "",
       "host;my-header1;x-amz-date",
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
       "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\n"
       "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c"},
      {"get-header-value-order", "GET", "/",
       H({{"My-Header1", "value4"}, {"My-Header1", "value1"}, {"My-Header1", "value3"},
          {"My-Header1", "value2"}}),
       "", "host;my-header1;x-amz-date",
       "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01", nullptr,
       "31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86"},
      {"get-header-value-trim", "GET", "/",
       H({{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}}), "",
       "host;my-header1;my-header2;x-amz-date",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
       "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
       "x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n"
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7"},
      {"get-unreserved", "GET",
       "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", H(), "",
       "host;x-amz-date", "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
       nullptr, "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9"},
      {"get-utf8", "GET", "/\xe1\x88\xb4", H(), "", "host;x-amz-date",
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
       "GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
       "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102"},
      // normalize-path/
      {"get-relative", "GET", "/example/..", H(), "", "host;x-amz-date", kVanillaSig,
       kVanillaCreq},
      {"get-relative-relative", "GET", "/example1/example2/../..", H(), "", "host;x-amz-date",
       kVanillaSig, kVanillaCreq},
      {"get-slash", "GET", "//", H(), "", "host;x-amz-date", kVanillaSig, kVanillaCreq},
      {"get-slash-dot-slash", "GET", "/./", H(), "", "host;x-amz-date", kVanillaSig,
       kVanillaCreq},
      {"get-slash-pointless-dot", "GET", "/./example", H(), "", "host;x-amz-date",
       "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5"},
      {"get-slashes", "GET", "//example//", H(), "", "host;x-amz-date",
       "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"},
      {"get-space", "GET", "/example space/", H(), "", "host;x-amz-date",
       "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
       "GET\n/example%20space/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
       "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86"},
      // aws-c-auth's unnormalized variant: the path is signed as sent (S3 rules).
      {"get-slashes-unnormalized", "GET", "//example//", H(), "", "host;x-amz-date",
       "87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5", nullptr,
       "528ec3105ee1f34ab014bb0a1a45da0ed2742a4fea3555149e5b4d5d201eb240", true},
      {"post-vanilla", "POST", "/", H(), "", "host;x-amz-date",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b", nullptr,
       "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87"},
      {"post-vanilla-query", "POST", "/?Param1=value1", H(), "", "host;x-amz-date",
       "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11", nullptr,
       "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd"},
      {"post-header-key-case", "POST", "/", H(), "", "host;x-amz-date",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"post-header-key-sort", "POST", "/", H({{"My-Header1", "value1"}}), "",
       "host;my-header1;x-amz-date",
       "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c", nullptr,
       "9368318c2967cf6de74404b30c65a91e8f6253e0a8659d6d5319f1a812f87d65"},
      {"post-header-value-case", "POST", "/", H({{"My-Header1", "VALUE1"}}), "",
       "host;my-header1;x-amz-date",
       "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
      {"post-x-www-form-urlencoded", "POST", "/",
       {{"Content-Type", "application/x-www-form-urlencoded"},
        {"Host", "example.amazonaws.com"},
        {"X-Amz-Date", kSuiteDate}},
       "Param1=value1", "content-type;host;x-amz-date",
       "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
       "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n"
       "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
       "content-type;host;x-amz-date\n"
       "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"},
      {"post-x-www-form-urlencoded-parameters", "POST", "/",
       {{"Content-Type", "application/x-www-form-urlencoded; charset=utf8"},
        {"Host", "example.amazonaws.com"},
        {"X-Amz-Date", kSuiteDate}},
       "Param1=value1", "content-type;host;x-amz-date",
       "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"},
      // aws-c-auth's form of the same case: content-length and x-amz-content-sha256 signed.
      {"post-x-www-form-urlencoded (aws-c-auth)", "POST", "/",
       {{"Content-Type", "application/x-www-form-urlencoded"},
        {"Host", "example.amazonaws.com"},
        {"Content-Length", "13"},
        {"X-Amz-Date", kSuiteDate},
        {"X-Amz-Content-Sha256", "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"}},
       "Param1=value1", "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
       "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b", nullptr,
       "b1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb"},
      // post-sts-token/
      {"post-sts-header-before", "POST", "/",
       H({{"X-Amz-Security-Token", kSuiteStsToken}}), "",
       "host;x-amz-date;x-amz-security-token",
       "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead", nullptr, nullptr,
       false, kSuiteStsToken},
      // The token is added after signing: sent, but not signed.
      {"post-sts-header-after", "POST", "/",
       H({{"X-Amz-Security-Token", kSuiteStsToken}}), "", "host;x-amz-date",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
  };
}

std::string SuiteAuthorization(const SuiteCase& c) {
  return std::string("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                     "aws4_request, SignedHeaders=") +
         c.signed_headers + ", Signature=" + c.signature;
}

TEST(SigV4SuiteTest, CanonicalRequestStringToSignAndSignature) {
  for (const auto& c : SuiteCases()) {
    SCOPED_TRACE(c.name);
    std::vector<Header> headers = c.headers;
    headers.push_back({"Authorization", SuiteAuthorization(c)});
    RequestView view{c.method, c.target, &headers};
    auto params = ExtractSigV4(view);
    ASSERT_TRUE(params.ok()) << params.status().ToString();
    EXPECT_EQ(params->method, AuthMethod::kAuthHeader);
    EXPECT_EQ(params->access_key_id, kSuiteKey);
    EXPECT_EQ(params->scope_date, "20150830");
    EXPECT_EQ(params->region, "us-east-1");
    EXPECT_EQ(params->service, "service");
    EXPECT_EQ(params->amz_date, kSuiteDate);
    EXPECT_EQ(params->request_time, Epoch(kSuiteDate));
    EXPECT_EQ(params->signature, c.signature);

    auto hash = PayloadHashFor(*params, c.body);
    ASSERT_TRUE(hash.ok()) << hash.status().ToString();
    EXPECT_EQ(*hash, Sha256Hex(c.body));
    std::string creq = CanonicalRequest(view, *params, c.s3_path, *hash);
    if (c.canonical) {
      EXPECT_EQ(creq, c.canonical);
    }
    std::string sts = StringToSign(*params, creq);
    if (c.sts_hash) {
      EXPECT_EQ(sts, std::string("AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/"
                                 "aws4_request\n") +
                         c.sts_hash);
    }
    EXPECT_EQ(SignatureHex(SigningKey(kSuiteSecret, "20150830", "us-east-1", "service"), sts),
              c.signature);
    EXPECT_TRUE(VerifySignature(view, *params, kSuiteSecret, c.s3_path, *hash).ok());
    EXPECT_TRUE(CheckRequestTime(*params, Epoch(kSuiteDate) + 60).ok());

    // Wrong secret, and a tampered body, must not verify.
    Status bad = VerifySignature(view, *params, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ",
                                 c.s3_path, *hash);
    EXPECT_EQ(bad.code(), kErrSignatureMismatch);
    EXPECT_EQ(bad.http_status(), 403);
    EXPECT_FALSE(
        VerifySignature(view, *params, kSuiteSecret, c.s3_path, Sha256Hex(c.body + "x")).ok());
  }
}

TEST(SigV4SuiteTest, SignRequestReproducesTheSuite) {
  for (const auto& c : SuiteCases()) {
    if (c.s3_path || std::string(c.name) == "post-sts-header-after") continue;
    SCOPED_TRACE(c.name);
    std::vector<Header> headers =
        Without(c.headers, {"X-Amz-Date", "X-Amz-Security-Token"});
    SignRequest(c.method, c.target, &headers, c.body, kSuiteKey, kSuiteSecret, "us-east-1",
                "service", Epoch(kSuiteDate), c.token ? c.token : "");
    EXPECT_EQ(Find(headers, "Authorization"), SuiteAuthorization(c));
    EXPECT_EQ(Find(headers, "X-Amz-Date"), kSuiteDate);
    // And the server side accepts what the client side produced.
    EXPECT_TRUE(ExtractAndVerify(c.method, c.target, headers, c.body, kSuiteSecret, false).ok());
  }
}

TEST(SigV4SuiteTest, SigningKeyDerivation) {
  // AWS General Reference, "Derive a signing key": iam, 20150830 / 20120215.
  EXPECT_EQ(HexEncode(SigningKey(kSuiteSecret, "20150830", "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
  EXPECT_EQ(HexEncode(SigningKey(kSuiteSecret, "20120215", "us-east-1", "iam")),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

// The aws-c-auth suite's presigned ("query-*") variants; non-S3, so the payload line is the
// body's hash, not UNSIGNED-PAYLOAD.
TEST(SigV4SuiteTest, PresignedQueryVariants) {
  struct Q {
    const char* name;
    const char* method;
    const char* target;
    std::vector<Header> headers;
    std::string body;
    const char* sts_hash;
  };
  std::vector<Q> cases = {
      {"get-vanilla", "GET",
       "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2F"
       "service%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&"
       "X-Amz-SignedHeaders=host&X-Amz-Signature="
       "e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d",
       {{"Host", "example.amazonaws.com"}}, "",
       "bb7705b4aa3cb8e8f5e1e0b3d4c0b64030797a313c8ceee43e33117cc43eadc5"},
      {"get-vanilla-query-order-key-case", "GET",
       "/?Param2=value2&Param1=value1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
       "AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&"
       "X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature="
       "86012e2c9ad4d77369f5d81c11f75158aae4f895a085212cc6d3f923d300bed5",
       {{"Host", "example.amazonaws.com"}}, "",
       "b82878ecb2ab7ad194b9fe79b2946c2a36ee1627a219408089b2d774c1a0cedb"},
      {"post-x-www-form-urlencoded", "POST",
       "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2F"
       "service%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=3600&"
       "X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost&X-Amz-Signature="
       "89a40deed0f26f9461242825a082d2222717248abc7ab41f552ad84a94ad46e9",
       {{"Content-Type", "application/x-www-form-urlencoded"},
        {"Host", "example.amazonaws.com"},
        {"Content-Length", "13"}},
       "Param1=value1", "ee5059a7c437165a28d0e775e6498be428761255d657d8c04cb1baa41de6514c"},
  };
  for (const auto& q : cases) {
    SCOPED_TRACE(q.name);
    RequestView view{q.method, q.target, &q.headers};
    auto params = ExtractSigV4(view);
    ASSERT_TRUE(params.ok()) << params.status().ToString();
    EXPECT_EQ(params->method, AuthMethod::kQueryString);
    EXPECT_EQ(params->expires_seconds, 3600);
    auto hash = PayloadHashFor(*params, q.body);
    ASSERT_TRUE(hash.ok());
    EXPECT_EQ(*hash, Sha256Hex(q.body));
    std::string creq = CanonicalRequest(view, *params, false, *hash);
    EXPECT_EQ(creq.find("X-Amz-Signature"), std::string::npos);
    EXPECT_EQ(StringToSign(*params, creq).substr(StringToSign(*params, creq).size() - 64),
              q.sts_hash);
    EXPECT_TRUE(VerifySignature(view, *params, kSuiteSecret, false, *hash).ok());
    EXPECT_TRUE(CheckRequestTime(*params, Epoch(kSuiteDate) + 3600).ok());
    EXPECT_EQ(CheckRequestTime(*params, Epoch(kSuiteDate) + 3601).code(), kErrRequestExpired);
    EXPECT_EQ(CheckRequestTime(*params, Epoch(kSuiteDate) - 901).code(), kErrRequestExpired);
  }
}

// --------------------------------------------------------------------------------------
// Amazon S3 API Reference examples ("Signature Calculations for the Authorization Header:
// Transferring Payload in a Single Chunk", "Authenticating Requests: Using Query
// Parameters", "...in Multiple Chunks"): AKIAIOSFODNN7EXAMPLE, 20130524T000000Z.
// --------------------------------------------------------------------------------------

constexpr char kS3Secret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kS3Date[] = "20130524T000000Z";

TEST(SigV4S3ExamplesTest, GetObjectWithRange) {
  std::vector<Header> headers = {
      {"Host", "examplebucket.s3.amazonaws.com"},
      {"Range", "bytes=0-9"},
      {"x-amz-content-sha256", kEmptySha},
      {"x-amz-date", kS3Date},
      // As printed in the example: no spaces after the commas.
      {"Authorization",
       "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
       "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
       "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"}};
  RequestView view{"GET", "/test.txt", &headers};
  auto params = ExtractSigV4(view);
  ASSERT_TRUE(params.ok()) << params.status().ToString();
  auto hash = PayloadHashFor(*params, "");
  ASSERT_TRUE(hash.ok());
  std::string creq = CanonicalRequest(view, *params, true, *hash);
  EXPECT_EQ(creq,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(StringToSign(*params, creq),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_TRUE(VerifySignature(view, *params, kS3Secret, true, *hash).ok());
}

TEST(SigV4S3ExamplesTest, PutObject) {
  std::string body = "Welcome to Amazon S3.";
  std::vector<Header> headers = {
      {"Host", "examplebucket.s3.amazonaws.com"},
      {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
      {"Authorization",
       "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
       "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
       "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"},
      {"x-amz-date", kS3Date},
      {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
      {"x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"}};
  EXPECT_TRUE(ExtractAndVerify("PUT", "/test%24file.text", headers, body, kS3Secret, true).ok());
  // The x-amz-content-sha256 header is checked against the body.
  EXPECT_EQ(ExtractAndVerify("PUT", "/test%24file.text", headers, "Welcome to Amazon S3!",
                             kS3Secret, true)
                .code(),
            kErrContentSha256Mismatch);
}

TEST(SigV4S3ExamplesTest, GetBucketLifecycleAndListObjects) {
  std::vector<Header> lifecycle = {
      {"Host", "examplebucket.s3.amazonaws.com"},
      {"x-amz-date", kS3Date},
      {"x-amz-content-sha256", kEmptySha},
      {"Authorization",
       "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
       "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
       "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"}};
  EXPECT_TRUE(ExtractAndVerify("GET", "/?lifecycle", lifecycle, "", kS3Secret, true).ok());

  std::vector<Header> list = {
      {"Host", "examplebucket.s3.amazonaws.com"},
      {"x-amz-date", kS3Date},
      {"x-amz-content-sha256", kEmptySha},
      {"Authorization",
       "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
       "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
       "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"}};
  EXPECT_TRUE(ExtractAndVerify("GET", "/?max-keys=2&prefix=J", list, "", kS3Secret, true).ok());
}

TEST(SigV4S3ExamplesTest, PresignedGetObject) {
  std::vector<Header> headers = {{"Host", "examplebucket.s3.amazonaws.com"}};
  const char* target =
      "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524"
      "%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
      "X-Amz-SignedHeaders=host&X-Amz-Signature="
      "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
  RequestView view{"GET", target, &headers};
  auto params = ExtractSigV4(view);
  ASSERT_TRUE(params.ok()) << params.status().ToString();
  EXPECT_EQ(params->method, AuthMethod::kQueryString);
  EXPECT_EQ(params->access_key_id, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(params->expires_seconds, 86400);
  EXPECT_EQ(params->signed_headers, std::vector<std::string>{"host"});
  auto hash = PayloadHashFor(*params, "");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(*hash, "UNSIGNED-PAYLOAD");
  std::string creq = CanonicalRequest(view, *params, true, *hash);
  EXPECT_EQ(creq,
            "GET\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE"
            "%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&"
            "X-Amz-Expires=86400&X-Amz-SignedHeaders=host\nhost:examplebucket.s3.amazonaws.com\n\n"
            "host\nUNSIGNED-PAYLOAD");
  EXPECT_EQ(StringToSign(*params, creq),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04");
  EXPECT_TRUE(VerifySignature(view, *params, kS3Secret, true, *hash).ok());
  EXPECT_TRUE(CheckRequestTime(*params, Epoch(kS3Date) + 86400).ok());
  EXPECT_EQ(CheckRequestTime(*params, Epoch(kS3Date) + 86401).code(), kErrRequestExpired);
}

TEST(SigV4S3ExamplesTest, StreamingSeedSignature) {
  std::vector<Header> headers = {
      {"Host", "s3.amazonaws.com"},
      {"x-amz-date", kS3Date},
      {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
      {"Authorization",
       "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
       "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
       "x-amz-decoded-content-length;x-amz-storage-class,"
       "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"},
      {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
      {"Content-Encoding", "aws-chunked"},
      {"x-amz-decoded-content-length", "66560"},
      {"Content-Length", "66824"}};
  RequestView view{"PUT", "/examplebucket/chunkObject.txt", &headers};
  auto params = ExtractSigV4(view);
  ASSERT_TRUE(params.ok()) << params.status().ToString();
  auto hash = PayloadHashFor(*params, "not looked at");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(*hash, kStreamingSigned);
  std::string creq = CanonicalRequest(view, *params, true, *hash);
  EXPECT_EQ(StringToSign(*params, creq),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "cee3fed04b70f867d036f722359b0b1f2f0e5dc0efadbc082b76c4c60e316455");
  EXPECT_TRUE(VerifySignature(view, *params, kS3Secret, true, *hash).ok());
}

// "Signature Calculations for the Authorization Header: Including Trailing Headers": the
// seed of the STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER example (as MinIO's signer tests
// transcribe it).
TEST(SigV4S3ExamplesTest, StreamingTrailerSeedSignature) {
  std::vector<Header> headers = {
      {"Host", "s3.amazonaws.com"},
      {"x-amz-date", kS3Date},
      {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
      {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"},
      {"Content-Encoding", "aws-chunked"},
      {"x-amz-decoded-content-length", "66560"},
      {"x-amz-trailer", "x-amz-checksum-crc32c"},
      {"Authorization",
       "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
       "SignedHeaders=content-encoding;host;x-amz-content-sha256;x-amz-date;"
       "x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer,"
       "Signature=106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"}};
  EXPECT_TRUE(
      ExtractAndVerify("PUT", "/examplebucket/chunkObject.txt", headers, "", kS3Secret, true).ok());
}

// --------------------------------------------------------------------------------------
// botocore cross-checks: requests exactly as botocore 1.43 signs and sends them.
// --------------------------------------------------------------------------------------

struct BotocoreVector {
  const char* method;
  const char* target;
  const char* service;
  bool s3;
  std::vector<Header> headers;  // the signed ones, plus Authorization
  std::string body;
  const char* authorization;
};

constexpr char kBotoKey[] = "AKIDEXAMPLE";
constexpr char kBotoSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

// BEGIN generated by scripts/gen_chunked_vectors.py sigv4 (botocore 1.43.11)
constexpr int64_t kBotoNow = 1796033700;  // 20261130T101500Z
constexpr char kBotoToken[] = "FQoGZXIvYXdzEXAMPLE//////////wEaDEXAMPLETOKEN+/==";

// cloudtrail.lookup_events (JSON 1.1, X-Amz-Target, session token)
const BotocoreVector kBotoCloudTrailLookupEvents = {
    "POST", "/", "cloudtrail",
    false,
    {{"Host", "cloudtrail.us-east-1.amazonaws.com"}, {"X-Amz-Target", "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"}, {"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Date", "20261130T101500Z"}, {"X-Amz-Security-Token", "FQoGZXIvYXdzEXAMPLE//////////wEaDEXAMPLETOKEN+/=="}, {"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/us-east-1/cloudtrail/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=de9e72e75816adab65f42c3eb980bb850c5a53249929bac87a2fcb041addd69a"}},
    "{\"MaxResults\": 5, \"LookupAttributes\": [{\"AttributeKey\": \"EventName\", \"AttributeValue\": \"PutObject\"}]}",
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/us-east-1/cloudtrail/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=de9e72e75816adab65f42c3eb980bb850c5a53249929bac87a2fcb041addd69a"};

// sts.get_caller_identity (Query protocol form POST)
const BotocoreVector kBotoStsGetCallerIdentity = {
    "POST", "/", "sts",
    false,
    {{"Host", "sts.us-east-1.amazonaws.com"}, {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}, {"X-Amz-Date", "20261130T101500Z"}, {"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ebc73c1fc9a6d3fcf209846369b40323fe69086652cf093ea2d97b6c7e8d7a87"}},
    "Action=GetCallerIdentity&Version=2011-06-15",
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ebc73c1fc9a6d3fcf209846369b40323fe69086652cf093ea2d97b6c7e8d7a87"};

// sts.assume_role, form body needing percent-encoding
const BotocoreVector kBotoStsAssumeRole = {
    "POST", "/", "sts",
    false,
    {{"Host", "sts.us-east-1.amazonaws.com"}, {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}, {"X-Amz-Date", "20261130T101500Z"}, {"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=8052a9c0b9b4cda9c438ec488bda19d23adcd3b57c1c01fc4c2bd35e999dac75"}},
    "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdemo&RoleSessionName=user%2Bname%3Da%2Cb.c%40d-e&DurationSeconds=900&Policy=%7B%22Statement%22%3A+%5B%7B%22Sid%22%3A+%22caf%C3%A9+%E2%9C%93%22%2C+%22Effect%22%3A+%22Deny%22%7D%5D%7D",
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=8052a9c0b9b4cda9c438ec488bda19d23adcd3b57c1c01fc4c2bd35e999dac75"};

// s3.put_object over http, key 'my folder/caf\u00e9 \u2713 (1).txt'
const BotocoreVector kBotoS3PutUnicodeKey = {
    "PUT", "/examplebucket/my%20folder/caf%C3%A9%20%E2%9C%93%20%281%29.txt", "s3",
    true,
    {{"Host", "localhost:4566"}, {"Content-Type", "text/plain"}, {"x-amz-checksum-crc32", "SF7r+Q=="}, {"x-amz-sdk-checksum-algorithm", "CRC32"}, {"X-Amz-Date", "20261130T101500Z"}, {"X-Amz-Content-SHA256", "a45cdb5deb59013cf204450d11e2dfa755c6f156ee586df4270c6d7f3c2aae81"}, {"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/us-east-1/s3/aws4_request, SignedHeaders=content-type;host;x-amz-checksum-crc32;x-amz-content-sha256;x-amz-date;x-amz-sdk-checksum-algorithm, Signature=603e1f0ad6e91ef57fbb5d738488f138c2afd2cb312bf5a764bcae344136d0bd"}},
    "Hello, opentrail!\n",
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/us-east-1/s3/aws4_request, SignedHeaders=content-type;host;x-amz-checksum-crc32;x-amz-content-sha256;x-amz-date;x-amz-sdk-checksum-algorithm, Signature=603e1f0ad6e91ef57fbb5d738488f138c2afd2cb312bf5a764bcae344136d0bd"};

// s3.list_objects_v2 with a query string
const BotocoreVector kBotoS3ListObjectsV2 = {
    "GET", "/examplebucket?list-type=2&prefix=my%20folder%2F&max-keys=3&delimiter=%2F&encoding-type=url", "s3",
    true,
    {{"Host", "localhost:4566"}, {"X-Amz-Date", "20261130T101500Z"}, {"X-Amz-Content-SHA256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}, {"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=e3f30e5897050282ea51894f7abccb049514627931eaed8b5e51b581459531d4"}},
    "",
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=e3f30e5897050282ea51894f7abccb049514627931eaed8b5e51b581459531d4"};

// SigV4Auth on a path with dot segments, a double slash and an escaped space
const BotocoreVector kBotoNormalizedPath = {
    "GET", "/a/./b/../c%20d//e/?z=1&a=b%20c&a=%E2%9C%93", "service",
    false,
    {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20261130T101500Z"}, {"Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=50cb4fbb708bc9e6dbc981c023f8ce52a82a3328b4cbba331bf4304e99c61960"}},
    "",
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=50cb4fbb708bc9e6dbc981c023f8ce52a82a3328b4cbba331bf4304e99c61960"};

// s3.generate_presigned_url get_object (S3SigV4QueryAuth), same unicode key;
// sent with Host: localhost:4566
constexpr char kBotoS3PresignedTarget[] = "/examplebucket/my%20folder/caf%C3%A9%20%E2%9C%93%20%281%29.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261130%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261130T101500Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=32c08dfe61a775566210f239bca3b79e02b195027d7fa458e14f6518d8ce83e0";

// SigV4QueryAuth: STS GetCallerIdentity presigned like `aws eks get-token`, with token;
// sent with Host: sts.amazonaws.com and x-k8s-aws-id: my-cluster
constexpr char kBotoStsPresignedTarget[] = "/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261130%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20261130T101500Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Security-Token=FQoGZXIvYXdzEXAMPLE%2F%2F%2F%2F%2F%2F%2F%2F%2F%2FwEaDEXAMPLETOKEN%2B%2F%3D%3D&X-Amz-Signature=850dd474eec10b7edf351814fee955960d23e030e89208c9598e6f6c04609c26";
// END generated

void CheckBotocoreVector(const BotocoreVector& v, std::string_view token) {
  SigV4Params params;
  Status st = ExtractAndVerify(v.method, v.target, v.headers, v.body, kBotoSecret, v.s3, &params);
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(params.service, v.service);
  EXPECT_EQ(params.security_token, token);
  EXPECT_TRUE(CheckRequestTime(params, kBotoNow).ok());

  // SignRequest, given what botocore had before signing, reproduces its Authorization.
  std::vector<Header> unsigned_headers =
      Without(v.headers, {"Authorization", "X-Amz-Date", "X-Amz-Security-Token"});
  if (!v.s3) unsigned_headers = Without(unsigned_headers, {"X-Amz-Content-SHA256"});
  SignRequest(v.method, v.target, &unsigned_headers, v.body, kBotoKey, kBotoSecret, "us-east-1",
              v.service, kBotoNow, token);
  EXPECT_EQ(Find(unsigned_headers, "Authorization"), v.authorization);
  EXPECT_EQ(Find(unsigned_headers, "X-Amz-Security-Token"), token);
}

TEST(SigV4BotocoreTest, CloudTrailJsonWithTargetAndToken) {
  CheckBotocoreVector(kBotoCloudTrailLookupEvents, kBotoToken);
}
TEST(SigV4BotocoreTest, StsQueryFormPost) {
  CheckBotocoreVector(kBotoStsGetCallerIdentity, "");
  CheckBotocoreVector(kBotoStsAssumeRole, "");
}
TEST(SigV4BotocoreTest, S3PutWithSpacesAndUnicodeInKey) {
  CheckBotocoreVector(kBotoS3PutUnicodeKey, "");
  // The key as botocore percent-encoded it is signed as sent, not re-encoded.
  RequestView view{kBotoS3PutUnicodeKey.method, kBotoS3PutUnicodeKey.target,
                   &kBotoS3PutUnicodeKey.headers};
  auto params = ExtractSigV4(view);
  ASSERT_TRUE(params.ok());
  std::string creq = CanonicalRequest(view, *params, true, Sha256Hex(kBotoS3PutUnicodeKey.body));
  EXPECT_EQ(creq.substr(0, creq.find('\n', 4)),
            "PUT\n/examplebucket/my%20folder/caf%C3%A9%20%E2%9C%93%20%281%29.txt");
}
TEST(SigV4BotocoreTest, S3ListObjectsWithQuery) { CheckBotocoreVector(kBotoS3ListObjectsV2, ""); }
TEST(SigV4BotocoreTest, NonS3PathNormalization) {
  CheckBotocoreVector(kBotoNormalizedPath, "");
  RequestView view{"GET", kBotoNormalizedPath.target, &kBotoNormalizedPath.headers};
  auto params = ExtractSigV4(view);
  ASSERT_TRUE(params.ok());
  std::string creq = CanonicalRequest(view, *params, false, kEmptySha);
  EXPECT_EQ(creq.substr(0, creq.find("\nhost:")), "GET\n/a/c%2520d/e/\na=%E2%9C%93&a=b%20c&z=1");
}

TEST(SigV4BotocoreTest, S3PresignedUrl) {
  std::vector<Header> headers = {{"Host", "localhost:4566"}};
  RequestView view{"GET", kBotoS3PresignedTarget, &headers};
  auto params = ExtractSigV4(view);
  ASSERT_TRUE(params.ok()) << params.status().ToString();
  EXPECT_EQ(params->method, AuthMethod::kQueryString);
  EXPECT_EQ(params->expires_seconds, 3600);
  auto hash = PayloadHashFor(*params, "");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(*hash, kUnsignedPayload);
  EXPECT_TRUE(VerifySignature(view, *params, kBotoSecret, true, *hash).ok());
  EXPECT_TRUE(CheckRequestTime(*params, kBotoNow + 3600).ok());
  EXPECT_EQ(CheckRequestTime(*params, kBotoNow + 3601).code(), kErrRequestExpired);
  // Any change to the signed parts breaks it.
  std::string tampered = kBotoS3PresignedTarget;
  tampered.replace(tampered.find("X-Amz-Expires=3600"), 18, "X-Amz-Expires=3601");
  RequestView tampered_view{"GET", tampered, &headers};
  auto tp = ExtractSigV4(tampered_view);
  ASSERT_TRUE(tp.ok());
  EXPECT_EQ(VerifySignature(tampered_view, *tp, kBotoSecret, true, *hash).code(),
            kErrSignatureMismatch);
}

TEST(SigV4BotocoreTest, StsPresignedUrlLikeEksGetToken) {
  std::vector<Header> headers = {{"Host", "sts.amazonaws.com"}, {"x-k8s-aws-id", "my-cluster"}};
  RequestView view{"GET", kBotoStsPresignedTarget, &headers};
  auto params = ExtractSigV4(view);
  ASSERT_TRUE(params.ok()) << params.status().ToString();
  EXPECT_EQ(params->security_token, kBotoToken);
  EXPECT_EQ(params->signed_headers, (std::vector<std::string>{"host", "x-k8s-aws-id"}));
  auto hash = PayloadHashFor(*params, "");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(*hash, kEmptySha);  // SigV4QueryAuth signs the (empty) body's hash
  EXPECT_TRUE(VerifySignature(view, *params, kBotoSecret, false, *hash).ok());
  EXPECT_TRUE(CheckRequestTime(*params, kBotoNow + 60).ok());
  EXPECT_EQ(CheckRequestTime(*params, kBotoNow + 61).code(), kErrRequestExpired);
  // The signed x-k8s-aws-id header matters.
  std::vector<Header> other = {{"Host", "sts.amazonaws.com"}, {"x-k8s-aws-id", "other"}};
  RequestView other_view{"GET", kBotoStsPresignedTarget, &other};
  EXPECT_EQ(VerifySignature(other_view, *params, kBotoSecret, false, *hash).code(),
            kErrSignatureMismatch);
}

// --------------------------------------------------------------------------------------
// Canonicalisation details
// --------------------------------------------------------------------------------------

SigV4Params HostOnly(AuthMethod method = AuthMethod::kAuthHeader) {
  SigV4Params p;
  p.method = method;
  p.signed_headers = {"host"};
  return p;
}

std::string CanonicalPathAndQuery(std::string_view target, bool s3,
                                  AuthMethod method = AuthMethod::kAuthHeader) {
  std::vector<Header> headers = {{"Host", "h"}};
  std::string creq = CanonicalRequest(RequestView{"GET", target, &headers}, HostOnly(method), s3,
                                      "x");
  size_t first = creq.find('\n');
  size_t third = creq.find('\n', creq.find('\n', first + 1) + 1);
  return creq.substr(first + 1, third - first - 1);
}

TEST(SigV4CanonicalTest, UriEncodeAndDecode) {
  EXPECT_EQ(UriEncode("AZaz09-_.~", true), "AZaz09-_.~");
  EXPECT_EQ(UriEncode("a b/c+d*e%f", true), "a%20b%2Fc%2Bd%2Ae%25f");
  EXPECT_EQ(UriEncode("a b/c", false), "a%20b/c");
  EXPECT_EQ(UriEncode("\xe1\x88\xb4", true), "%E1%88%B4");
  std::string out;
  EXPECT_TRUE(UriDecode("a%20b%2fc+d", &out));
  EXPECT_EQ(out, "a b/c+d");
  EXPECT_TRUE(UriDecode("a+b", &out, true));
  EXPECT_EQ(out, "a b");
  EXPECT_FALSE(UriDecode("%", &out));
  EXPECT_FALSE(UriDecode("%2", &out));
  EXPECT_FALSE(UriDecode("%zz", &out));
  EXPECT_FALSE(UriDecode("abc%4", &out));
  EXPECT_TRUE(UriDecode("", &out));
  EXPECT_EQ(out, "");
}

TEST(SigV4CanonicalTest, PathRules) {
  // Non-S3: normalized, then encoded again (botocore's _normalize_url_path).
  EXPECT_EQ(CanonicalPathAndQuery("/a%20b", false), "/a%2520b\n");
  EXPECT_EQ(CanonicalPathAndQuery("/a/b/../../../c", false), "/c\n");
  EXPECT_EQ(CanonicalPathAndQuery("/a/./b/.", false), "/a/b\n");
  EXPECT_EQ(CanonicalPathAndQuery("/a//b//", false), "/a/b/\n");
  EXPECT_EQ(CanonicalPathAndQuery("", false), "/\n");
  EXPECT_EQ(CanonicalPathAndQuery("/%2E%2E/x", false), "/%252E%252E/x\n");
  EXPECT_EQ(CanonicalPathAndQuery("/~user/a+b", false), "/~user/a%2Bb\n");
  // S3: exactly as received.
  EXPECT_EQ(CanonicalPathAndQuery("/a%20b/../c//d", true), "/a%20b/../c//d\n");
  EXPECT_EQ(CanonicalPathAndQuery("", true), "/\n");
  // Absolute-form targets are reduced to their path.
  EXPECT_EQ(CanonicalPathAndQuery("http://example.com/a/b?x=1", false), "/a/b\nx=1");
  EXPECT_EQ(CanonicalPathAndQuery("https://example.com", false), "/\n");
}

TEST(SigV4CanonicalTest, QueryRules) {
  EXPECT_EQ(CanonicalPathAndQuery("/?lifecycle", true), "/\nlifecycle=");
  EXPECT_EQ(CanonicalPathAndQuery("/?b=2&a=1&a=0", true), "/\na=0&a=1&b=2");
  EXPECT_EQ(CanonicalPathAndQuery("/?A=1&a=1&B=", true), "/\nA=1&B=&a=1");
  EXPECT_EQ(CanonicalPathAndQuery("/?k=a%20b&j=%7e&i=%7E", true), "/\ni=~&j=~&k=a%20b");
  EXPECT_EQ(CanonicalPathAndQuery("/?x=a+b", true), "/\nx=a%2Bb");
  EXPECT_EQ(CanonicalPathAndQuery("/?x=a=b", true), "/\nx=a%3Db");
  EXPECT_EQ(CanonicalPathAndQuery("/?a=1&&b=2&", true), "/\na=1&b=2");
  EXPECT_EQ(CanonicalPathAndQuery("/?prefix=%2f&delimiter=/", true),
            "/\ndelimiter=%2F&prefix=%2F");
  // Malformed escapes are kept literally (and so can only fail to match).
  EXPECT_EQ(CanonicalPathAndQuery("/?a=%zz&b=%&c=%4", true), "/\na=%25zz&b=%25&c=%254");
  // X-Amz-Signature is left out of presigned canonical requests only.
  EXPECT_EQ(CanonicalPathAndQuery("/?X-Amz-Signature=abc&z=1", true, AuthMethod::kQueryString),
            "/\nz=1");
  EXPECT_EQ(CanonicalPathAndQuery("/?X-Amz-Signature=abc&z=1", true),
            "/\nX-Amz-Signature=abc&z=1");
}

TEST(SigV4CanonicalTest, HeaderRules) {
  std::vector<Header> headers = {{"Host", "h"},
                                 {"X-A", "  one   two\t\tthree  "},
                                 {"x-a", "\tfour "},
                                 {"X-Empty", ""},
                                 {"X-Unsigned", "ignored"}};
  SigV4Params p = HostOnly();
  p.signed_headers = {"host", "x-a", "x-empty", "x-missing"};
  std::string creq = CanonicalRequest(RequestView{"GET", "/", &headers}, p, true, "hash");
  EXPECT_EQ(creq,
            "GET\n/\n\nhost:h\nx-a:one two three,four\nx-empty:\nx-missing:\n\n"
            "host;x-a;x-empty;x-missing\nhash");
}

// --------------------------------------------------------------------------------------
// Authorization parsing and validation
// --------------------------------------------------------------------------------------

constexpr char kGoodCredential[] = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";
constexpr char kGoodSig[] = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

Result<SigV4Params> ExtractWithAuth(std::string auth,
                                    std::vector<Header> extra = {{"X-Amz-Date", kSuiteDate}},
                                    std::string target = "/") {
  std::vector<Header> headers = {{"Host", "example.amazonaws.com"}};
  for (auto& e : extra) headers.push_back(e);
  headers.push_back({"Authorization", std::move(auth)});
  return ExtractSigV4(RequestView{"GET", target, &headers});
}

std::string Auth(std::string credential = kGoodCredential,
                 std::string signed_headers = "host;x-amz-date", std::string sig = kGoodSig) {
  return "AWS4-HMAC-SHA256 Credential=" + credential + ", SignedHeaders=" + signed_headers +
         ", Signature=" + sig;
}

TEST(SigV4ExtractTest, AcceptsSpacingVariants) {
  for (std::string auth :
       {Auth(),
        std::string("AWS4-HMAC-SHA256 Credential=") + kGoodCredential +
            ",SignedHeaders=host;x-amz-date,Signature=" + kGoodSig,
        std::string("AWS4-HMAC-SHA256   Credential=") + kGoodCredential +
            " ,  SignedHeaders=host;x-amz-date ,\tSignature=" + kGoodSig + "  ",
        std::string("AWS4-HMAC-SHA256 Signature=") + kGoodSig + ", Credential=" +
            kGoodCredential + ", SignedHeaders=host;x-amz-date"}) {
    SCOPED_TRACE(auth);
    auto p = ExtractWithAuth(auth);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_EQ(p->signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
    EXPECT_EQ(p->signature, kGoodSig);
  }
  // Upper-case hex and header names are normalized.
  auto p = ExtractWithAuth(Auth(kGoodCredential, "Host;X-Amz-Date",
                                "5FA00FA31553B73EBF1942676E86291E8372FF2A2260956D9B8AAE1D763FBF31"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->signature, kGoodSig);
  EXPECT_EQ(p->signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
}

TEST(SigV4ExtractTest, RejectsMalformedAuthorization) {
  const std::string cred = kGoodCredential;
  const std::vector<std::string> bad = {
      "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=" + std::string(kGoodSig),
      "AWS4-HMAC-SHA256 Credential=" + cred + ", Signature=" + kGoodSig,
      "AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=host;x-amz-date",
      "AWS4-HMAC-SHA256",
      "AWS4-HMAC-SHA256 ",
      "",
      "AWS4-HMAC-SHA512 Credential=" + cred + ", SignedHeaders=host, Signature=" + kGoodSig,
      "AWS AKIDEXAMPLE:c2lnbmF0dXJl",
      "Bearer abc",
      "aws4-hmac-sha256 Credential=" + cred + ", SignedHeaders=host, Signature=" + kGoodSig,
      Auth("AKIDEXAMPLE/20150830/us-east-1/service"),
      Auth("AKIDEXAMPLE/20150830/us-east-1/service/aws4_request/extra"),
      Auth("AKIDEXAMPLE/20150830/us-east-1/service/aws5_request"),
      Auth("AKIDEXAMPLE/2015083/us-east-1/service/aws4_request"),
      Auth("AKIDEXAMPLE/2015O830/us-east-1/service/aws4_request"),
      Auth("/20150830/us-east-1/service/aws4_request"),
      Auth("AKIDEXAMPLE/20150830//service/aws4_request"),
      Auth("AKID EXAMPLE/20150830/us-east-1/service/aws4_request"),
      Auth(kGoodCredential, "x-amz-date"),
      Auth(kGoodCredential, ""),
      Auth(kGoodCredential, "host;;x-amz-date"),
      Auth(kGoodCredential, "host;x amz"),
      Auth(kGoodCredential, "host", "abc"),
      Auth(kGoodCredential, "host", std::string(63, 'a')),
      Auth(kGoodCredential, "host", std::string(64, 'g')),
      Auth() + ", Signature=" + kGoodSig,
      Auth() + ", Foo=bar",
      Auth() + ", junk",
  };
  for (const auto& auth : bad) {
    SCOPED_TRACE(auth);
    auto p = ExtractWithAuth(auth);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), kErrIncompleteSignature);
    EXPECT_EQ(p.status().http_status(), 403);
  }
}

TEST(SigV4ExtractTest, DateHandling) {
  // Missing or malformed X-Amz-Date.
  EXPECT_EQ(ExtractWithAuth(Auth(), {}).status().code(), kErrIncompleteSignature);
  EXPECT_EQ(ExtractWithAuth(Auth(), {{"X-Amz-Date", "2015-08-30T12:36:00Z"}}).status().code(),
            kErrIncompleteSignature);
  EXPECT_EQ(ExtractWithAuth(Auth(), {{"X-Amz-Date", "20151330T123600Z"}}).status().code(),
            kErrIncompleteSignature);
  // The Date header is the fallback (RFC 1123, Python's "-0000" form, or the basic format).
  for (const char* date : {"Sun, 30 Aug 2015 12:36:00 GMT", "Sun, 30 Aug 2015 12:36:00 -0000",
                           "30 Aug 2015 12:36:00 UTC", "20150830T123600Z"}) {
    SCOPED_TRACE(date);
    auto p = ExtractWithAuth(Auth(kGoodCredential, "date;host"), {{"Date", date}});
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_EQ(p->amz_date, kSuiteDate);
    EXPECT_EQ(p->request_time, Epoch(kSuiteDate));
  }
  EXPECT_FALSE(ExtractWithAuth(Auth(), {{"Date", "Sun, 30 Aug 2015 12:36:00 +0200"}}).ok());
  EXPECT_FALSE(ExtractWithAuth(Auth(), {{"Date", "yesterday"}}).ok());
  // X-Amz-Date wins over Date.
  auto p = ExtractWithAuth(Auth(), {{"Date", "Mon, 31 Aug 2015 12:36:00 GMT"},
                                    {"X-Amz-Date", kSuiteDate}});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->amz_date, kSuiteDate);
}

TEST(SigV4ExtractTest, DateHeaderSigningRoundTrip) {
  // botocore replaces a Date header instead of adding X-Amz-Date; so does SignRequest.
  std::vector<Header> headers = {{"Host", "example.amazonaws.com"},
                                 {"Date", "Thu, 01 Jan 1970 00:00:00 GMT"}};
  SignRequest("GET", "/", &headers, "", kSuiteKey, kSuiteSecret, "us-east-1", "service",
              Epoch(kSuiteDate));
  EXPECT_EQ(Find(headers, "Date"), "Sun, 30 Aug 2015 12:36:00 -0000");
  EXPECT_EQ(Find(headers, "X-Amz-Date"), "");
  SigV4Params p;
  EXPECT_TRUE(ExtractAndVerify("GET", "/", headers, "", kSuiteSecret, false, &p).ok());
  EXPECT_EQ(p.amz_date, kSuiteDate);
}

TEST(SigV4ExtractTest, MissingAndConflictingAuth) {
  std::vector<Header> headers = {{"Host", "h"}, {"X-Amz-Date", kSuiteDate}};
  auto none = ExtractSigV4(RequestView{"GET", "/?a=b", &headers});
  EXPECT_EQ(none.status().code(), kErrMissingAuth);
  auto null_headers = ExtractSigV4(RequestView{"GET", "/", nullptr});
  EXPECT_EQ(null_headers.status().code(), kErrMissingAuth);

  auto both = ExtractWithAuth(Auth(), {{"X-Amz-Date", kSuiteDate}},
                              "/?X-Amz-Algorithm=AWS4-HMAC-SHA256");
  EXPECT_EQ(both.status().code(), kErrIncompleteSignature);
}

TEST(SigV4ExtractTest, PresignedValidation) {
  std::vector<Header> headers = {{"Host", "example.amazonaws.com"}};
  const std::string alg = "X-Amz-Algorithm=AWS4-HMAC-SHA256";
  const std::string cred =
      "X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request";
  const std::string date = "X-Amz-Date=20150830T123600Z";
  const std::string sh = "X-Amz-SignedHeaders=host";
  const std::string sig = std::string("X-Amz-Signature=") + kGoodSig;
  auto extract = [&](std::string expires, std::string a = "", std::string c = "",
                     std::string d = "", std::string s = "", std::string g = "") {
    std::string q = (a.empty() ? alg : a) + "&" + (c.empty() ? cred : c) + "&" +
                    (d.empty() ? date : d) + "&" + (s.empty() ? sh : s) + "&" +
                    (g.empty() ? sig : g);
    if (!expires.empty()) q += "&" + expires;
    std::string target = "/?" + q;
    return ExtractSigV4(RequestView{"GET", target, &headers});
  };
  auto ok = extract("X-Amz-Expires=604800");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->expires_seconds, 604800);
  EXPECT_TRUE(extract("X-Amz-Expires=1").ok());
  for (const char* e : {"", "X-Amz-Expires=0", "X-Amz-Expires=604801", "X-Amz-Expires=-5",
                        "X-Amz-Expires=abc", "X-Amz-Expires=", "X-Amz-Expires=99999999999999999999",
                        "X-Amz-Expires=1&X-Amz-Expires=2"}) {
    SCOPED_TRACE(e);
    EXPECT_EQ(extract(e).status().code(), kErrIncompleteSignature);
  }
  const std::string e = "X-Amz-Expires=60";
  EXPECT_FALSE(extract(e, "X-Amz-Algorithm=AWS4-HMAC-SHA1").ok());
  EXPECT_FALSE(extract(e, "", "X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice").ok());
  EXPECT_FALSE(extract(e, "", "X-Amz-Credential=AKIDEXAMPLE%2G20150830").ok());
  EXPECT_FALSE(extract(e, "", "", "X-Amz-Date=20150830").ok());
  EXPECT_FALSE(extract(e, "", "", "", "X-Amz-SignedHeaders=x-amz-date").ok());
  EXPECT_FALSE(extract(e, "", "", "", "", "X-Amz-Signature=zz").ok());
  std::string missing_sig = "/?" + alg + "&" + cred + "&" + date + "&" + sh + "&" + e;
  EXPECT_EQ(ExtractSigV4(RequestView{"GET", missing_sig, &headers}).status().code(),
            kErrIncompleteSignature);
}

TEST(SigV4TimeTest, HeaderAuthSkew) {
  auto p = ExtractWithAuth(Auth());
  ASSERT_TRUE(p.ok());
  int64_t t = Epoch(kSuiteDate);
  EXPECT_TRUE(CheckRequestTime(*p, t).ok());
  EXPECT_TRUE(CheckRequestTime(*p, t + 900).ok());
  EXPECT_TRUE(CheckRequestTime(*p, t - 900).ok());
  EXPECT_EQ(CheckRequestTime(*p, t + 901).code(), kErrRequestTimeTooSkewed);
  EXPECT_EQ(CheckRequestTime(*p, t - 901).code(), kErrRequestTimeTooSkewed);
  // The credential scope date must be the date of X-Amz-Date.
  auto other_day = ExtractWithAuth(Auth("AKIDEXAMPLE/20150831/us-east-1/service/aws4_request"));
  ASSERT_TRUE(other_day.ok());
  EXPECT_EQ(CheckRequestTime(*other_day, t).code(), kErrSignatureMismatch);
}

TEST(SigV4PayloadTest, PayloadHashRules) {
  SigV4Params header_auth;
  header_auth.method = AuthMethod::kAuthHeader;
  header_auth.service = "s3";
  EXPECT_EQ(*PayloadHashFor(header_auth, "abc"), Sha256Hex("abc"));
  header_auth.content_sha256 = "UNSIGNED-PAYLOAD";
  EXPECT_EQ(*PayloadHashFor(header_auth, "abc"), "UNSIGNED-PAYLOAD");
  for (auto literal : {kStreamingSigned, kStreamingSignedTrailer, kStreamingUnsignedTrailer}) {
    header_auth.content_sha256 = std::string(literal);
    EXPECT_EQ(*PayloadHashFor(header_auth, "0\r\n\r\n"), literal);
  }
  header_auth.content_sha256 = Sha256Hex("abc");
  EXPECT_EQ(*PayloadHashFor(header_auth, "abc"), Sha256Hex("abc"));
  EXPECT_EQ(PayloadHashFor(header_auth, "abd").status().code(), kErrContentSha256Mismatch);
  std::string upper = Sha256Hex("abc");
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  header_auth.content_sha256 = upper;
  EXPECT_EQ(*PayloadHashFor(header_auth, "abc"), upper);  // used as sent
  header_auth.content_sha256 = "not-a-hash";
  EXPECT_EQ(PayloadHashFor(header_auth, "abc").status().code(), kErrContentSha256Mismatch);

  SigV4Params presigned;
  presigned.method = AuthMethod::kQueryString;
  presigned.service = "s3";
  EXPECT_EQ(*PayloadHashFor(presigned, "abc"), "UNSIGNED-PAYLOAD");
  presigned.content_sha256 = Sha256Hex("abc");
  EXPECT_EQ(*PayloadHashFor(presigned, "abc"), Sha256Hex("abc"));
  presigned.content_sha256.clear();
  presigned.service = "sts";
  EXPECT_EQ(*PayloadHashFor(presigned, ""), kEmptySha);
}

TEST(SigV4SignRequestTest, S3AddsContentSha256AndKeepsCallerLiteral) {
  std::vector<Header> headers = {{"Host", "localhost"}, {"User-Agent", "x"},
                                 {"Transfer-Encoding", "chunked"}};
  SignRequest("put", "/b/k", &headers, "data", "AK", "SK", "us-east-1", "s3", Epoch(kSuiteDate));
  EXPECT_EQ(Find(headers, "X-Amz-Content-SHA256"), Sha256Hex("data"));
  std::string auth(Find(headers, "Authorization"));
  EXPECT_NE(auth.find("SignedHeaders=host;x-amz-content-sha256;x-amz-date,"), std::string::npos)
      << auth;
  EXPECT_TRUE(ExtractAndVerify("PUT", "/b/k", headers, "data", "SK", true).ok());

  std::vector<Header> streaming = {{"Host", "localhost"},
                                   {"x-amz-content-sha256", std::string(kStreamingUnsignedTrailer)}};
  SignRequest("PUT", "/b/k", &streaming, "ignored", "AK", "SK", "us-east-1", "s3",
              Epoch(kSuiteDate));
  EXPECT_EQ(Find(streaming, "x-amz-content-sha256"), kStreamingUnsignedTrailer);
  EXPECT_TRUE(ExtractAndVerify("PUT", "/b/k", streaming, "whatever", "SK", true).ok());

  // Re-signing replaces the previous Authorization / X-Amz-Date instead of adding more.
  SignRequest("PUT", "/b/k", &streaming, "ignored", "AK", "SK", "us-east-1", "s3",
              Epoch(kSuiteDate) + 1);
  int auths = 0, dates = 0;
  for (const auto& h : streaming) {
    auths += Lower(h.name) == "authorization";
    dates += Lower(h.name) == "x-amz-date";
  }
  EXPECT_EQ(auths, 1);
  EXPECT_EQ(dates, 1);
}

// --------------------------------------------------------------------------------------
// Hostile input: bounded, never crashes, never throws.
// --------------------------------------------------------------------------------------

TEST(SigV4HostileTest, HugeAndManyInputs) {
  // A megabyte Authorization header is refused without being parsed.
  auto huge = ExtractWithAuth(Auth() + std::string(1 << 20, ' ') + "x");
  EXPECT_EQ(huge.status().code(), kErrIncompleteSignature);
  auto huge_sh = ExtractWithAuth(Auth(kGoodCredential, "host" + std::string(20000, ';') + "x"));
  EXPECT_EQ(huge_sh.status().code(), kErrIncompleteSignature);
  std::string many_headers = "host";
  for (int i = 0; i < 300; ++i) many_headers += ";x-h" + std::to_string(i);
  EXPECT_EQ(ExtractWithAuth(Auth(kGoodCredential, many_headers)).status().code(),
            kErrIncompleteSignature);

  // 200k query parameters: refused.
  std::string target = "/?";
  for (int i = 0; i < 200000; ++i) target += "a=1&";
  EXPECT_EQ(ExtractWithAuth(Auth(), {{"X-Amz-Date", kSuiteDate}}, target).status().code(),
            kErrIncompleteSignature);

  // Long paths full of dot segments, and megabyte header values, canonicalize linearly.
  std::string path;
  for (int i = 0; i < 100000; ++i) path += "/a/../.";
  std::vector<Header> headers = {{"Host", std::string(1 << 20, ' ') + "h"},
                                 {"X-Amz-Date", kSuiteDate}};
  SigV4Params p = HostOnly();
  std::string creq = CanonicalRequest(RequestView{"GET", path, &headers}, p, false, "x");
  EXPECT_EQ(creq, "GET\n/\n\nhost:h\n\nhost\nx");
}

TEST(SigV4HostileTest, RandomInputsNeverCrash) {
  std::mt19937 rng(12345);
  const std::string alphabet = "%/?&=;,. aAzZ09-_~\t\r\n\x80\xff+:XAmz";
  auto random_string = [&](size_t max_len) {
    std::string s(rng() % (max_len + 1), '\0');
    for (auto& c : s) c = alphabet[rng() % alphabet.size()];
    return s;
  };
  const std::vector<std::string> templates = {
      "AWS4-HMAC-SHA256 Credential=", ", SignedHeaders=", ", Signature=", "X-Amz-Algorithm=",
      "X-Amz-Credential=", "X-Amz-Signature=", "X-Amz-Expires=", "X-Amz-SignedHeaders=",
      "X-Amz-Date=", "aws4_request", "host"};
  for (int i = 0; i < 3000; ++i) {
    std::string auth, target = "/";
    for (int k = 0; k < 4; ++k) {
      auth += templates[rng() % templates.size()] + random_string(12);
      target += random_string(6) + templates[rng() % templates.size()] + random_string(6);
    }
    std::vector<Header> headers = {{"Host", random_string(8)}, {"X-Amz-Date", random_string(18)},
                                   {"Date", random_string(30)}};
    if (rng() % 2) headers.push_back({"Authorization", auth});
    RequestView view{"GET", target, &headers};
    auto params = ExtractSigV4(view);
    SigV4Params p = params.ok() ? *params : HostOnly();
    if (rng() % 3 == 0) p.signed_headers = {random_string(5), "host"};
    std::string creq = CanonicalRequest(view, p, rng() % 2, "h");
    EXPECT_FALSE(creq.empty());
    (void)VerifySignature(view, p, "secret", rng() % 2, "h");
    (void)CheckRequestTime(p, 0);
    std::string decoded;
    (void)UriDecode(target, &decoded, rng() % 2);
  }
}

}  // namespace
}  // namespace ot::auth
