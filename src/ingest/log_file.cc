// ingest/log_file.cc — CloudTrail log file parsing and record validation.
//
// Pipeline for one file:
//   1. gzip (detected by magic) → libdeflate, member by member, into a padded buffer; plain
//      input is copied into a padded buffer (simdjson reads a little past the end).
//   2. simdjson stage 1 over the whole buffer gives the position of every structural token
//      (and checks UTF-8, string termination, control characters).
//   3. A small state machine walks those positions for the file's skeleton — top-level
//      documents, the "Records" array, where each record starts and ends, whether the record
//      text contains whitespace outside strings. Skeleton errors are file errors.
//   4. Each record is fully parsed by simdjson's DOM stage 2 (runtime-dispatched SIMD
//      kernels) — straight from the file's structural positions when the record is compact
//      (AWS's form), else from its minified copy — and checked against records.md §6.
//      Syntax errors inside one record reject only that record. The accepted text is the
//      record's own bytes, copied as is when compact, else with the whitespace between
//      tokens removed, so unknown fields, escapes and numbers are kept verbatim.
//
// Parsers and buffers live per thread, so steady-state imports do not reallocate them.
// (simdjson::minify is not used: its AVX-512 kernel stores with vpcompressb, which is
// microcoded and very slow on AMD Zen 4; the token copy below is cheaper for our inputs.)

#include "ingest/log_file.h"

#include <libdeflate.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

#include "common/time.h"

namespace ot::ingest {
namespace {

namespace dom = simdjson::dom;
using simdjson::error_code;
using simdjson::SUCCESS;

constexpr size_t kPadding = simdjson::SIMDJSON_PADDING;
// Containers nested inside one record, the record object included. Real records nest < 10.
constexpr size_t kMaxNesting = 128;
// Buffers above this size are released after use instead of being kept for the next file.
constexpr size_t kRetainedCapacity = size_t{16} << 20;
constexpr size_t kMinCapacity = size_t{1} << 20;
constexpr size_t npos = static_cast<size_t>(-1);

Status Invalid(std::string message) {
  return Status::Error("InvalidLogFile", std::move(message), 400);
}

// ---------------------------------------------------------------------------------------
// Per-thread scratch state.

struct PaddedBuffer {
  std::unique_ptr<char[]> data;
  size_t capacity = 0;  // usable bytes; kPadding more are allocated

  char* Reserve(size_t n) {
    if (n > capacity || (capacity > kRetainedCapacity && n < capacity / 4)) {
      data.reset(new char[n + kPadding]);
      capacity = n;
    }
    return data.get();
  }
  void Trim() {
    if (capacity > kRetainedCapacity) {
      data.reset();
      capacity = 0;
    }
  }
};

struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

struct ThreadState {
  // Stage 1 over whole files (structural positions only; no DOM tape).
  std::unique_ptr<simdjson::internal::dom_parser_implementation> indexer;
  // Full parse of one record at a time (bounded by max_record_bytes), for records that are
  // not parsed straight from the indexer's structurals.
  dom::parser record_parser;
  // The DOM of a record parsed from the indexer (stage 2 only).
  dom::document record_doc;
  PaddedBuffer input;
  std::unique_ptr<libdeflate_decompressor, DecompressorDeleter> inflater;
  bool record_parser_ready = false;
};

ThreadState& State() {
  thread_local ThreadState state;
  return state;
}

dom::parser& RecordParser() {
  ThreadState& st = State();
  if (!st.record_parser_ready) {
    // Fixes max_depth; capacity grows on demand in parse().
    if (st.record_parser.allocate(size_t{64} << 10, kMaxNesting) == SUCCESS) st.record_parser_ready = true;
  }
  return st.record_parser;
}

libdeflate_decompressor* Inflater() {
  auto& st = State();
  if (!st.inflater) st.inflater.reset(libdeflate_alloc_decompressor());
  return st.inflater.get();
}

// Runs stage 1 over [buf, buf+len) (padded) with the thread's indexer.
error_code IndexStructurals(const char* buf, size_t len, simdjson::internal::dom_parser_implementation** out) {
  ThreadState& st = State();
  size_t want = std::max(len, kMinCapacity);
  if (want <= kRetainedCapacity) {
    size_t p = kMinCapacity;
    while (p < want) p <<= 1;
    want = p;
  }
  if (!st.indexer) {
    SIMDJSON_TRY(simdjson::get_active_implementation()->create_dom_parser_implementation(want, kMaxNesting,
                                                                                         st.indexer));
  } else if (st.indexer->capacity() < len ||
             (st.indexer->capacity() > kRetainedCapacity && st.indexer->capacity() / 4 > len)) {
    SIMDJSON_TRY(st.indexer->allocate(want, kMaxNesting));
  }
  *out = st.indexer.get();
  return st.indexer->stage1(reinterpret_cast<const uint8_t*>(buf), len, simdjson::stage1_mode::regular);
}

// Drops per-thread allocations that a very large file or record made.
void ReleaseLargeBuffers() {
  ThreadState& st = State();
  st.input.Trim();
  if (st.indexer && st.indexer->capacity() > kRetainedCapacity) st.indexer.reset();
  if (st.record_doc.capacity() > kRetainedCapacity) st.record_doc = dom::document();
  if (st.record_parser.capacity() > kRetainedCapacity) {
    st.record_parser = dom::parser();
    st.record_parser_ready = false;
  }
}

// ---------------------------------------------------------------------------------------
// Small text helpers.

inline bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

constexpr std::array<uint8_t, 256> MakeSpaceTable() {
  std::array<uint8_t, 256> t{};
  t[' '] = t['\n'] = t['\r'] = t['\t'] = 1;
  return t;
}
constexpr std::array<int8_t, 256> MakeDepthTable() {
  std::array<int8_t, 256> t{};
  t['{'] = t['['] = 1;
  t['}'] = t[']'] = -1;
  return t;
}
constexpr std::array<uint8_t, 256> kSpace = MakeSpaceTable();
constexpr std::array<int8_t, 256> kDepthDelta = MakeDepthTable();

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

const char* TypeName(dom::element_type t) {
  switch (t) {
    case dom::element_type::ARRAY: return "an array";
    case dom::element_type::OBJECT: return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: return "a number";
    case dom::element_type::STRING: return "a string";
    case dom::element_type::BOOL: return "a boolean";
    case dom::element_type::NULL_VALUE: return "null";
  }
  return "an unknown value";
}

// The JSON type a value starting with `c` has (for values we do not parse).
const char* TypeNameOfToken(char c) {
  switch (c) {
    case '{': return "an object";
    case '[': return "an array";
    case '"': return "a string";
    case 't':
    case 'f': return "a boolean";
    case 'n': return "null";
    default: return (c == '-' || (c >= '0' && c <= '9')) ? "a number" : "not a JSON value";
  }
}

// A value for an error message: quoted, escaped, at most 64 bytes of content.
std::string Quote(std::string_view s) {
  constexpr size_t kMax = 64;
  bool cut = false;
  if (s.size() > kMax) {
    size_t n = kMax;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // UTF-8 boundary
    s = s.substr(0, n);
    cut = true;
  }
  std::string q;
  q.reserve(s.size() + 8);
  q.push_back('"');
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      q.push_back('\\');
      q.push_back(c);
    } else if (u < 0x20) {
      static const char kHex[] = "0123456789abcdef";
      q += "\\u00";
      q.push_back(kHex[u >> 4]);
      q.push_back(kHex[u & 15]);
    } else {
      q.push_back(c);
    }
  }
  q.push_back('"');
  if (cut) q += "...";
  return q;
}

