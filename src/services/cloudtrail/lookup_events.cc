// services/cloudtrail/lookup_events.cc — LookupEvents exactly as history.md §2–§9.
#include <cmath>

#include "common/crypto.h"
#include "common/json_writer.h"
#include "common/time.h"
#include "services/cloudtrail/cloudtrail_service.h"
#include "services/cloudtrail/next_token.h"

namespace ot::services {

namespace json = boost::json;

namespace {

constexpr int64_t kTokenMaxAgeMs = 7LL * 86'400'000;

Status Serialization(const std::string& what) {
  return Status::Error("SerializationException", what, 400);
}
Status InvalidAttributes(const std::string& what) {
  return Status::Error("InvalidLookupAttributesException", what, 400);
}

// AttributeValue length where '_', ' ', ',' and newline count twice (history.md §2).
size_t WeightedLength(std::string_view v) {
  size_t n = 0;
  for (char c : v) n += (c == '_' || c == ' ' || c == ',' || c == '\n') ? 2 : 1;
  return n;
}

std::optional<history::Attribute> AttributeFromKey(std::string_view key) {
  using A = history::Attribute;
  if (key == "EventId") return A::kEventId;
  if (key == "EventName") return A::kEventName;
  if (key == "ReadOnly") return A::kReadOnly;
  if (key == "Username") return A::kUsername;
  if (key == "ResourceType") return A::kResourceType;
  if (key == "ResourceName") return A::kResourceName;
  if (key == "EventSource") return A::kEventSource;
  if (key == "AccessKeyId") return A::kAccessKeyId;
  return std::nullopt;
}

// Epoch seconds (integer or fraction) as milliseconds.
Result<int64_t> Timestamp(const json::value& v, const char* member) {
  double seconds;
  if (v.is_int64()) seconds = static_cast<double>(v.get_int64());
  else if (v.is_uint64()) seconds = static_cast<double>(v.get_uint64());
  else if (v.is_double()) seconds = v.get_double();
  else return Serialization(std::string(member) + " must be a timestamp (epoch seconds).");
  if (!std::isfinite(seconds) || std::fabs(seconds) > 1e13)
    return Status::Error("InvalidTimeRangeException", std::string(member) + " is out of range.", 400);
  return static_cast<int64_t>(std::floor(seconds * 1000.0));
}

struct ParsedQuery {
  history::LookupQuery query;
  std::string digest;  // what a NextToken is bound to
  int max_results = 50;
  std::string next_token;
  json::object logged;  // requestParameters of the record
};

Result<ParsedQuery> Parse(const json::object& in) {
  ParsedQuery p;
  std::string defining;  // canonical text of the query's defining parameters
  if (auto* v = in.if_contains("LookupAttributes"); v && !v->is_null()) {
    if (!v->is_array()) return Serialization("LookupAttributes must be a list.");
    const auto& list = v->get_array();
    if (list.size() > 1)
      return InvalidAttributes("You can only specify one lookup attribute.");
    json::array logged_attrs;
    for (const auto& item : list) {
      if (!item.is_object()) return Serialization("LookupAttributes entries must be structures.");
      const auto& o = item.get_object();
      auto* key = o.if_contains("AttributeKey");
      auto* value = o.if_contains("AttributeValue");
      if (key && !key->is_string()) return Serialization("AttributeKey must be a string.");
      if (value && !value->is_string()) return Serialization("AttributeValue must be a string.");
      if (!key) return InvalidAttributes("AttributeKey is required.");
      if (!value) return InvalidAttributes("AttributeValue is required.");
      std::string k(key->get_string()), val(value->get_string());
      auto attr = AttributeFromKey(k);
      if (!attr) return InvalidAttributes("Invalid attribute key: " + k);
      size_t len = WeightedLength(val);
      if (len < 1 || len > 2000)
        return InvalidAttributes("AttributeValue must be between 1 and 2000 characters.");
      p.query.attribute = std::make_pair(*attr, val);
      logged_attrs.push_back(json::object{{"attributeKey", k}, {"attributeValue", val}});
      defining += "A" + k + "\n" + val + "\n";
    }
    if (!logged_attrs.empty()) p.logged["lookupAttributes"] = std::move(logged_attrs);
  }
  if (auto* v = in.if_contains("StartTime"); v && !v->is_null()) {
    auto t = Timestamp(*v, "StartTime");
    if (!t.ok()) return t.status();
    p.query.start_ms = *t;
    p.logged["startTime"] = FormatIso8601(*t / 1000);
    defining += "S" + std::to_string(*t) + "\n";
  }
  if (auto* v = in.if_contains("EndTime"); v && !v->is_null()) {
    auto t = Timestamp(*v, "EndTime");
    if (!t.ok()) return t.status();
    p.query.end_ms = *t;
    p.logged["endTime"] = FormatIso8601(*t / 1000);
    defining += "E" + std::to_string(*t) + "\n";
  }
  if (p.query.start_ms != INT64_MIN && p.query.end_ms != INT64_MAX && p.query.start_ms > p.query.end_ms)
    return Status::Error("InvalidTimeRangeException", "Start time must be before end time.", 400);
  if (auto* v = in.if_contains("EventCategory"); v && !v->is_null()) {
    if (!v->is_string()) return Serialization("EventCategory must be a string.");
    if (v->get_string() != "insight")
      return Status::Error("InvalidEventCategoryException",
                           "Invalid EventCategory: " + std::string(v->get_string()), 400);
    p.query.category = history::Category::kInsight;
    p.logged["eventCategory"] = "insight";
    defining += "Cinsight\n";
    if (p.query.attribute) {
      auto a = p.query.attribute->first;
      if (a != history::Attribute::kEventId && a != history::Attribute::kEventName &&
          a != history::Attribute::kEventSource)
        return InvalidAttributes("With EventCategory insight only EventId, EventName and EventSource are supported.");
    }
  }
  if (auto* v = in.if_contains("MaxResults"); v && !v->is_null()) {
    if (!v->is_int64() && !v->is_uint64()) return Serialization("MaxResults must be an integer.");
    int64_t n = v->is_int64() ? v->get_int64() : static_cast<int64_t>(std::min<uint64_t>(v->get_uint64(), INT64_MAX));
    if (n < 1 || n > 50)
      return Status::Error("InvalidMaxResultsException", "MaxResults must be between 1 and 50.", 400);
    p.max_results = static_cast<int>(n);
    p.logged["maxResults"] = n;
  }
  if (auto* v = in.if_contains("NextToken"); v && !v->is_null()) {
    if (!v->is_string()) return Serialization("NextToken must be a string.");
    p.next_token = std::string(v->get_string());
  }
  p.digest = Sha256Hex(defining);
  return p;
}

void WriteEvent(JsonWriter& w, const history::LookupHit& hit) {
  history::RecordSummary s;
  history::Summarize(hit.record, &s);
  w.BeginObject();
  w.Key("EventId").String(s.event_id);
  w.Key("EventName").String(s.event_name);
  if (s.read_only) w.Key("ReadOnly").String(*s.read_only ? "true" : "false");
  if (!s.access_key_id.empty()) w.Key("AccessKeyId").String(s.access_key_id);
  w.Key("EventTime");
  if (s.event_time_ms % 1000 == 0) w.Raw(std::to_string(s.event_time_ms / 1000) + ".0");
  else w.Double(static_cast<double>(s.event_time_ms) / 1000.0);
  w.Key("EventSource").String(s.event_source);
  if (s.username) w.Key("Username").String(*s.username);
  w.Key("Resources").BeginArray();
  for (auto& r : s.resources) {
    w.BeginObject();
    if (!r.type.empty()) w.Key("ResourceType").String(r.type);
    w.Key("ResourceName").String(r.name);
    w.EndObject();
  }
  w.EndArray();
  w.Key("CloudTrailEvent").String(hit.record);
  w.EndObject();
}

}  // namespace

Status CloudTrailService::LookupEvents(Call& call) {
  auto parsed = Parse(call.json_input);
  if (!parsed.ok()) return parsed.status();
  ParsedQuery& p = *parsed;
  call.request_parameters = p.logged.empty() ? json::value(nullptr) : json::value(p.logged);

  p.query.account = call.principal->account_id;
  p.query.region = call.region;
  int64_t now = NowMillis();
  std::optional<history::Position> after;
  if (!p.next_token.empty()) {
    auto token = DecodePageToken(p.next_token, deps_.token_secret, now, kTokenMaxAgeMs);
    if (!token.ok()) return token.status();
    if (token->account != p.query.account || token->region != p.query.region ||
        token->query_digest != p.digest)
      return Status::Error("InvalidNextTokenException",
                           "The NextToken does not match the parameters of this request.", 400);
    p.query.snapshot = token->snapshot;
    after = history::Position{token->time_ms, token->sequence};
  } else {
    // Pin the walk to what is durable now; later events belong to a later walk.
    p.query.snapshot = deps_.journal->LastSequence();
  }

  auto page = deps_.history->Lookup(p.query, after, static_cast<size_t>(p.max_results));
  if (!page.ok()) return page.status();

  std::string out;
  out.reserve(page->hits.size() * 2048 + 64);
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("Events").BeginArray();
  for (const auto& hit : page->hits) WriteEvent(w, hit);
  w.EndArray();
  if (page->more && !page->hits.empty()) {
    PageToken t;
    t.account = p.query.account;
    t.region = p.query.region;
    t.query_digest = p.digest;
    t.snapshot = p.query.snapshot;
    t.time_ms = page->hits.back().position.time_ms;
    t.sequence = page->hits.back().position.sequence;
    t.issued_ms = now;
    w.Key("NextToken").String(EncodePageToken(t, deps_.token_secret));
  }
  w.EndObject();
  call.json_output_text = std::move(out);
  return Status::Ok();
}

}  // namespace ot::services
