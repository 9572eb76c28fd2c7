#include "services/s3/lifecycle.h"

#include <charconv>
#include <set>

#include <spdlog/spdlog.h>

#include "common/time.h"
#include "services/s3/s3_xml.h"

namespace ot::services::s3 {

namespace {

Status Malformed() {
  return Status::Error("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema", 400);
}

std::string_view Local(const char* name) {
  std::string_view n(name);
  auto colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

Status ReadTag(pugi::xml_node tag, std::map<std::string, std::string>* tags) {
  pugi::xml_node key = Child(tag, "Key");
  if (!key) return Malformed();
  (*tags)[key.text().get()] = ChildText(tag, "Value");
  return Status::Ok();
}

}  // namespace

Result<std::vector<LifecycleRule>> ParseLifecycle(std::string_view xml) {
  auto doc = ParseXmlBody(xml, "LifecycleConfiguration");
  if (!doc.ok()) return doc.status();
  std::vector<LifecycleRule> rules;
  std::set<std::string> ids;
  for (pugi::xml_node r = (*doc)->document_element().first_child(); r; r = r.next_sibling()) {
    if (r.type() != pugi::node_element) continue;
    if (Local(r.name()) != "Rule") return Malformed();
    LifecycleRule rule;
    rule.id = ChildText(r, "ID");
    if (rule.id.size() > 255)
      return Status::Error("InvalidArgument", "ID length should not exceed allowed limit of 255", 400);
    if (!rule.id.empty() && !ids.insert(rule.id).second)
      return Status::Error("InvalidArgument", "Rule ID must be unique. Found same ID for more than one rule", 400);
    std::string status = ChildText(r, "Status");
    if (status != "Enabled" && status != "Disabled") return Malformed();
    rule.enabled = status == "Enabled";
    pugi::xml_node filter = Child(r, "Filter");
    pugi::xml_node legacy_prefix = Child(r, "Prefix");
    if (filter && legacy_prefix) return Malformed();
    if (legacy_prefix) rule.prefix = legacy_prefix.text().get();
    if (filter) {
      int parts = 0;
      if (pugi::xml_node p = Child(filter, "Prefix")) { rule.prefix = p.text().get(); ++parts; }
      if (pugi::xml_node t = Child(filter, "Tag")) { OT_RETURN_IF_ERROR(ReadTag(t, &rule.tags)); ++parts; }
      if (pugi::xml_node a = Child(filter, "And")) {
        ++parts;
        rule.prefix = ChildText(a, "Prefix");
        for (pugi::xml_node t = a.first_child(); t; t = t.next_sibling())
          if (t.type() == pugi::node_element && Local(t.name()) == "Tag") OT_RETURN_IF_ERROR(ReadTag(t, &rule.tags));
      }
      if (Child(filter, "ObjectSizeGreaterThan") || Child(filter, "ObjectSizeLessThan")) ++parts;
      if (parts > 1) return Malformed();
    }
    bool any_action = false;
    if (pugi::xml_node e = Child(r, "Expiration")) {
      any_action = true;
      std::string days = ChildText(e, "Days"), date = ChildText(e, "Date");
      if (!days.empty() && !date.empty()) return Malformed();
      if (!days.empty()) {
        int64_t d = 0;
        auto [p, ec] = std::from_chars(days.data(), days.data() + days.size(), d);
        if (ec != std::errc() || p != days.data() + days.size() || d <= 0)
          return Status::Error("InvalidArgument", "'Days' for Expiration action must be a positive integer", 400);
        rule.expiration_days = d;
      } else if (!date.empty()) {
        auto ms = ParseIso8601Millis(date);
        if (!ms) ms = ParseIso8601Millis(date + "T00:00:00Z");
        if (!ms || *ms % 86'400'000 != 0)
          return Status::Error("InvalidArgument", "'Date' must be at midnight GMT", 400);
        rule.expiration_date_ms = *ms;
      } else if (ChildText(e, "ExpiredObjectDeleteMarker").empty()) {
        return Malformed();
      }
    }
    if (pugi::xml_node a = Child(r, "AbortIncompleteMultipartUpload")) {
      any_action = true;
      std::string days = ChildText(a, "DaysAfterInitiation");
      int64_t d = 0;
      auto [p, ec] = std::from_chars(days.data(), days.data() + days.size(), d);
      if (ec != std::errc() || p != days.data() + days.size() || d <= 0)
        return Status::Error("InvalidArgument", "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer", 400);
      if (!rule.tags.empty())
        return Status::Error("InvalidRequest", "AbortIncompleteMultipartUpload cannot be specified with Tags.", 400);
      rule.abort_incomplete_days = d;
    }
    for (const char* other : {"Transition", "NoncurrentVersionExpiration", "NoncurrentVersionTransition"})
      if (Child(r, other)) any_action = true;  // accepted; opentrail has one storage class, no versions
    if (!any_action)
      return Status::Error("InvalidRequest", "At least one action needs to be specified in a rule", 400);
    rules.push_back(std::move(rule));
  }
  if (rules.empty() || rules.size() > 1000) return Malformed();
  return rules;
}

int64_t ExpiryTime(int64_t created_ms, int64_t days, int64_t day_ms) {
  int64_t t = created_ms + days * day_ms;
  return (t + day_ms - 1) / day_ms * day_ms;
}

LifecycleSweeper::LifecycleSweeper(objectstore::ObjectStore* store, int64_t day_ms)
    : store_(store), day_ms_(day_ms > 0 ? day_ms : 86'400'000) {}

LifecycleSweeper::~LifecycleSweeper() { Stop(); }

void LifecycleSweeper::Start() {
  worker_ = std::thread([this] {
    // A pass every quarter "day", at most every minute, at least every 200 ms.
    int64_t period = std::clamp<int64_t>(day_ms_ / 4, 200, 60'000);
    while (!stopping_) {
      SweepOnce(NowMillis());
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(period), [&] { return stopping_.load(); });
    }
  });
}

void LifecycleSweeper::Stop() {
  stopping_ = true;
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

size_t LifecycleSweeper::SweepOnce(int64_t now) {
  size_t done = 0;
  auto buckets = store_->ListBuckets();
  if (!buckets.ok()) return 0;
  for (auto& bucket : *buckets) {
    auto doc = store_->GetBucketDocument(bucket.name, "lifecycle");
    if (!doc.ok() || !doc->has_value()) continue;
    auto rules = ParseLifecycle(**doc);
    if (!rules.ok()) continue;
    for (auto& rule : *rules) {
      if (!rule.enabled) continue;
      if (rule.expiration_days || rule.expiration_date_ms) {
        objectstore::ListOptions opts{rule.prefix, "", "", 1000};
        for (;;) {
          auto page = store_->ListObjects(bucket.name, opts);
          if (!page.ok()) break;
          for (auto& o : page->objects) {
            bool due = rule.expiration_date_ms ? now >= *rule.expiration_date_ms
                                               : now >= ExpiryTime(o.last_modified_ms, *rule.expiration_days, day_ms_);
            if (!due) continue;
            if (!rule.tags.empty()) {
              auto info = store_->HeadObject(bucket.name, o.key);
              if (!info.ok()) continue;
              bool match = true;
              for (auto& [k, v] : rule.tags) {
                auto it = info->tags.find(k);
                match &= it != info->tags.end() && it->second == v;
              }
              if (!match) continue;
            }
            if (store_->DeleteObject(bucket.name, o.key).ok()) ++done;
          }
          if (!page->truncated) break;
          opts.start_after = page->last_key;
        }
      }
      if (rule.abort_incomplete_days) {
        auto uploads = store_->ListUploads(bucket.name, rule.prefix);
        if (!uploads.ok()) continue;
        for (auto& u : *uploads)
          if (now >= ExpiryTime(u.initiated_ms, *rule.abort_incomplete_days, day_ms_) &&
              store_->AbortUpload(bucket.name, u.upload_id).ok())
            ++done;
      }
    }
  }
  if (done > 0) spdlog::info("lifecycle: {} objects expired or uploads aborted", done);
  return done;
}

}  // namespace ot::services::s3