bool IsAllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool IsAccountId(std::string_view s) { return s.size() == 12 && IsAllDigits(s); }

// "arn:<partition>:<service>:<region>:<account>:<resource>" — at least six colon-separated
// parts (the resource may itself contain colons), partition non-empty.
bool IsArn(std::string_view s) {
  if (s.size() < 5 || s.compare(0, 4, "arn:") != 0 || s[4] == ':') return false;
  int colons = 0;
  for (char c : s)
    if (c == ':' && ++colons >= 5) return true;
  return false;
}

// "1.x": major 1, minor any integer (compared as integers, so "1.08" and "1.10" are fine).
bool IsEventVersion1(std::string_view s) {
  size_t dot = s.find('.');
  if (dot == std::string_view::npos) return false;
  std::string_view major = s.substr(0, dot), minor = s.substr(dot + 1);
  if (!IsAllDigits(major) || !IsAllDigits(minor)) return false;
  size_t nz = major.find_first_not_of('0');
  return nz != std::string_view::npos && major.substr(nz) == "1";
}

// ---------------------------------------------------------------------------------------
// Record checks (records.md §6) on a parsed record.

// Top-level record fields opentrail checks. Bit positions in RecordCheck::seen.
enum Field : uint32_t {
  kEventVersion,
  kEventId,
  kEventTime,
  kEventSource,
  kEventName,
  kAwsRegion,
  kRecipientAccountId,
  kUserIdentity,
  kReadOnly,
  kManagementEvent,
  kResources,
  kRequestParameters,
  kResponseElements,
  kEventType,
  kEventCategory,
  kOther,
};

const char* const kFieldNames[] = {
    "eventVersion", "eventID",         "eventTime",         "eventSource",      "eventName",
    "awsRegion",    "recipientAccountId", "userIdentity",   "readOnly",         "managementEvent",
    "resources",    "requestParameters",  "responseElements", "eventType",      "eventCategory",
};

Field Classify(std::string_view k) {
  switch (k.size()) {
    case 7:
      if (k == "eventID") return kEventId;
      break;
    case 8:
      if (k == "readOnly") return kReadOnly;
      break;
    case 9:
      if (k == "eventTime") return kEventTime;
      if (k == "eventName") return kEventName;
      if (k == "awsRegion") return kAwsRegion;
      if (k == "resources") return kResources;
      if (k == "eventType") return kEventType;
      break;
    case 11:
      if (k == "eventSource") return kEventSource;
      break;
    case 12:
      if (k == "eventVersion") return kEventVersion;
      if (k == "userIdentity") return kUserIdentity;
      break;
    case 13:
      if (k == "eventCategory") return kEventCategory;
      break;
    case 15:
      if (k == "managementEvent") return kManagementEvent;
      break;
    case 16:
      if (k == "responseElements") return kResponseElements;
      break;
    case 17:
      if (k == "requestParameters") return kRequestParameters;
      break;
    case 18:
      if (k == "recipientAccountId") return kRecipientAccountId;
      break;
  }
  return kOther;
}

