// history/index_keys.h — the byte layout of history's index (one RocksDB column family).
//
// Layout 2. All keys of one (account, region, category) scope sort together, newest first:
//   T sid ~time ~seq                               every event (time-range walks)
//   A sid attr escaped(value) 00 00 ~time ~seq     one per lookup attribute value (not EventId)
//   D account 00 eventID                           every imported/recorded eventID: dedup, and
//                                                  the EventId lookup (a point read)
//   S account 00 region 00 category                the scope dictionary: scope -> sid
//   B bucket                                       max event time per journal bucket (journal floor)
//   \xff cursor                                    the journal position indexed through
//   \xff layout                                    this layout's number
// sid = a 4-byte big-endian id per scope, assigned in order of first appearance and written
// in the same batch as the first entry using it. ~x = bitwise NOT, big-endian, so a forward
// scan meets the newest event first and ties go newest-commit first. T/A values hold the
// record's journal location (two varints). A D value holds the event time (8 bytes, so
// retention can expire it); an event in history (not a data event) adds its sequence (8),
// sid (4) and location.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "history/record_summary.h"
#include "journal/journal.h"

namespace ot::history {

inline constexpr const char* kHistoryFamily = "history";
inline constexpr std::string_view kLayout = "2";

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

// The scope's identity: account region 00 category (the dictionary key without its 'S').
std::string ScopePrefix(std::string_view account, std::string_view region, Category category);
std::string ScopeKey(std::string_view scope);
// The 4 bytes standing for a scope in T/A keys.
std::string EncodeScopeId(uint32_t sid);
uint32_t DecodeScopeId(std::string_view s);  // s.size() must be >= 4

std::string TimePrefix(std::string_view scope);
std::string AttributePrefix(std::string_view scope, Attribute attribute, std::string_view value);
void AppendAttributePrefix(std::string* out, std::string_view scope, Attribute attribute,
                           std::string_view value);
// Appends ~time ~seq to a prefix.
std::string WithPosition(std::string prefix, int64_t time_ms, uint64_t sequence);
void AppendPosition(std::string* out, int64_t time_ms, uint64_t sequence);
// Reads the position from the last 16 bytes of a T/A key.
void DecodePosition(std::string_view key, int64_t* time_ms, uint64_t* sequence);

std::string DedupKey(std::string_view account, std::string_view event_id);
void AppendDedupKey(std::string* out, std::string_view account, std::string_view event_id);

// A D value.
struct EventIdEntry {
  int64_t time_ms = 0;
  std::optional<uint64_t> sequence;  // absent for data events (not in history)
  uint32_t sid = 0;
  journal::Location location;
};
void AppendEventIdValue(std::string* out, const EventIdEntry& e);
bool DecodeEventIdValue(std::string_view value, EventIdEntry* out);

std::string BucketKey(uint64_t bucket);
inline constexpr std::string_view kCursorKey = "\xff" "cursor";
inline constexpr std::string_view kLayoutKey = "\xff" "layout";

std::string EncodeLocation(const journal::Location& location);
void AppendLocation(std::string* out, const journal::Location& location);
journal::Location DecodeLocation(std::string_view value);

}  // namespace ot::history
