// services/cloudtrail/trail_validation.h — the syntax rules of the trail API (trails.md §3,
// §4.4, §5, §6.9): trail names, trail ARNs, bucket names, tags; and the wire forms of
// timestamps. Pure functions; every error is the AWS exception with HTTP 400.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ot::services::trailapi {

// A tag stored without a value (trails.md §6.9: ListTags then omits Value). Tag values are
// restricted to letters, separators, numbers and a few symbols, so a NUL byte never collides
// with a real value.
inline const std::string kTagWithoutValue(1, '\0');

// §3.1: InvalidTrailNameException with the message of the first rule broken.
Status ValidateTrailName(std::string_view name);

// "arn:<partition>:<service>:<region>:<account>:<resource>"; the resource may contain ':'.
struct ArnParts {
  std::string partition;
  std::string service;
  std::string region;
  std::string account;
  std::string resource;
};
std::optional<ArnParts> SplitArn(std::string_view arn);

inline bool LooksLikeArn(std::string_view s) { return s.starts_with("arn:"); }

// §3.2 syntax: arn:<partition>:cloudtrail:<region>:<12-digit account>:trail/<valid name>.
// CloudTrailARNInvalidException otherwise.
struct TrailArn {
  std::string partition;
  std::string region;
  std::string account;
  std::string name;
};
Result<TrailArn> ParseTrailArn(std::string_view arn);
std::string TrailArnOf(std::string_view region, std::string_view account, std::string_view name);

bool IsAccountId(std::string_view s);   // 12 digits
bool IsRegionName(std::string_view s);  // lowercase letters, digits and '-', e.g. us-east-1
bool LooksLikeIpv4(std::string_view s); // ^\d{1,3}(\.\d{1,3}){3}$

// §5 #6 (S3 rules): InvalidS3BucketNameException.
Status ValidateBucketName(std::string_view bucket);
// §5 #7: InvalidS3PrefixException.
Status ValidateKeyPrefix(std::string_view prefix);

// §6.9: key 1–128 characters, value 0–256, characters of ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$.
bool ValidTagKey(std::string_view key);
bool ValidTagValue(std::string_view value);
// Unicode code points in valid UTF-8 (npos when the text is not valid UTF-8).
size_t Utf8Length(std::string_view s);

// Response timestamps: epoch seconds with millisecond fraction ("1454022144.869",
// "1454022144.0" on a whole second).
std::string FormatEpochSeconds(int64_t epoch_ms);

}  // namespace ot::services::trailapi