// The outcome of checking one record. String views point into the record parser's string
// buffer and stay valid until its next parse.
struct RecordCheck {
  uint32_t seen = 0;
  std::string_view event_id, region, account, event_type, event_category, event_source, event_name;
  bool event_id_is_string = false;
  int64_t time_ms = 0;
  bool insight = false;
  bool failed = false;
  std::string error;  // the first problem found

  void Fail(std::string message) {
    if (failed) return;
    failed = true;
    error = std::move(message);
  }
};

class RecordChecker {
 public:
  explicit RecordChecker(RecordCheck* rc) : rc_(*rc) {}

  void Run(dom::object record) {
    for (dom::key_value_pair kv : record) {
      Field which = Classify(kv.key);
      if (which == kOther) continue;
      uint32_t bit = 1u << which;
      if (rc_.seen & bit) rc_.Fail(std::string(kFieldNames[which]) + ": duplicate key");
      rc_.seen |= bit;
      Known(which, kv.value);
    }
    Finish();
  }

 private:
  // The value as a string, or a recorded type error.
  bool String(Field which, dom::element v, std::string_view* out) {
    if (v.type() == dom::element_type::STRING) {
      *out = v.get_string().value_unsafe();
      return true;
    }
    rc_.Fail(std::string(kFieldNames[which]) + ": expected a string, got " + TypeName(v.type()));
    return false;
  }

  void NonEmptyString(Field which, dom::element v, std::string_view* out) {
    if (String(which, v, out) && out->empty())
      rc_.Fail(std::string(kFieldNames[which]) + ": empty string");
  }

  void Known(Field which, dom::element v) {
    std::string_view s;
    switch (which) {
      case kEventVersion:
        if (String(which, v, &s) && !IsEventVersion1(s))
          rc_.Fail("eventVersion: expected \"1.x\", got " + Quote(s));
        return;
      case kEventId:
        rc_.event_id_is_string = v.type() == dom::element_type::STRING;
        NonEmptyString(which, v, &rc_.event_id);
        return;
      case kEventTime:
        if (String(which, v, &s)) {
          auto ms = ParseIso8601Millis(s);
          if (ms)
            rc_.time_ms = *ms;
          else
            rc_.Fail("eventTime: expected YYYY-MM-DDTHH:MM:SSZ, got " + Quote(s));
        }
        return;
      case kEventSource:
        String(which, v, &rc_.event_source);  // emptiness checked in Finish (Insights)
        return;
      case kEventName:
        String(which, v, &rc_.event_name);
        return;
      case kAwsRegion:
        NonEmptyString(which, v, &rc_.region);
        return;
      case kRecipientAccountId:
        if (String(which, v, &rc_.account) && !IsAccountId(rc_.account))
          rc_.Fail("recipientAccountId: expected 12 digits, got " + Quote(rc_.account));
        return;
      case kEventType:
        String(which, v, &rc_.event_type);
        return;
      case kEventCategory:
        String(which, v, &rc_.event_category);
        return;
      case kReadOnly:
      case kManagementEvent:
        if (v.type() != dom::element_type::BOOL)
          rc_.Fail(std::string(kFieldNames[which]) + ": expected a boolean, got " + TypeName(v.type()));
        return;
      case kRequestParameters:
      case kResponseElements:
        if (v.type() != dom::element_type::OBJECT && v.type() != dom::element_type::NULL_VALUE)
          rc_.Fail(std::string(kFieldNames[which]) + ": expected an object or null, got " +
                   TypeName(v.type()));
        return;
      case kUserIdentity:
        UserIdentity(v);
        return;
      case kResources:
        Resources(v);
        return;
      case kOther:
        return;
    }
  }

  void UserIdentity(dom::element v) {
    if (v.type() != dom::element_type::OBJECT) {
      rc_.Fail(std::string("userIdentity: expected an object, got ") + TypeName(v.type()));
      return;
    }
    dom::object identity;
    if (v.get(identity) != SUCCESS) return;
    for (dom::key_value_pair kv : identity) {
      const bool is_account = kv.key == "accountId";
      if (!is_account && kv.key != "arn") continue;
      const char* name = is_account ? "userIdentity.accountId" : "userIdentity.arn";
      if (kv.value.type() != dom::element_type::STRING) {
        rc_.Fail(std::string(name) + ": expected a string, got " + TypeName(kv.value.type()));
        continue;
      }
      std::string_view s = kv.value.get_string().value_unsafe();
      // "ANONYMOUS_PRINCIPAL" is AWS's accountId for unauthenticated callers (S3, EFS).
      if (is_account && !IsAccountId(s) && s != "ANONYMOUS_PRINCIPAL")
        rc_.Fail(std::string(name) + ": expected 12 digits, got " + Quote(s));
      if (!is_account && !IsArn(s))
        rc_.Fail(std::string(name) + ": expected an ARN (arn:partition:service:region:account:resource), got " +
                 Quote(s));
    }
  }

