// trails/trail.h — one trail's configuration and logging state, and their durable store.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/kv_store.h"

namespace ot::trails {

inline constexpr const char* kTrailsFamily = "trails";

struct Trail {
  // Identity: owner account + home region + name (unique); ARN derived.
  std::string account;
  std::string home_region;
  std::string name;
  std::string arn() const { return "arn:aws:cloudtrail:" + home_region + ":" + account + ":trail/" + name; }

  // Configuration (trails.md §2).
  std::string s3_bucket;
  std::string s3_key_prefix;       // may be empty
  std::string sns_topic_arn;       // empty when unset
  bool include_global_service_events = true;
  bool multi_region = false;
  bool log_file_validation = false;
  bool organization = false;
  std::string cloudwatch_logs_group_arn;
  std::string cloudwatch_logs_role_arn;
  std::string kms_key_id;          // full key ARN when set
  std::string event_selectors;     // SelectorSet::Serialize(); empty = default
  std::string insight_selectors;   // ValidateInsightSelectors() output; empty = none
  std::map<std::string, std::string> tags;

  // Logging state. Delivery covers the journal sequences in [logging_from, logging_until]
  // of each logging period; StopLogging sets logging_until to the last sequence durable at
  // that moment, StartLogging sets logging_from past everything durable at that moment.
  bool logging = false;
  uint64_t logging_from = 0;       // first journal sequence of the current/last period
  uint64_t logging_until = 0;      // last sequence of the last period (when stopped)
  int64_t created_ms = 0;
  int64_t start_logging_ms = 0;    // StartLoggingTime / TimeLoggingStarted
  int64_t stop_logging_ms = 0;     // StopLoggingTime / TimeLoggingStopped
  uint64_t generation = 0;         // bumped on every change (delivery notices reconfiguration)
};

class TrailStore {
 public:
  explicit TrailStore(storage::KvStore* kv) : kv_(kv) {}
  Status Put(const Trail& trail);  // create or replace, durable
  Status Delete(const std::string& account, const std::string& home_region, const std::string& name);
  Result<std::optional<Trail>> Get(const std::string& account, const std::string& home_region,
                                   const std::string& name) const;
  // Every trail of every account (delivery), or of one account.
  Result<std::vector<Trail>> List(const std::string& account = "") const;

 private:
  storage::KvStore* kv_;
};

}  // namespace ot::trails
