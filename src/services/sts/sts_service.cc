#include "services/sts/sts_service.h"

#include <charconv>

#include "common/time.h"

namespace ot::services {

namespace json = boost::json;

namespace {
// STS logs credential expirations the way the service prints them:
// "Jul 10, 2023, 12:55:24 PM".
std::string StsLogTime(int64_t millis) {
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int64_t secs = millis / 1000;
  int64_t y;
  unsigned m, d;
  CivilFromDays(secs / 86400, &y, &m, &d);
  int64_t rem = secs % 86400;
  int h = static_cast<int>(rem / 3600), mi = static_cast<int>(rem % 3600 / 60),
      s = static_cast<int>(rem % 60);
  int h12 = h % 12 == 0 ? 12 : h % 12;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s %u, %lld, %d:%02d:%02d %s", kMonths[m - 1], d,
                static_cast<long long>(y), h12, mi, s, h < 12 ? "AM" : "PM");
  return buf;
}

Status Validation(std::string message) {
  return Status::Error("ValidationError", std::move(message), 400);
}
}  // namespace

StsService::StsService(auth::IdentityStore* identities) : identities_(identities) {
  protocol_.protocol = http::Protocol::kQuery;
  protocol_.xml_namespace = "https://sts.amazonaws.com/doc/2011-06-15/";
  protocol_.api_version = "2011-06-15";
}

std::vector<std::string> StsService::Operations() const {
  return {"GetAccessKeyInfo", "GetCallerIdentity", "GetSessionToken"};
}

bool StsService::Serves(std::string_view op) const {
  return op == "GetCallerIdentity" || op == "GetSessionToken" || op == "GetAccessKeyInfo";
}

Status StsService::Handle(Call& call) {
  if (call.operation == "GetCallerIdentity") return GetCallerIdentity(call);
  if (call.operation == "GetSessionToken") return GetSessionToken(call);
  if (call.operation == "GetAccessKeyInfo") return GetAccessKeyInfo(call);
  return Status::Error("InvalidAction", "Could not find operation " + call.operation, 400);
}

Status StsService::GetCallerIdentity(Call& call) {
  const auth::Principal& p = *call.principal;
  call.xml_result = "\n    <Arn>" + http::XmlEscape(p.arn) + "</Arn>\n    <UserId>" +
                    http::XmlEscape(p.principal_id) + "</UserId>\n    <Account>" + p.account_id +
                    "</Account>\n  ";
  return Status::Ok();
}

Status StsService::GetSessionToken(Call& call) {
  const auth::Principal& p = *call.principal;
  int64_t duration = p.is_root() ? 3600 : 43200;
  json::object logged;
  if (auto it = call.query_input.find("DurationSeconds"); it != call.query_input.end()) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
    if (ec != std::errc() || ptr != it->second.data() + it->second.size())
      return Validation("1 validation error detected: Value '" + it->second +
                        "' at 'durationSeconds' failed to satisfy constraint: Member must be a number");
    logged["durationSeconds"] = v;
    call.request_parameters = logged;
    if (v < 900 || v > 129600)
      return Validation("1 validation error detected: Value '" + it->second +
                        "' at 'durationSeconds' failed to satisfy constraint: Member must have value "
                        "greater than or equal to 900 and less than or equal to 129600");
    duration = p.is_root() ? std::min<int64_t>(v, 3600) : v;
  }
  if (!logged.empty()) call.request_parameters = logged;
  if (p.temporary)
    return Status::Error("AccessDenied",
                         "Cannot call GetSessionToken with session credentials", 403);
  auto cred = identities_->CreateSessionCredential(p, duration * 1000);
  if (!cred.ok()) return cred.status();
  call.xml_result = "\n    <Credentials>\n      <AccessKeyId>" + cred->access_key_id +
                    "</AccessKeyId>\n      <SecretAccessKey>" + cred->secret_access_key +
                    "</SecretAccessKey>\n      <SessionToken>" + http::XmlEscape(cred->session_token) +
                    "</SessionToken>\n      <Expiration>" + FormatIso8601(cred->expires_ms / 1000) +
                    "</Expiration>\n    </Credentials>\n  ";
  // AWS logs the new key id, token and expiration; never the secret.
  call.response_elements = json::object{
      {"credentials", json::object{{"accessKeyId", cred->access_key_id},
                                   {"sessionToken", cred->session_token},
                                   {"expiration", StsLogTime(cred->expires_ms)}}}};
  return Status::Ok();
}

Status StsService::GetAccessKeyInfo(Call& call) {
  auto it = call.query_input.find("AccessKeyId");
  if (it == call.query_input.end() || it->second.empty())
    return Validation("1 validation error detected: Value null at 'accessKeyId' failed to satisfy "
                      "constraint: Member must not be null");
  call.request_parameters = json::object{{"accessKeyId", it->second}};
  if (it->second.size() < 16 || it->second.size() > 128)
    return Validation("1 validation error detected: Value at 'accessKeyId' failed to satisfy "
                      "constraint: Member must have length between 16 and 128");
  // AWS answers with the owning account for any well-formed key; unknown keys map to the
  // caller's view of "no account": we only reveal accounts for keys we issued.
  auto cred = identities_->FindAccessKey(it->second);
  if (!cred)
    return Status::Error("InvalidClientTokenId", "The security token included in the request is invalid.", 403);
  call.xml_result = "\n    <Account>" + cred->principal.account_id + "</Account>\n  ";
  return Status::Ok();
}

}  // namespace ot::services