  void Resources(dom::element v) {
    if (v.type() != dom::element_type::ARRAY) {
      rc_.Fail(std::string("resources: expected an array, got ") + TypeName(v.type()));
      return;
    }
    dom::array resources;
    if (v.get(resources) != SUCCESS) return;
    size_t i = 0;
    for (dom::element r : resources) {
      if (r.type() != dom::element_type::OBJECT) {
        rc_.Fail("resources[" + std::to_string(i) + "]: expected an object, got " + TypeName(r.type()));
      } else if (dom::object resource; r.get(resource) == SUCCESS) {
        for (dom::key_value_pair kv : resource) {
          if (kv.key != "ARN") continue;
          if (kv.value.type() != dom::element_type::STRING) {
            rc_.Fail("resources[" + std::to_string(i) + "].ARN: expected a string, got " +
                     TypeName(kv.value.type()));
          } else if (std::string_view s = kv.value.get_string().value_unsafe(); !IsArn(s)) {
            rc_.Fail("resources[" + std::to_string(i) +
                     "].ARN: expected an ARN (arn:partition:service:region:account:resource), got " + Quote(s));
          }
        }
      }
      ++i;
    }
  }

  // Presence checks, once every field has been seen.
  void Finish() {
    rc_.insight = rc_.event_type == "AwsCloudTrailInsight" || rc_.event_category == "Insight";
    static constexpr Field kRequired[] = {kEventVersion, kEventId,  kEventTime,         kEventSource,
                                          kEventName,    kAwsRegion, kRecipientAccountId};
    for (Field f : kRequired) {
      if (rc_.insight && (f == kEventSource || f == kEventName)) continue;
      if (!(rc_.seen & (1u << f))) rc_.Fail(std::string(kFieldNames[f]) + ": missing (required)");
    }
    if (!rc_.insight) {
      if ((rc_.seen & (1u << kEventSource)) && rc_.event_source.empty()) rc_.Fail("eventSource: empty string");
      if ((rc_.seen & (1u << kEventName)) && rc_.event_name.empty()) rc_.Fail("eventName: empty string");
    }
  }

  RecordCheck& rc_;
};

// ---------------------------------------------------------------------------------------
// Structural-token helpers. `idx` holds the byte offset of every structural token of `buf`
// (as simdjson stage 1 produces them): {}[]:, and the first byte of each string, number
// and literal. Between two consecutive tokens there is only the first token's text and
// whitespace, which is what the two helpers below rely on.

// Given the container opened at token k, returns the token that closes it (npos when the
// input ends first) and whether whitespace separates any of the tokens in between.
size_t MatchClose(const char* buf, const uint32_t* idx, size_t n, size_t k, bool* spaced) {
  const auto* b = reinterpret_cast<const uint8_t*>(buf);
  int64_t depth = 1;
  uint8_t ws = 0;
  for (++k; k < n; ++k) {
    uint32_t o = idx[k];
    ws |= kSpace[b[o - 1]];
    depth += kDepthDelta[b[o]];
    if (depth == 0) {
      *spaced = ws != 0;
      return k;
    }
  }
  return npos;
}

inline bool IsScalarStart(char c) {
  return c != '{' && c != '}' && c != '[' && c != ']' && c != ':' && c != ',';
}

// Copies tokens kb..ke (ke is a closing bracket) without the whitespace between them.
// Returns false when two scalar tokens follow each other (`1 2`, `tru e`): invalid JSON
// whose pieces would merge into something valid once the whitespace is gone.
// `buf` must be readable for kPadding bytes past idx[ke].
bool CopyTokens(const char* buf, const uint32_t* idx, size_t kb, size_t ke, std::string* out) {
  constexpr size_t kChunk = 32;  // short tokens are copied as one fixed-size block
  size_t bound = idx[ke] + 1 - idx[kb];
  out->resize(bound + kChunk);
  out->reserve(bound + kChunk + kPadding);
  char* w = out->data();
  bool prev_scalar = false;
  for (size_t k = kb; k < ke; ++k) {
    const char* s = buf + idx[k];
    const char* e = buf + idx[k + 1];
    bool scalar = IsScalarStart(*s);
    if (scalar && prev_scalar) return false;
    prev_scalar = scalar;
    while (IsSpace(e[-1])) --e;  // stops at the token's own last byte
    size_t n = e - s;
    if (n <= kChunk)
      std::memcpy(w, s, kChunk);
    else
      std::memcpy(w, s, n);
    w += n;
  }
  *w++ = buf[idx[ke]];
  out->resize(w - out->data());
  return true;
}

// JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view s) {
  size_t i = 0, n = s.size();
  auto digit = [&](size_t k) { return k < n && s[k] >= '0' && s[k] <= '9'; };
  if (i < n && s[i] == '-') ++i;
  if (!digit(i)) return false;
  if (s[i] == '0') {
    ++i;
  } else {
    while (digit(i)) ++i;
  }
  if (i < n && s[i] == '.') {
    ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  return i == n;
}

std::string RecordParseError(error_code e) {
  if (e == simdjson::DEPTH_ERROR)
    return "record: nested deeper than " + std::to_string(kMaxNesting) + " levels";
  return std::string("record: malformed JSON: ") + simdjson::error_message(e);
}

// Stage 2 only: builds the DOM of the value starting at structural kb of the indexer's
// (already indexed, padded) buffer, which must end at structural ke. MatchClose found ke by
// counting brackets and stage 2 checks each closer against its opener, so the walk cannot
// run past ke.
error_code ParseIndexedValue(simdjson::internal::dom_parser_implementation* indexer, size_t kb, size_t ke,
                             size_t bytes, dom::element* root) {
  dom::document& doc = State().record_doc;
  if (doc.capacity() < bytes) {
    size_t cap = size_t{64} << 10;
    while (cap < bytes) cap <<= 1;
    SIMDJSON_TRY(doc.allocate(cap));
  }
  indexer->next_structural_index = static_cast<uint32_t>(kb);
  SIMDJSON_TRY(indexer->stage2_next(doc));
  if (indexer->next_structural_index != ke + 1) return simdjson::TAPE_ERROR;
  *root = doc.root();
  return SUCCESS;
}

// Checks one record: tokens kb..ke of the indexer's buffer `buf` (ke its closing '}'),
// `spaced` when whitespace separates some of them. On success fills *rec (json = the
// record's text without the whitespace between tokens); otherwise sets *error (and
// *event_id when readable).
bool CheckRecordTokens(simdjson::internal::dom_parser_implementation* indexer, const char* buf, size_t kb,
                       size_t ke, bool spaced, const Limits& limits, AcceptedRecord* rec,
                       std::string* event_id, std::string* error) {
  const uint32_t* idx = indexer->structural_indexes.get();
  std::string_view raw(buf + idx[kb], idx[ke] + 1 - idx[kb]);
  bool minified = false;  // rec->json holds the minified text
  auto minify = [&] {
    minified = true;
    if (CopyTokens(buf, idx, kb, ke, &rec->json)) return true;
    *error = "record: malformed JSON: two values without a separator";
    return false;
  };
  if (raw.size() > limits.max_record_bytes) {
    if (spaced && !minify()) return false;
    size_t size = spaced ? rec->json.size() : raw.size();
    if (size > limits.max_record_bytes) {
      *error = "record: " + std::to_string(size) + " bytes minified, over the " +
               std::to_string(limits.max_record_bytes) + "-byte limit";
      return false;
    }
  }
  // Stage 2 straight from the file's structurals; a record inflated by whitespace beyond
  // the record limit is parsed from its (smaller) minified copy instead.
  dom::parser& parser = RecordParser();
  dom::element root;
  error_code e = minified ? parser.parse(reinterpret_cast<const uint8_t*>(rec->json.data()), rec->json.size(), false)
                                .get(root)
                          : ParseIndexedValue(indexer, kb, ke, raw.size(), &root);
  std::string numbers_zeroed;
  if (e == simdjson::NUMBER_ERROR) {
    // simdjson's DOM only takes numbers that fit 64-bit integers or doubles; JSON allows any.
    // Check every number token against the grammar, then parse a copy with them zeroed.
    numbers_zeroed.reserve(raw.size() + kPadding);
    bool prev_scalar = false;
    for (size_t k = kb; k <= ke; ++k) {
      size_t end = k < ke ? idx[k + 1] : idx[k] + 1;
      std::string_view tok(buf + idx[k], end - idx[k]);
      char c = tok[0];
      if (IsScalarStart(c) && prev_scalar) {
        *error = "record: malformed JSON: two values without a separator";
        return false;
      }
      prev_scalar = IsScalarStart(c);
      if (c == '-' || (c >= '0' && c <= '9')) {
        if (!IsJsonNumber(TrimRight(tok))) {
          *error = "record: malformed JSON: bad number " + Quote(TrimRight(tok));
          return false;
        }
        numbers_zeroed += '0';
      } else {
        numbers_zeroed += TrimRight(tok);
      }
    }
    e = parser.parse(reinterpret_cast<const uint8_t*>(numbers_zeroed.data()), numbers_zeroed.size(), false)
            .get(root);
  }
  if (e) {
    *error = RecordParseError(e);
    return false;
  }
  dom::object record;
  if (root.get(record) != SUCCESS) {
    *error = std::string("record: expected a JSON object, got ") + TypeName(root.type());
    return false;
  }
  RecordCheck rc;
  RecordChecker(&rc).Run(record);
  if (rc.failed) {
    if (rc.event_id_is_string) event_id->assign(rc.event_id);
    *error = std::move(rc.error);
    return false;
  }
  if (!spaced)
    rec->json.assign(raw);
  else if (!minified && !minify())
    return false;
  rec->event_id.assign(rc.event_id);
  rec->account_id.assign(rc.account);
  rec->region.assign(rc.region);
  rec->event_time_ms = rc.time_ms;
  rec->insight = rc.insight;
  return true;
}

