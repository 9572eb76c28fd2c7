// trails/trail.cc — TrailStore: one entry per trail in the "trails" family.
//
// Key:   <account> NUL <home region> NUL <name>   (bytewise order = (account, region, name);
//        none of the three can contain a NUL byte, so prefixes never run into each other)
// Value: the trail as a JSON object (Boost.JSON), every member of Trail, plus "v" (format).
// Tags are kept verbatim as strings (the trail API uses a value of one NUL byte for a tag
// stored without a value; JSON carries it as "\u0000").
#include "trails/trail.h"

#include <boost/json.hpp>

namespace ot::trails {

namespace json = boost::json;

namespace {

constexpr int64_t kFormatVersion = 1;

std::string Key(std::string_view account, std::string_view region, std::string_view name) {
  std::string k;
  k.reserve(account.size() + region.size() + name.size() + 2);
  k.append(account);
  k.push_back('\0');
  k.append(region);
  k.push_back('\0');
  k.append(name);
  return k;
}

std::string Encode(const Trail& t) {
  json::object o;
  o["v"] = kFormatVersion;
  o["account"] = t.account;
  o["home_region"] = t.home_region;
  o["name"] = t.name;
  o["s3_bucket"] = t.s3_bucket;
  o["s3_key_prefix"] = t.s3_key_prefix;
  o["sns_topic_arn"] = t.sns_topic_arn;
  o["include_global_service_events"] = t.include_global_service_events;
  o["multi_region"] = t.multi_region;
  o["log_file_validation"] = t.log_file_validation;
  o["organization"] = t.organization;
  o["cloudwatch_logs_group_arn"] = t.cloudwatch_logs_group_arn;
  o["cloudwatch_logs_role_arn"] = t.cloudwatch_logs_role_arn;
  o["kms_key_id"] = t.kms_key_id;
  o["event_selectors"] = t.event_selectors;
  o["insight_selectors"] = t.insight_selectors;
  json::object tags;
  for (const auto& [k, v] : t.tags) tags[k] = v;
  o["tags"] = std::move(tags);
  o["logging"] = t.logging;
  o["logging_from"] = t.logging_from;
  o["logging_until"] = t.logging_until;
  o["created_ms"] = t.created_ms;
  o["start_logging_ms"] = t.start_logging_ms;
  o["stop_logging_ms"] = t.stop_logging_ms;
  o["generation"] = t.generation;
  return json::serialize(o);
}

// Member readers: absent members keep the default (older records stay readable when
// members are added); a member of the wrong type makes the record corrupt.
bool ReadString(const json::object& o, const char* key, std::string* out) {
  auto* v = o.if_contains(key);
  if (!v) return true;
  if (!v->is_string()) return false;
  *out = std::string(v->get_string());
  return true;
}
bool ReadBool(const json::object& o, const char* key, bool* out) {
  auto* v = o.if_contains(key);
  if (!v) return true;
  if (!v->is_bool()) return false;
  *out = v->get_bool();
  return true;
}
bool ReadU64(const json::object& o, const char* key, uint64_t* out) {
  auto* v = o.if_contains(key);
  if (!v) return true;
  if (v->is_uint64()) *out = v->get_uint64();
  else if (v->is_int64() && v->get_int64() >= 0) *out = static_cast<uint64_t>(v->get_int64());
  else return false;
  return true;
}
bool ReadI64(const json::object& o, const char* key, int64_t* out) {
  auto* v = o.if_contains(key);
  if (!v) return true;
  if (v->is_int64()) *out = v->get_int64();
  else if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX))
    *out = static_cast<int64_t>(v->get_uint64());
  else return false;
  return true;
}

