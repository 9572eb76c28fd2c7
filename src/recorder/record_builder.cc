#include "recorder/record_builder.h"

#include "common/ids.h"
#include "common/json_writer.h"
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

}  // namespace

namespace {
void WriteUserIdentity(JsonWriter& w, std::string* out, const auth::Principal& p) {
  w.BeginObject();
  w.Key("type").String(p.type);
  w.Key("principalId").String(p.principal_id);
  w.Key("arn").String(p.arn);
  w.Key("accountId").String(p.account_id);
  w.Key("accessKeyId").String(p.access_key_id);
  if (!p.user_name.empty()) w.Key("userName").String(p.user_name);
  if (p.temporary) {
    w.Key("sessionContext").BeginObject();
    w.Key("sessionIssuer").BeginObject();
    if (!p.issuer.type.empty()) {
      w.Key("type").String(p.issuer.type);
      w.Key("principalId").String(p.issuer.principal_id);
      w.Key("arn").String(p.issuer.arn);
      w.Key("accountId").String(p.issuer.account_id);
      w.Key("userName").String(p.issuer.user_name);
    }
    w.EndObject();
    w.Key("webIdFederationData").BeginObject().EndObject();
    w.Key("attributes").BeginObject();
    w.Key("creationDate").String(FormatIso8601(p.session_created_ms / 1000));
    w.Key("mfaAuthenticated").String(p.mfa_authenticated ? "true" : "false");
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
}

// Serialized value, or "null" when absent or over the cap (larger content is omitted).
std::string CappedJson(const json::value* v, size_t cap) {
  if (!v || v->is_null()) return "null";
  std::string text = json::serialize(*v);
  return text.size() > cap ? "null" : text;
}
}  // namespace

json::object UserIdentity(const auth::Principal& p) {
  std::string text;
  JsonWriter w(&text);
  WriteUserIdentity(w, &text, p);
  return json::parse(text).as_object();
}

// Written straight to text (no DOM): this runs for every API call.
std::string BuildRecord(const CallFacts& f) {
  const OperationInfo& op = *f.operation;
  std::string out;
  out.reserve(1024);
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("eventVersion").String(kEventVersion);
  w.Key("userIdentity");
  WriteUserIdentity(w, &out, *f.principal);
  w.Key("eventTime").String(FormatIso8601(f.event_time_ms / 1000));
  w.Key("eventSource").String(op.event_source);
  w.Key("eventName").String(op.event_name);
  w.Key("awsRegion").String(f.aws_region);
  w.Key("sourceIPAddress").String(f.source_ip);
  w.Key("userAgent").String(Truncate(f.user_agent));
  if (!f.error_code.empty()) {
    w.Key("errorCode").String(Truncate(f.error_code));
    if (!f.error_message.empty()) w.Key("errorMessage").String(Truncate(f.error_message));
  }
  w.Key("requestParameters").Raw(CappedJson(f.request_parameters, kParametersCap));
  w.Key("responseElements").Raw(f.error_code.empty() ? CappedJson(f.response_elements, kParametersCap) : "null");
  if (f.additional_event_data && f.additional_event_data->is_object()) {
    std::string extra = CappedJson(f.additional_event_data, kAdditionalDataCap);
    if (extra != "null") w.Key("additionalEventData").Raw(extra);
  }
  w.Key("requestID").String(Truncate(f.request_id));
  w.Key("eventID").String(f.event_id.empty() ? NewUuid() : f.event_id);
  w.Key("readOnly").Bool(op.read_only);
  if (f.resources && !f.resources->empty()) w.Key("resources").Raw(json::serialize(*f.resources));
  w.Key("eventType").String("AwsApiCall");
  w.Key("managementEvent").Bool(op.management);
  w.Key("recipientAccountId").String(f.recipient_account_id.empty() ? f.principal->account_id
                                                                    : f.recipient_account_id);
  w.Key("eventCategory").String(op.management ? "Management" : "Data");
  if (!f.tls_version.empty()) {
    w.Key("tlsDetails").BeginObject();
    w.Key("tlsVersion").String(f.tls_version);
    w.Key("cipherSuite").String(f.cipher_suite);
    w.Key("clientProvidedHostHeader").String(f.host_header);
    w.EndObject();
  }
  w.EndObject();
  return out;
}

}  // namespace ot::recorder
