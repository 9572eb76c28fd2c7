// services/cloudtrail/next_token.h — LookupEvents paging tokens (history.md §5).
//
// Opaque to clients; authenticated with HMAC-SHA256 under a server secret; bound to the
// account, region and query that made them; they pin the walk's position and the journal
// snapshot so a walk sees no duplicates or gaps while new events arrive.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ot::services {

struct PageToken {
  std::string account;
  std::string region;
  std::string query_digest;  // hex SHA-256 of the query's defining parameters
  uint64_t snapshot = 0;     // journal sequence the walk is pinned to
  int64_t time_ms = 0;       // position of the last event returned
  uint64_t sequence = 0;
  int64_t issued_ms = 0;
};

std::string EncodePageToken(const PageToken& token, std::string_view secret);
// InvalidNextTokenException when forged, altered, malformed or older than `max_age_ms`.
Result<PageToken> DecodePageToken(std::string_view text, std::string_view secret, int64_t now_ms,
                                  int64_t max_age_ms);

}  // namespace ot::services