Result<Trail> Decode(std::string_view key, std::string_view text) {
  auto corrupt = [&](const std::string& why) {
    std::string printable(key);
    for (char& c : printable)
      if (c == '\0') c = '/';
    return Status::Internal("corrupt trail record " + printable + ": " + why);
  };
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return corrupt(ec.message());
  if (!v.is_object()) return corrupt("not an object");
  const auto& o = v.get_object();
  int64_t version = 0;
  if (!ReadI64(o, "v", &version) || version != kFormatVersion)
    return corrupt("unknown format version");
  Trail t;
  bool ok = ReadString(o, "account", &t.account) && ReadString(o, "home_region", &t.home_region) &&
            ReadString(o, "name", &t.name) && ReadString(o, "s3_bucket", &t.s3_bucket) &&
            ReadString(o, "s3_key_prefix", &t.s3_key_prefix) &&
            ReadString(o, "sns_topic_arn", &t.sns_topic_arn) &&
            ReadBool(o, "include_global_service_events", &t.include_global_service_events) &&
            ReadBool(o, "multi_region", &t.multi_region) &&
            ReadBool(o, "log_file_validation", &t.log_file_validation) &&
            ReadBool(o, "organization", &t.organization) &&
            ReadString(o, "cloudwatch_logs_group_arn", &t.cloudwatch_logs_group_arn) &&
            ReadString(o, "cloudwatch_logs_role_arn", &t.cloudwatch_logs_role_arn) &&
            ReadString(o, "kms_key_id", &t.kms_key_id) &&
            ReadString(o, "event_selectors", &t.event_selectors) &&
            ReadString(o, "insight_selectors", &t.insight_selectors) &&
            ReadBool(o, "logging", &t.logging) && ReadU64(o, "logging_from", &t.logging_from) &&
            ReadU64(o, "logging_until", &t.logging_until) && ReadI64(o, "created_ms", &t.created_ms) &&
            ReadI64(o, "start_logging_ms", &t.start_logging_ms) &&
            ReadI64(o, "stop_logging_ms", &t.stop_logging_ms) &&
            ReadU64(o, "generation", &t.generation);
  if (!ok) return corrupt("member of the wrong type");
  if (auto* tags = o.if_contains("tags")) {
    if (!tags->is_object()) return corrupt("tags is not an object");
    for (const auto& kv : tags->get_object()) {
      if (!kv.value().is_string()) return corrupt("tag value is not a string");
      t.tags.emplace(std::string(kv.key()), std::string(kv.value().get_string()));
    }
  }
  if (Key(t.account, t.home_region, t.name) != key) return corrupt("identity does not match the key");
  return t;
}

bool ValidIdentityPart(std::string_view s) {
  return !s.empty() && s.find('\0') == std::string_view::npos;
}

}  // namespace

Status TrailStore::Put(const Trail& trail) {
  if (!ValidIdentityPart(trail.account) || !ValidIdentityPart(trail.home_region) ||
      !ValidIdentityPart(trail.name))
    return Status::Internal("trail without account, home region or name");
  return kv_->Put(kTrailsFamily, Key(trail.account, trail.home_region, trail.name), Encode(trail),
                  /*sync=*/true);
}

Status TrailStore::Delete(const std::string& account, const std::string& home_region,
                          const std::string& name) {
  auto batch = kv_->NewBatch();
  batch->Delete(kTrailsFamily, Key(account, home_region, name));
  return kv_->Write(*batch, /*sync=*/true);
}

Result<std::optional<Trail>> TrailStore::Get(const std::string& account,
                                             const std::string& home_region,
                                             const std::string& name) const {
  if (!ValidIdentityPart(account) || !ValidIdentityPart(home_region) || !ValidIdentityPart(name))
    return std::optional<Trail>();
  std::string key = Key(account, home_region, name);
  auto value = kv_->Get(kTrailsFamily, key);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::optional<Trail>();
  auto trail = Decode(key, **value);
  if (!trail.ok()) return trail.status();
  return std::optional<Trail>(std::move(*trail));
}

Result<std::vector<Trail>> TrailStore::List(const std::string& account) const {
  std::vector<Trail> out;
  std::string prefix;
  if (!account.empty()) {
    prefix = account;
    prefix.push_back('\0');
  }
  auto it = kv_->NewIterator(kTrailsFamily);
  if (prefix.empty()) it->SeekToFirst();
  else it->Seek(prefix);
  for (; it->Valid(); it->Next()) {
    std::string_view key = it->key();
    if (!prefix.empty() && !key.starts_with(prefix)) break;
    auto trail = Decode(key, it->value());
    if (!trail.ok()) return trail.status();
    out.push_back(std::move(*trail));
  }
  OT_RETURN_IF_ERROR(it->status());
  return out;
}

}  // namespace ot::trails
