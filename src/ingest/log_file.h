// ingest/log_file.h — parsing and validating CloudTrail log files from outside opentrail.
//
// Accepted shapes (any of them, gzip-compressed or plain, detected by content):
//   {"Records":[ {...}, ... ]}                 one log file object, as AWS delivers it
//   {"Records":[...]}\n{"Records":[...]} ...   several such objects concatenated / NDJSON
//   [ {...}, ... ]                             a bare JSON array of records
// Each record is validated on its own (records.md §6); a bad record is reported with its
// index and never blocks the good ones. Accepted records keep their content verbatim
// (unknown fields included), minified.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ot::ingest {

struct Limits {
  size_t max_decompressed_bytes = 1u << 30;  // gzip bombs stop here
  size_t max_record_bytes = 256 * 1024;      // records.md §1: an event is at most 256 KB
  size_t max_records = 10'000'000;
};

struct AcceptedRecord {
  size_t index = 0;            // position of the record in the file (0-based, across objects)
  std::string json;            // the record, minified, content unchanged
  std::string event_id;        // eventID
  std::string account_id;      // recipientAccountId (12 digits)
  std::string region;          // awsRegion
  int64_t event_time_ms = 0;   // eventTime
  bool insight = false;        // an Insights record (no eventSource/eventName required)
};

struct RecordError {
  size_t index = 0;            // position of the record in the file (0-based, across objects)
  std::string event_id;        // when the record had a readable eventID
  std::string message;         // e.g. "eventTime: expected YYYY-MM-DDTHH:MM:SSZ, got \"yesterday\""
};

struct ParsedFile {
  std::vector<AcceptedRecord> records;
  std::vector<RecordError> errors;
  size_t total = 0;            // records seen = records.size() + errors.size()
};

// Parses a whole file. A non-OK Status (code "InvalidLogFile", HTTP 400) means the file
// itself is unreadable (not gzip/JSON, wrong top-level shape, over a limit); otherwise every
// record is either accepted or listed in `errors`.
Status ParseLogFile(std::string_view bytes, const Limits& limits, ParsedFile* out);

// Validates one record given as JSON text. On success fills `out` (json minified).
// On failure returns false and sets `error` to a message naming the field.
bool ValidateRecordJson(std::string_view record_json, const Limits& limits,
                        AcceptedRecord* out, std::string* error);

// True when the bytes start with the gzip magic number.
bool IsGzip(std::string_view bytes);
// Decompresses (multi-member) gzip; InvalidLogFile when corrupt or over `max_bytes`.
Status Gunzip(std::string_view bytes, size_t max_bytes, std::string* out);

}  // namespace ot::ingest