// ---------------------------------------------------------------------------------------
// The file skeleton.

class FileParser {
 public:
  FileParser(const char* buf, size_t len, simdjson::internal::dom_parser_implementation* indexer,
             const Limits& limits, ParsedFile* out)
      : buf_(buf),
        len_(len),
        indexer_(indexer),
        idx_(indexer->structural_indexes.get()),
        n_(indexer->n_structural_indexes),
        limits_(limits),
        out_(out) {}

  Status Run() {
    while (k_ < n_) OT_RETURN_IF_ERROR(Document());
    out_->records.resize(used_);
    return Status::Ok();
  }

 private:
  char Tok(size_t k) const { return buf_[idx_[k]]; }

  Status Truncated() const {
    return Invalid("malformed JSON: unexpected end of input after " + std::to_string(len_) +
                   " bytes (truncated file?)");
  }
  Status Malformed(size_t k, const std::string& what) const {
    return Invalid("malformed JSON at byte " + std::to_string(idx_[k]) + ": " + what + ", found '" +
                   std::string(1, Tok(k)) + "'");
  }

  // One top-level value: a log file object or a bare array of records.
  Status Document() {
    char c = Tok(k_);
    if (c == '[') return RecordsArray();
    if (c == '{') return TopObject();
    if (std::string_view(TypeNameOfToken(c)) == "not a JSON value")
      return Malformed(k_, "expected a JSON document");
    return Invalid(std::string("top-level JSON value is ") + TypeNameOfToken(c) +
                   "; expected {\"Records\":[...]} or an array of records");
  }

  // Full JSON validation of a value outside the records (rare: extra top-level keys).
  Status CheckSpan(size_t kb, size_t ke) {
    std::string_view text(buf_ + idx_[kb], (ke + 1 < n_ ? idx_[ke + 1] : len_) - idx_[kb]);
    dom::element e;
    error_code err = RecordParser().parse(reinterpret_cast<const uint8_t*>(text.data()), text.size(), false).get(e);
    if (err)
      return Invalid("malformed JSON at byte " + std::to_string(idx_[kb]) + ": " + simdjson::error_message(err));
    return Status::Ok();
  }

  // After value tokens [k, end), returns the token after the value (npos: input ended).
  size_t SkipValue(size_t k) const {
    char c = Tok(k);
    if (c == '{' || c == '[') {
      bool spaced;
      size_t close = MatchClose(buf_, idx_, n_, k, &spaced);
      return close == npos ? npos : close + 1;
    }
    return k + 1;
  }

  Status TopObject() {
    size_t k = k_ + 1;
    if (k >= n_) return Truncated();
    bool have_records = false;
    if (Tok(k) != '}') {
      for (;;) {
        if (k + 2 >= n_) return Truncated();
        if (Tok(k) != '"') return Malformed(k, "expected a key");
        if (Tok(k + 1) != ':') return Malformed(k + 1, "expected ':'");
        std::string_view key = TrimRight(std::string_view(buf_ + idx_[k], idx_[k + 1] - idx_[k]));
        bool is_records = key == "\"Records\"";
        if (!is_records && key.find('\\') != std::string_view::npos) {
          dom::element e;
          std::string_view unescaped;
          if (RecordParser().parse(reinterpret_cast<const uint8_t*>(key.data()), key.size(), false).get(e) ||
              e.get_string().get(unescaped))
            return Invalid("malformed JSON at byte " + std::to_string(idx_[k]) + ": bad key");
          is_records = unescaped == "Records";
        }
        size_t v = k + 2;
        if (is_records) {
          if (have_records) return Invalid("duplicate \"Records\" key in a log file object");
          have_records = true;
          if (Tok(v) != '[')
            return Invalid(std::string("\"Records\" is ") + TypeNameOfToken(Tok(v)) + ", expected an array");
          k_ = v;
          OT_RETURN_IF_ERROR(RecordsArray());
          k = k_;
        } else {
          size_t end = SkipValue(v);
          if (end == npos) return Truncated();
          OT_RETURN_IF_ERROR(CheckSpan(k, k));  // the key
          OT_RETURN_IF_ERROR(CheckSpan(v, end - 1));
          k = end;
        }
        if (k >= n_) return Truncated();
        if (Tok(k) == '}') break;
        if (Tok(k) != ',') return Malformed(k, "expected ',' or '}' in the log file object");
        ++k;
      }
    }
    k_ = k + 1;
    if (!have_records) return Invalid("top-level object has no \"Records\" array (not a CloudTrail log file)");
    return Status::Ok();
  }

