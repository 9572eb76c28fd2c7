// trails/selectors.h — event selectors (selectors.md): parse and validate what
// PutEventSelectors receives, store it normalised, answer GetEventSelectors, and decide for
// each record whether a trail logs it. One evaluator for the whole program.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "common/status.h"

namespace ot::trails {

// The facts of a record that selectors look at (selectors.md §1), read once per record.
struct RecordFacts {
  std::string event_category;  // "Management", "Data", "NetworkActivity", "Insight"
  bool read_only = false;
  bool has_read_only = false;
  std::string event_source;
  std::string event_name;
  std::string event_type;
  struct Resource {
    std::string type;
    std::string arn;
  };
  std::vector<Resource> resources;
  std::string user_identity_arn;
  std::string error_code;      // empty when the call succeeded
  bool session_credential_from_console = false;
  std::string vpc_endpoint_id;
};

// Reads the facts from a record's JSON. False when it is not a JSON object.
bool ExtractFacts(std::string_view record_json, RecordFacts* out);

// A trail's selectors: either basic (1–5 EventSelectors) or advanced, never both.
class SelectorSet {
 public:
  // The default of a new trail: one basic selector, ReadWriteType All, management events
  // included, no data resources.
  static SelectorSet Default();

  // From a PutEventSelectors request body's members (exactly one of the two must be given;
  // the other absent). Validates everything selectors.md lists; errors are
  // InvalidEventSelectorsException (HTTP 400) with a message naming the problem.
  static Result<SelectorSet> FromRequest(const boost::json::value* event_selectors,
                                         const boost::json::value* advanced_event_selectors);

  // The stored normalised form, as JSON text (persisted with the trail) and back.
  std::string Serialize() const;
  static Result<SelectorSet> Deserialize(std::string_view text);

  // The members of GetEventSelectors / PutEventSelectors responses (without TrailARN):
  // {"EventSelectors":[...]} or {"AdvancedEventSelectors":[...]}.
  boost::json::object ToResponse() const;

  bool advanced() const;
  bool IsDefault() const;  // HasCustomEventSelectors is !IsDefault()
  // Whether the trail logs this record (OR across selectors).
  bool Matches(const RecordFacts& facts) const;
  // Whether some selector can admit data events (insights.md §1 prerequisites).
  bool LogsDataEvents() const;

  // Implementation detail: parsed selectors (defined in selectors.cc).
  struct Impl;
  SelectorSet();
  ~SelectorSet();
  SelectorSet(const SelectorSet&);
  SelectorSet& operator=(const SelectorSet&);
  SelectorSet(SelectorSet&&) noexcept;
  SelectorSet& operator=(SelectorSet&&) noexcept;

 private:
  std::unique_ptr<Impl> impl_;
};

// Insight selectors (PutInsightSelectors): stored and validated here; detection is elsewhere.
// InsightType ApiCallRateInsight / ApiErrorRateInsight, no duplicates; empty list disables.
// Errors: InvalidInsightSelectorsException. Response shape {"InsightSelectors":[...]}.
Result<std::string> ValidateInsightSelectors(const boost::json::value* insight_selectors);
boost::json::array InsightSelectorsFromStored(std::string_view stored);

// Optional check for PutInsightSelectors (insights.md §1 prerequisites, marked uncertain for
// trails): whether `selectors` log what each stored Insights type needs (call rate: write
// management events; error rate: read or write management events; category Data: data
// events). InvalidInsightSelectorsException naming the type when not; OK for "" (none).
Status CheckInsightPrerequisites(const SelectorSet& selectors, std::string_view stored_insights);

}  // namespace ot::trails
