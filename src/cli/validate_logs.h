// cli/validate_logs.h — `opentrail validate-logs`: the validator behind the command
// (integrity.md §8), separate from flag parsing (validate_logs_command.cc).
//
// The verdicts, messages, summary lines and exit codes are those of the AWS CLI's
// `aws cloudtrail validate-logs` (awscli/customizations/cloudtrail/validation.py), walk for
// walk: list the digest keys of the range, walk the standard chain backwards from the newest
// key (following previousDigestS3Object, falling back to the listing when a chain ends or a
// digest is missing/invalid), then the backfill chain; every digest's signature is checked
// and every log file listed by a valid digest is fetched, gunzipped and hashed.
//
// What differs from the AWS CLI is only how fast: digests are prefetched and log files are
// fetched, gunzipped (libdeflate) and hashed (OpenSSL SHA-256) by a pool of worker threads,
// each with its own keep-alive connection, while the chain walk itself (and every line
// printed) keeps the AWS CLI's order. Deliberate differences: signatures must be SHA-256
// PKCS#1 v1.5 (as CLI v2; CLI v1 also accepts other digest algorithms); bytes after the
// first gzip member of a log file are reported "unexpected data after end of compressed
// stream" (as CLI releases since May 2026); transport failures (no HTTP answer after
// retries) abort instead of being reported as invalid files.
//
// All I/O goes through the Backend interface (real one: MakeHttpBackend; tests: fakes).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/api_client.h"
#include "common/status.h"

namespace ot::cli::validate_logs {

// ---------------------------------------------------------------------------------------
// Times. The AWS CLI parses every time with dateutil and then *replaces* the zone by UTC
// (offsets are ignored, not applied); so do these. Microseconds since the epoch.

using TimeUs = int64_t;
inline constexpr TimeUs kSecond = 1'000'000;
inline constexpr TimeUs kMinute = 60 * kSecond;
inline constexpr TimeUs kHour = 60 * kMinute;

// "2026-11-24", "2026-11-24T10:00:00Z", "2026-11-24 10:00", "2026-11-24T10:00:00.5+02:00"
// (offset ignored), "20261124T100211Z", "20261124", and epoch seconds ("1795000000",
// "1795000000.25"). nullopt when unreadable.
std::optional<TimeUs> ParseTime(std::string_view text);
std::string FormatDisplayTime(TimeUs t);  // "2026-11-24T10:02:11Z" (seconds truncated)
std::string FormatKeyTime(TimeUs t);      // "20261124T100211Z"
std::string FormatYmdPath(TimeUs t);      // "2026/11/24"

// ---------------------------------------------------------------------------------------
// Trail ARN and digest keys

struct TrailArn {
  std::string arn;
  std::string home_region;  // 4th ':' field
  std::string account_id;   // 5th ':' field
  std::string name;         // text after the last '/'
};
// nullopt unless the ARN matches `arn:.+:cloudtrail:.+:\d{12}:trail/.+` (from its start).
std::optional<TrailArn> ParseTrailArn(std::string_view arn);

// Where one chain's digests live (integrity.md §2).
struct DigestScope {
  std::string prefix;           // trail's S3KeyPrefix, "" = none (used as `prefix + "/"`)
  std::string organization_id;  // "" unless an organization trail
  std::string account_id;
  std::string source_region;
  std::string trail_name;
  std::string home_region;
};

// ListObjects Prefix: `[P/]AWSLogs/[ORG/]ACCOUNT/CloudTrail-Digest/SRC` (no trailing slash).
std::string DigestListPrefix(const DigestScope& scope);
// ListObjects Marker: the key a standard digest ending at `start - 1 minute` would have.
std::string DigestMarker(const DigestScope& scope, TimeUs start);
// The AWS CLI's key regex:
// ^[P/]AWSLogs/[ORG/]ACCOUNT/CloudTrail\-Digest/SRC/\d+/\d+/\d+/ACCOUNT_CloudTrail\-Digest_SRC_NAME_HOME_.+(?:_backfill)?\.json\.gz$
bool MatchesDigestKey(const DigestScope& scope, std::string_view key);
bool IsBackfillDigestKey(std::string_view key);
// The key's timestamp by position: key[-24:-8], backfill key[-33:-17] (Python slicing).
std::string DigestKeyTimestamp(std::string_view key);

// The listing's filter over keys in S3 order: keeps matching keys whose timestamp is in
// [start, end + 1 h] (compared as strings), and says when to stop listing (the first
// matching key past end + 1 h).
class DigestKeyCollector {
 public:
  DigestKeyCollector(const DigestScope& scope, TimeUs start, TimeUs end);
  // False when the listing must stop (this key and all later ones are ignored).
  bool Add(const std::string& key);
  std::vector<std::string> standard;  // ascending, as listed
  std::vector<std::string> backfill;

