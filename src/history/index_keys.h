// history/index_keys.h — the byte layout of history's index (one RocksDB column family).
//
// All keys of one (account, region, category) sort together, newest first:
//   T scope ~time ~seq                         every event (time-range walks)
//   A scope attr escaped(value) 00 00 ~time ~seq   one per lookup attribute value
//   D account eventID                          every imported/recorded eventID (dedup)
//   B bucket                                   max event time per journal bucket (journal floor)
//   \xff cursor                                the journal position indexed through
// scope = account(12) region 00 category(1). ~x = bitwise NOT, big-endian, so a forward
// scan meets the newest event first and ties go newest-commit first. T/A values hold the
// record's journal location (16 bytes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "history/record_summary.h"
#include "journal/journal.h"

namespace ot::history {

inline constexpr const char* kHistoryFamily = "history";

enum class Attribute : char {
  kEventId = '1',
  kEventName = '2',
  kReadOnly = '3',
  kUsername = '4',
  kResourceType = '5',
  kResourceName = '6',
  kEventSource = '7',
  kAccessKeyId = '8',
};

std::string ScopePrefix(std::string_view account, std::string_view region, Category category);
std::string TimePrefix(std::string_view scope);
std::string AttributePrefix(std::string_view scope, Attribute attribute, std::string_view value);
// Appends ~time ~seq to a prefix.
std::string WithPosition(std::string prefix, int64_t time_ms, uint64_t sequence);
// Reads the position from the last 16 bytes of a T/A key.
void DecodePosition(std::string_view key, int64_t* time_ms, uint64_t* sequence);

std::string DedupKey(std::string_view account, std::string_view event_id);
std::string BucketKey(uint64_t bucket);
inline constexpr std::string_view kCursorKey = "\xff" "cursor";

std::string EncodeLocation(const journal::Location& location);
journal::Location DecodeLocation(std::string_view value);

}  // namespace ot::history