  Status RecordsArray() {
    size_t k = k_ + 1;
    if (k >= n_) return Truncated();
    if (Tok(k) != ']') {
      for (;;) {
        if (k >= n_) return Truncated();
        char c = Tok(k);
        if (c == ']' || c == '}' || c == ',' || c == ':') return Malformed(k, "expected a record");
        size_t index = out_->total;
        if (index >= limits_.max_records)
          return Invalid("more than " + std::to_string(limits_.max_records) + " records in the file");
        ++out_->total;
        if (c == '{' || c == '[') {
          bool spaced = false;
          size_t close = MatchClose(buf_, idx_, n_, k, &spaced);
          if (close == npos) return Truncated();
          if (c == '{')
            Record(index, k, close, spaced);
          else
            Reject(index, {}, "record: expected a JSON object, got an array");
          k = close + 1;
        } else {
          Reject(index, {}, std::string("record: expected a JSON object, got ") + TypeNameOfToken(c));
          ++k;
        }
        if (k >= n_) return Truncated();
        if (Tok(k) == ']') break;
        if (Tok(k) != ',') return Malformed(k, "expected ',' or ']' after record " + std::to_string(index));
        ++k;
      }
    }
    k_ = k + 1;
    return Status::Ok();
  }

  // The record spanning tokens kb..ke. Records left in *out_ by an earlier call are
  // overwritten in place, so a reused ParsedFile reuses their string buffers.
  void Record(size_t index, size_t kb, size_t ke, bool spaced) {
    auto& records = out_->records;
    if (used_ == records.size()) records.emplace_back();
    std::string event_id, error;
    if (CheckRecordTokens(indexer_, buf_, kb, ke, spaced, limits_, &records[used_], &event_id, &error))
      records[used_++].index = index;
    else
      Reject(index, event_id, std::move(error));
  }

  void Reject(size_t index, std::string_view event_id, std::string message) {
    RecordError err;
    err.index = index;
    err.event_id.assign(event_id);
    err.message = std::move(message);
    out_->errors.push_back(std::move(err));
  }

  const char* buf_;
  size_t len_;
  simdjson::internal::dom_parser_implementation* indexer_;
  const uint32_t* idx_;
  size_t n_;
  const Limits& limits_;
  ParsedFile* out_;
  size_t k_ = 0;
  size_t used_ = 0;  // records accepted so far (out_->records may hold more, to be reused)
};

std::string StageOneError(error_code e) {
  switch (e) {
    case simdjson::UNCLOSED_STRING: return "malformed JSON: unterminated string (truncated file?)";
    case simdjson::UTF8_ERROR: return "malformed JSON: not valid UTF-8";
    case simdjson::UNESCAPED_CHARS: return "malformed JSON: unescaped control character in a string";
    default: return std::string("malformed JSON: ") + simdjson::error_message(e);
  }
}

// Decompresses gzip into `buf` (grown as needed; kPadding spare bytes kept at the end).
Status GunzipPadded(std::string_view in, size_t max_bytes, PaddedBuffer* buf, size_t* out_len) {
  libdeflate_decompressor* d = Inflater();
  if (d == nullptr) return Status::Internal("libdeflate_alloc_decompressor failed");
  // First guess: the last member's ISIZE (exact for the usual single member below 4 GiB),
  // believed only up to DEFLATE's maximum ratio (~1032:1) since the trailer of a truncated
  // or hostile file is arbitrary; at least 4x the input; bounded by the limit. The buffer
  // grows if the guess is short (multi-member files, sizes over 4 GiB).
  size_t guess = in.size() * 4;
  if (in.size() >= 18) {
    const auto* p = reinterpret_cast<const unsigned char*>(in.data() + in.size() - 4);
    size_t isize = size_t{p[0]} | size_t{p[1]} << 8 | size_t{p[2]} << 16 | size_t{p[3]} << 24;
    guess = std::max(guess, std::min(isize, in.size() * 1032));
  }
  guess = std::min(std::max(guess, size_t{4096}), max_bytes);
  if (buf->capacity < guess) buf->Reserve(guess);
  size_t pos = 0;
  size_t members = 0;
  while (!in.empty()) {
    if (members > 0 && !IsGzip(in)) {
      // Some writers pad with zero bytes after the last member; anything else is corrupt.
      if (std::all_of(in.begin(), in.end(), [](char c) { return c == 0; })) break;
      return Invalid("corrupt gzip: trailing data after member " + std::to_string(members));
    }
    for (;;) {
      size_t avail = std::min(buf->capacity, max_bytes) - pos;
      size_t consumed = 0, produced = 0;
      libdeflate_result r = libdeflate_gzip_decompress_ex(d, in.data(), in.size(), buf->data.get() + pos,
                                                          avail, &consumed, &produced);
      if (r == LIBDEFLATE_SUCCESS) {
        pos += produced;
        in.remove_prefix(consumed);
        ++members;
        break;
      }
      if (r != LIBDEFLATE_INSUFFICIENT_SPACE)
        return Invalid("corrupt gzip (member " + std::to_string(members + 1) + "): " +
                       (r == LIBDEFLATE_BAD_DATA ? "bad or truncated data" : "decompression failed"));
      if (buf->capacity >= max_bytes)
        return Invalid("gzip decompresses to more than " + std::to_string(max_bytes) + " bytes");
      size_t grown = std::min(std::max(buf->capacity * 2, pos + 4096), max_bytes);
      std::unique_ptr<char[]> bigger(new char[grown + kPadding]);
      std::memcpy(bigger.get(), buf->data.get(), pos);
      buf->data = std::move(bigger);
      buf->capacity = grown;
    }
  }
  *out_len = pos;
  return Status::Ok();
}