 private:
  const DigestScope& scope_;
  std::string start_text_, end_text_;
};

// ---------------------------------------------------------------------------------------
// Content checks (pure; used by the workers)

// gunzip of the first gzip member, as Python's zlib.decompress(data, 31): data after the
// first member is ignored. False when the bytes are not a complete gzip member.
bool GunzipFirstMember(std::string_view gz, std::string* out, size_t* consumed = nullptr);

enum class LogVerdict {
  kValid,
  kHashMismatch,   // "hash value doesn't match"
  kInvalidFormat,  // "invalid format" (not gzip, corrupt)
  kTrailingData,   // "unexpected data after end of compressed stream"
};
// gunzips `body` (libdeflate; zlib to mimic Python's stream decoder on truncated input),
// SHA-256s the output and compares its lowercase hex with `expected_hash` as a string.
LogVerdict VerifyLogFile(std::string_view body, std::string_view expected_hash);
std::string_view LogVerdictMessage(LogVerdict verdict);

// RSA verification with a ListPublicKeys `Value` (base64 of PKCS#1 DER).
class PublicKeyCache {
 public:
  PublicKeyCache();
  ~PublicKeyCache();
  PublicKeyCache(const PublicKeyCache&) = delete;
  PublicKeyCache& operator=(const PublicKeyCache&) = delete;
  // kLoadFailed: not base64 of a PKCS#1 RSAPublicKey. kBadSignature: anything else wrong.
  enum Outcome { kValid, kLoadFailed, kBadSignature };
  Outcome Verify(std::string_view key_value, std::string_view data,
                 std::string_view signature_bytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------
// I/O

struct TrailInfo {
  std::string trail_arn;
  std::string s3_bucket;
  std::optional<std::string> s3_key_prefix;
  bool is_organization_trail = false;
};

struct PublicKeyInfo {
  std::string fingerprint;
  std::string value;
};

struct ListPage {
  std::vector<std::string> keys;  // decoded
  bool truncated = false;
  std::string next_marker;        // "" when absent
};

struct S3Object {
  std::map<std::string, std::string> metadata;  // x-amz-meta-NAME → NAME, case as received
  std::string body;
};

// Errors are Status values whose code is the AWS error code ("NoSuchKey", "NoSuchBucket",
// ...) with an HTTP status, or a transport code of api_client.h (no HTTP answer).
// All methods may be called from several threads at once.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual Result<std::vector<TrailInfo>> DescribeTrails() = 0;
  virtual Result<std::string> DescribeOrganizationId() = 0;
  virtual Result<std::vector<PublicKeyInfo>> ListPublicKeys(int64_t start_seconds,
                                                            int64_t end_seconds) = 0;
  // The raw LocationConstraint ("" for us-east-1).
  virtual Result<std::string> GetBucketLocation(const std::string& bucket) = 0;
  virtual Result<ListPage> ListObjects(const std::string& bucket, const std::string& region,
                                       const std::string& prefix, const std::string& marker) = 0;
  virtual Result<S3Object> GetObject(const std::string& bucket, const std::string& region,
                                     const std::string& key) = 0;
};

struct HttpBackendConfig {
  Endpoint cloudtrail_endpoint;   // CloudTrail and Organizations calls
  Endpoint s3_endpoint;           // path-style S3
  Credentials credentials;
  std::string region;             // the CLI's region (CloudTrail, GetBucketLocation)
  size_t max_connections = 16;    // S3 keep-alive connections kept in the pool
  int max_attempts = 3;           // per call, on 5xx / SlowDown / transport errors
};
// A SigV4-signing backend over api_client.h: one connection for CloudTrail, a pool of
// keep-alive connections for S3.
std::unique_ptr<Backend> MakeHttpBackend(HttpBackendConfig config);

// Where output goes (stdout / stderr in the command; strings in tests).
class Output {
 public:
  virtual ~Output() = default;
  virtual void Out(std::string_view text) = 0;
  virtual void Err(std::string_view text) = 0;
};

// ---------------------------------------------------------------------------------------
// The run

struct Options {
  std::string trail_arn;
  TimeUs start = 0;
  TimeUs end = 0;                        // the command fills in "now" when not given
  std::optional<std::string> s3_bucket;
  std::optional<std::string> s3_prefix;
  std::optional<std::string> account_id;
  std::optional<std::string> region;     // --region: also the source region of the chain
  bool verbose = false;
  size_t concurrency = 16;               // worker threads (each with its own connection)
  // TEST ONLY (hidden flag): use these keys instead of calling ListPublicKeys.
  std::optional<std::vector<PublicKeyInfo>> test_public_keys;
};

struct Counts {
  uint64_t valid_digests = 0, invalid_digests = 0;
  uint64_t valid_backfill = 0, invalid_backfill = 0;
  uint64_t valid_logs = 0, invalid_logs = 0;
};

// The AWS CLI's output state: status lines (valid lines on stdout with --verbose, INVALID
// lines and gap lines on stderr, each followed by a blank line) and the summary.
class Report {
 public:
  Report(Output* out, bool verbose) : out_(out), verbose_(verbose) {}
  void Header(const std::string& arn, TimeUs start, TimeUs end);
  void Valid(const std::string& line);  // stdout, only with --verbose
  void Error(const std::string& line);  // stderr
  // Only valid digests move the found range (clamped to [start, end]).
  void TrackFound(TimeUs digest_start, TimeUs digest_end, TimeUs start, TimeUs end);
  void Summary(TimeUs start, TimeUs end);
  Counts counts;
  int ExitCode() const;  // 1 when anything is INVALID, else 0

 private:
  Output* out_;
  bool verbose_;
  bool last_double_space_ = true;
  std::optional<TimeUs> found_start_, found_end_;
};

// Runs the whole validation; returns the exit code: 0 all valid, 1 something INVALID,
// 255 aborted (message printed on stderr as "\n<message>\n", as the AWS CLI does).
int Run(const Options& options, Backend* backend, Output* output);

}  // namespace ot::cli::validate_logs

namespace ot::cli {

// Endpoint, credentials and client region of the commands that read a trail's bucket
// through the S3 API (validate-logs, prove-event); implemented in validate_logs_command.cc.
struct ClientFlags {
  std::string endpoint;      // --endpoint ("" = environment, else the default)
  std::string s3_endpoint;   // --s3-endpoint
  std::string data_dir;      // for DATA_DIR/credentials
  bool data_dir_explicit = false;
  std::string region;        // --region ("" = environment, else the trail's home region)
  std::string trail_arn;
};
Result<validate_logs::HttpBackendConfig> ResolveHttpBackendConfig(const ClientFlags& flags);

}  // namespace ot::cli
