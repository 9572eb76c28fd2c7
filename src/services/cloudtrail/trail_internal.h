// services/cloudtrail/trail_internal.h — what the trail operations share: reading request
// members, the logged request parameters, response text, the trail's wire form, and
// name/ARN resolution with home-region and shadow-trail visibility (trails.md §3.3, §4).
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "common/status.h"
#include "services/cloudtrail/cloudtrail_service.h"
#include "services/cloudtrail/trail_validation.h"
#include "trails/trail.h"

namespace ot::services::trailapi {

namespace json = boost::json;

// --- request members ------------------------------------------------------------------
// A member that is present with the wrong JSON type: SerializationException. JSON null
// counts as absent.
Status Serialization(const std::string& what);
Status InvalidParameter(const std::string& what);
Status OptString(const json::object& in, std::string_view key, std::optional<std::string>* out);
Status OptBool(const json::object& in, std::string_view key, std::optional<bool>* out);
Status OptArray(const json::object& in, std::string_view key, const json::array** out);
// A required name-or-ARN member; absent counts as the empty name (InvalidTrailNameException).
Status RequiredName(const json::object& in, std::string_view key, std::string* out);

// --- what CloudTrail logs ----------------------------------------------------------------
// Object keys with their first letter lowercased, recursively (records.md §2.7).
json::value LowerCamel(const json::value& v);
// The given members of the request (present, non-null), lowerCamelCase; null when none.
json::value LoggedMembers(const json::object& in, std::initializer_list<std::string_view> members);

// --- responses -----------------------------------------------------------------------------
// A timestamp member (epoch milliseconds held as a double of seconds); ToJsonText writes
// every double as epoch seconds with millisecond fraction (trails.md §1).
json::value Timestamp(int64_t epoch_ms);
std::string ToJsonText(const json::value& v);

bool HasCustomEventSelectors(const trails::Trail& t);
bool HasInsightSelectors(const trails::Trail& t);
// The §2 trail object. `full`: GetTrail/DescribeTrails form (HomeRegion, HasCustomEventSelectors,
// HasInsightSelectors); otherwise the CreateTrail/UpdateTrail response members.
json::object TrailObject(const trails::Trail& t, bool full);
// "my-topic" of "arn:aws:sns:us-east-1:111122223333:my-topic".
std::string TopicNameOf(std::string_view topic_arn);

// --- visibility and resolution ---------------------------------------------------------
// Enabled regions: deps.regions, or every region when the list is empty.
bool RegionEnabled(const CloudTrailDeps& deps, std::string_view region);
// Whether `t` is seen in `region` by its owner: home region, or a shadow of a multi-region
// trail in every other enabled region (§4.2).
bool VisibleIn(const CloudTrailDeps& deps, const trails::Trail& t, std::string_view region);
// The regions whose trail counts and names matter for a trail of `account` (enabled regions,
// plus the home regions of existing trails and `also`).
std::vector<std::string> RelevantRegions(const CloudTrailDeps& deps,
                                         const std::vector<trails::Trail>& existing,
                                         std::string_view also);

Status TrailNotFound(std::string_view arn, std::string_view caller_account);
Status AccountInArnWrong(std::string_view caller_account);
Status InvalidHomeRegion(const trails::Trail& t, std::string_view call_region);

enum class Access { kRead, kMutate };
// §3.3: a name matches the caller's trail homed in the call region; an ARN the trail it names
// (any region for reads; mutations must come from the home region → InvalidHomeRegionException).
Result<trails::Trail> ResolveTrail(const CloudTrailDeps& deps, const Call& call,
                                   std::string_view name_or_arn, Access access);

// §6.9 TagsList entries [{Key, Value?}]: InvalidTagParameterException for bad keys/values or
// a key given twice. Value absent → kTagWithoutValue.
Status ParseTags(const json::array& list, std::vector<std::pair<std::string, std::string>>* out);
inline constexpr size_t kMaxTagsPerTrail = 50;

}  // namespace ot::services::trailapi