std::string_view StripBom(std::string_view s) {
  if (s.size() >= 3 && static_cast<unsigned char>(s[0]) == 0xEF &&
      static_cast<unsigned char>(s[1]) == 0xBB && static_cast<unsigned char>(s[2]) == 0xBF)
    s.remove_prefix(3);
  return s;
}

// Parses decompressed file bytes held in a padded buffer.
Status ParseJsonBuffer(const char* data, size_t len, const Limits& limits, ParsedFile* out) {
  std::string_view text = StripBom(std::string_view(data, len));
  size_t first = 0;
  while (first < text.size() && IsSpace(text[first])) ++first;
  if (first == text.size()) return Invalid("empty log file");
  if (text[first] != '{' && text[first] != '[')
    return Invalid("not a CloudTrail log file: neither gzip nor JSON");
  if (text.size() > 0xFFFFFFF0u) return Invalid("log file larger than 4 GiB");
  simdjson::internal::dom_parser_implementation* indexer = nullptr;
  error_code e = IndexStructurals(text.data(), text.size(), &indexer);
  if (e == simdjson::MEMALLOC || e == simdjson::CAPACITY)
    return Status::Internal(std::string("cannot index log file: ") + simdjson::error_message(e));
  if (e) return Invalid(StageOneError(e));
  size_t estimate = std::min(limits.max_records, text.size() / 1024 + 1);
  if (out->records.capacity() < estimate) out->records.reserve(estimate);
  return FileParser(text.data(), text.size(), indexer, limits, out).Run();
}

}  // namespace

bool IsGzip(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

Status Gunzip(std::string_view bytes, size_t max_bytes, std::string* out) {
  PaddedBuffer& buf = State().input;
  size_t n = 0;
  Status s = GunzipPadded(bytes, max_bytes, &buf, &n);
  if (s.ok()) out->assign(buf.data.get(), n);
  buf.Trim();
  return s;
}

Status ParseLogFile(std::string_view bytes, const Limits& limits, ParsedFile* out) {
  // out->records is trimmed to the accepted records at the end (kept for reuse until then).
  out->errors.clear();
  out->total = 0;
  PaddedBuffer& buf = State().input;
  size_t len = 0;
  Status s;
  if (bytes.empty()) {
    s = Invalid("empty log file");
  } else if (IsGzip(bytes)) {
    s = GunzipPadded(bytes, limits.max_decompressed_bytes, &buf, &len);
  } else if (bytes.size() > limits.max_decompressed_bytes) {
    s = Invalid("log file larger than " + std::to_string(limits.max_decompressed_bytes) + " bytes");
  } else {
    len = bytes.size();
    std::memcpy(buf.Reserve(len), bytes.data(), len);
  }
  if (s.ok()) {
    std::memset(buf.data.get() + len, 0, kPadding);
    s = ParseJsonBuffer(buf.data.get(), len, limits, out);
  }
  ReleaseLargeBuffers();
  if (!s.ok()) {
    out->records.clear();
    out->errors.clear();
    out->total = 0;
  }
  return s;
}

bool ValidateRecordJson(std::string_view record_json, const Limits& limits, AcceptedRecord* out,
                        std::string* error) {
  PaddedBuffer& buf = State().input;
  std::string_view text = StripBom(record_json);
  char* data = buf.Reserve(text.size());
  std::memcpy(data, text.data(), text.size());
  std::memset(data + text.size(), 0, kPadding);
  auto finish = [&](bool ok) {
    ReleaseLargeBuffers();
    return ok;
  };
  simdjson::internal::dom_parser_implementation* indexer = nullptr;
  error_code e = text.size() > 0xFFFFFFF0u ? simdjson::CAPACITY : IndexStructurals(data, text.size(), &indexer);
  if (e) {
    *error = e == simdjson::EMPTY ? "record: empty" : "record: " + StageOneError(e);
    return finish(false);
  }
  const uint32_t* idx = indexer->structural_indexes.get();
  size_t n = indexer->n_structural_indexes;
  if (data[idx[0]] != '{') {
    *error = std::string("record: expected a JSON object, got ") + TypeNameOfToken(data[idx[0]]);
    return finish(false);
  }
  bool spaced = false;
  size_t close = MatchClose(data, idx, n, 0, &spaced);
  if (close == npos) {
    *error = "record: malformed JSON: unexpected end of input";
    return finish(false);
  }
  if (close + 1 != n) {
    *error = "record: malformed JSON: content after the record object";
    return finish(false);
  }
  AcceptedRecord rec;
  std::string event_id;
  if (!CheckRecordTokens(indexer, data, 0, close, spaced, limits, &rec, &event_id, error)) return finish(false);
  rec.index = 0;
  *out = std::move(rec);
  return finish(true);
}

}  // namespace ot::ingest
