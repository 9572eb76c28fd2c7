#include "services/cloudtrail/next_token.h"

#include <boost/json.hpp>

#include "common/crypto.h"

namespace ot::services {

namespace json = boost::json;

namespace {
Status Invalid() {
  return Status::Error("InvalidNextTokenException", "Invalid NextToken.", 400);
}
}  // namespace

std::string EncodePageToken(const PageToken& t, std::string_view secret) {
  std::string payload = json::serialize(json::array{
      1, t.account, t.region, t.query_digest, t.snapshot, t.time_ms, t.sequence, t.issued_ms});
  auto mac = HmacSha256(secret, payload);
  return Base64Encode(payload) + "." + Base64Encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

Result<PageToken> DecodePageToken(std::string_view text, std::string_view secret, int64_t now_ms,
                                  int64_t max_age_ms) {
  if (text.size() > 4096) return Invalid();
  auto dot = text.find('.');
  if (dot == std::string_view::npos) return Invalid();
  std::string payload, mac;
  if (!Base64Decode(text.substr(0, dot), &payload) || !Base64Decode(text.substr(dot + 1), &mac))
    return Invalid();
  auto expect = HmacSha256(secret, payload);
  if (!ConstantTimeEquals(mac, std::string_view(reinterpret_cast<const char*>(expect.data()), expect.size())))
    return Invalid();
  boost::system::error_code ec;
  json::value v = json::parse(payload, ec);
  if (ec || !v.is_array()) return Invalid();
  auto& a = v.get_array();
  if (a.size() != 8 || !a[0].is_int64() || a[0].get_int64() != 1) return Invalid();
  PageToken t;
  try {
    t.account = json::value_to<std::string>(a[1]);
    t.region = json::value_to<std::string>(a[2]);
    t.query_digest = json::value_to<std::string>(a[3]);
    t.snapshot = json::value_to<uint64_t>(a[4]);
    t.time_ms = json::value_to<int64_t>(a[5]);
    t.sequence = json::value_to<uint64_t>(a[6]);
    t.issued_ms = json::value_to<int64_t>(a[7]);
  } catch (const std::exception&) {
    return Invalid();
  }
  if (now_ms - t.issued_ms > max_age_ms) return Invalid();
  return t;
}

}  // namespace ot::services
