// delivery/log_file.h — the bytes and the name of one delivered log file (delivery.md §2–§3).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ot::delivery {

enum class FileKind { kLog, kInsight };

// [PREFIX/]AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz
// `unique` is 16 characters [A-Za-z0-9].
std::string LogFileKey(std::string_view prefix, std::string_view account, std::string_view region,
                       int64_t file_time_ms, std::string_view unique, FileKind kind = FileKind::kLog);

// 16 [A-Za-z0-9] characters derived from `seed`, so a re-written file gets the same name.
std::string UniqueSuffix(std::string_view seed);

// {"Records":[r1,r2,...]} — the records are already compact JSON.
std::string LogFileJson(const std::vector<std::string_view>& records);

// One gzip member (RFC 1952), deterministic for the same input.
Result<std::string> Gzip(std::string_view data, int level = 6);

}  // namespace ot::delivery
