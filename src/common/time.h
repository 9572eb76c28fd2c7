// common/time.h — clocks, AWS time formats and duration flags.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ot {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

// Milliseconds since the Unix epoch.
int64_t NowMillis();
int64_t ToMillis(TimePoint t);

// "2026-11-24T10:14:03Z" (CloudTrail eventTime form, second precision).
std::string FormatIso8601(int64_t epoch_seconds);
// "20261124T101403Z" (SigV4 X-Amz-Date form).
std::string FormatAmzDate(int64_t epoch_seconds);
// "Mon, 24 Nov 2026 10:14:03 GMT" (HTTP date).
std::string FormatHttpDate(int64_t epoch_seconds);

// Parses "YYYYMMDDTHHMMSSZ". Returns epoch seconds.
std::optional<int64_t> ParseAmzDate(std::string_view s);
// Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" (also "+00:00"). Returns epoch milliseconds.
std::optional<int64_t> ParseIso8601Millis(std::string_view s);

// Parses "500ms", "2s", "5m", "1h", "90d", and "0". Returns milliseconds.
std::optional<int64_t> ParseDurationMillis(std::string_view s);

// Days since epoch for a civil date and back (Howard Hinnant's algorithms).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d);

}  // namespace ot
