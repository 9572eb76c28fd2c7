#include "recorder/record_builder.h"

#include "common/ids.h"
#include "common/time.h"

namespace ot::recorder {

namespace json = boost::json;

namespace {
constexpr size_t kStringFieldCap = 1024;        // userAgent, errorCode, errorMessage, requestID
constexpr size_t kParametersCap = 100 * 1024;   // requestParameters, responseElements
constexpr size_t kAdditionalDataCap = 28 * 1024;

std::string Truncate(const std::string& s) {
  if (s.size() <= kStringFieldCap) return s;
  // Cut at a UTF-8 boundary so the record stays valid UTF-8.
  size_t n = kStringFieldCap;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

// Larger content is omitted (records.md §1): logged as null.
json::value Capped(const json::value* v, size_t cap) {
  if (!v || v->is_null()) return nullptr;
  if (json::serialize(*v).size() > cap) return nullptr;
  return *v;
}
}  // namespace

json::object UserIdentity(const auth::Principal& p) {
  json::object id;
  id["type"] = p.type;
  id["principalId"] = p.principal_id;
  id["arn"] = p.arn;
  id["accountId"] = p.account_id;
  id["accessKeyId"] = p.access_key_id;
  if (!p.user_name.empty()) id["userName"] = p.user_name;
  if (p.temporary) {
    json::object issuer;
    if (!p.issuer.type.empty()) {
      issuer["type"] = p.issuer.type;
      issuer["principalId"] = p.issuer.principal_id;
      issuer["arn"] = p.issuer.arn;
      issuer["accountId"] = p.issuer.account_id;
      issuer["userName"] = p.issuer.user_name;
    }
    id["sessionContext"] = json::object{
        {"sessionIssuer", std::move(issuer)},
        {"webIdFederationData", json::object{}},
        {"attributes", json::object{{"creationDate", FormatIso8601(p.session_created_ms / 1000)},
                                    {"mfaAuthenticated", p.mfa_authenticated ? "true" : "false"}}}};
  }
  return id;
}

std::string BuildRecord(const CallFacts& f) {
  const OperationInfo& op = *f.operation;
  json::object r;
  r.reserve(24);
  r["eventVersion"] = kEventVersion;
  r["userIdentity"] = UserIdentity(*f.principal);
  r["eventTime"] = FormatIso8601(f.event_time_ms / 1000);
  r["eventSource"] = op.event_source;
  r["eventName"] = op.event_name;
  r["awsRegion"] = f.aws_region;
  r["sourceIPAddress"] = f.source_ip;
  r["userAgent"] = Truncate(f.user_agent);
  if (!f.error_code.empty()) {
    r["errorCode"] = Truncate(f.error_code);
    if (!f.error_message.empty()) r["errorMessage"] = Truncate(f.error_message);
  }
  r["requestParameters"] = Capped(f.request_parameters, kParametersCap);
  r["responseElements"] =
      f.error_code.empty() ? Capped(f.response_elements, kParametersCap) : json::value(nullptr);
  if (f.additional_event_data && f.additional_event_data->is_object()) {
    json::value extra = Capped(f.additional_event_data, kAdditionalDataCap);
    if (!extra.is_null()) r["additionalEventData"] = std::move(extra);
  }
  r["requestID"] = Truncate(f.request_id);
  r["eventID"] = f.event_id.empty() ? NewUuid() : f.event_id;
  r["readOnly"] = op.read_only;
  if (f.resources && !f.resources->empty()) r["resources"] = *f.resources;
  r["eventType"] = "AwsApiCall";
  r["managementEvent"] = op.management;
  r["recipientAccountId"] =
      f.recipient_account_id.empty() ? f.principal->account_id : f.recipient_account_id;
  r["eventCategory"] = op.management ? "Management" : "Data";
  if (!f.tls_version.empty())
    r["tlsDetails"] = json::object{{"tlsVersion", f.tls_version},
                                   {"cipherSuite", f.cipher_suite},
                                   {"clientProvidedHostHeader", f.host_header}};
  return json::serialize(r);
}

}  // namespace ot::recorder
