// services/cloudtrail/list_public_keys.cc — ListPublicKeys (integrity.md §6, trails.md §6.10).
#include <cmath>
#include <cstdio>

#include "common/json_writer.h"
#include "common/time.h"
#include "integrity/integrity.h"
#include "services/cloudtrail/cloudtrail_service.h"

namespace ot::services {

namespace json = boost::json;

namespace {

// Epoch seconds (integer or fraction) as milliseconds.
Result<int64_t> KeyTime(const json::value& v, const char* member) {
  double seconds;
  if (v.is_int64()) seconds = static_cast<double>(v.get_int64());
  else if (v.is_uint64()) seconds = static_cast<double>(v.get_uint64());
  else if (v.is_double()) seconds = v.get_double();
  else return Status::Error("SerializationException", std::string(member) + " must be a timestamp (epoch seconds).", 400);
  if (!std::isfinite(seconds) || std::fabs(seconds) > 1e13)
    return Status::Error("InvalidTimeRangeException", std::string(member) + " is out of range.", 400);
  return static_cast<int64_t>(std::floor(seconds * 1000.0));
}

// Epoch seconds as a JSON number: "1453076702.0", or with the milliseconds.
std::string EpochSeconds(int64_t ms) {
  int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  int64_t frac = ms - s * 1000;
  char buf[40];
  if (frac == 0) std::snprintf(buf, sizeof buf, "%lld.0", static_cast<long long>(s));
  else std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(s), static_cast<long long>(frac));
  return buf;
}

}  // namespace

Status CloudTrailService::ListPublicKeys(Call& call) {
  const json::object& in = call.json_input;
  int64_t now = NowMillis();
  std::optional<int64_t> start, end;
  json::object logged;
  if (auto* v = in.if_contains("StartTime"); v && !v->is_null()) {
    auto t = KeyTime(*v, "StartTime");
    if (!t.ok()) return t.status();
    start = *t;
    logged["startTime"] = FormatIso8601(*t >= 0 ? *t / 1000 : -((-*t + 999) / 1000));
  }
  if (auto* v = in.if_contains("EndTime"); v && !v->is_null()) {
    auto t = KeyTime(*v, "EndTime");
    if (!t.ok()) return t.status();
    end = *t;
    logged["endTime"] = FormatIso8601(*t >= 0 ? *t / 1000 : -((-*t + 999) / 1000));
  }
  if (auto* v = in.if_contains("NextToken"); v && !v->is_null() && !v->is_string())
    return Status::Error("SerializationException", "NextToken must be a string.", 400);
  call.request_parameters = logged.empty() ? json::value(nullptr) : json::value(std::move(logged));

  // No StartTime: the current keys only; no EndTime: now.
  int64_t from = start.value_or(now);
  int64_t to = end.value_or(now);
  if (from > to)
    return Status::Error("InvalidTimeRangeException", "Start time must be before end time.", 400);

  std::vector<integrity::PublicKey> keys;
  if (deps_.signing_keys != nullptr) {
    // A range that includes now always yields at least this region's current key (the
    // validator aborts on an empty list).
    if (from <= now && now <= to) {
      auto current = deps_.signing_keys->Current(call.region, now);
      if (!current.ok()) return current.status();
    }
    // Every region's keys: the caller's region need not be the digests' region (integrity.md §6).
    keys = deps_.signing_keys->List(from, to);
  }

  std::string out;
  out.reserve(64 + keys.size() * 512);
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("PublicKeyList").BeginArray();
  for (const auto& k : keys) {
    w.BeginObject();
    w.Key("Value").String(k.value);
    w.Key("ValidityStartTime").Raw(EpochSeconds(k.valid_from_ms));
    w.Key("ValidityEndTime").Raw(EpochSeconds(k.valid_until_ms));
    w.Key("Fingerprint").String(k.fingerprint);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  call.json_output_text = std::move(out);
  return Status::Ok();
}

}  // namespace ot::services
