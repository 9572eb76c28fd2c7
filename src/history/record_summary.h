// history/record_summary.h — the facts of a record that history indexes and LookupEvents
// returns (history.md §3–§4), read from the record's JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ot::history {

enum class Category : char { kManagement = 'M', kInsight = 'I', kOther = 'O' };

struct ResourceRef {
  std::string type;  // may be empty (ResourceType null)
  std::string name;
  bool operator==(const ResourceRef&) const = default;
};

struct RecordSummary {
  std::string event_id;
  int64_t event_time_ms = 0;
  std::string event_name;    // Insights: insightDetails.eventName
  std::string event_source;  // Insights: insightDetails.eventSource
  std::optional<bool> read_only;
  std::string access_key_id;
  std::optional<std::string> username;
  std::vector<ResourceRef> resources;
  std::string account_id;    // recipientAccountId
  std::string region;        // awsRegion
  Category category = Category::kOther;
};

// False when the text is not a record (not an object, no eventID/eventTime/account).
bool Summarize(std::string_view record_json, RecordSummary* out);

}  // namespace ot::history
