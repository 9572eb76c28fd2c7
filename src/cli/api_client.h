// cli/api_client.h — the client side of the opentrail admin/ingest API, for the commands
// that talk to a running server (`opentrail admin ...`, `opentrail import ...`).
//
//   * ApiClient: a small synchronous HTTP/1.1 client (Boost.Beast) over one keep-alive
//     connection, reconnecting when the connection breaks, with connect and I/O timeouts.
//     Every request is SigV4-signed (auth/sigv4.h) with credential-scope service
//     `opentrail` and sent as `POST /` with `X-Amz-Target: OpenTrail_20261130.<Operation>`.
//   * Endpoint and credential resolution shared by those commands.
//   * The pure parts of `opentrail import` (file discovery, the splitting of oversized log
//     files, result aggregation and the summary text), declared here so that they can be
//     unit-tested without a server; they are implemented in import_command.cc.
//
// Errors are ot::Status values; nothing here throws across this interface.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/header.h"
#include "common/status.h"

namespace ot::cli {

inline constexpr std::string_view kDefaultEndpoint = "http://127.0.0.1:4580";
inline constexpr std::string_view kDefaultDataDir = "./opentrail-data";
inline constexpr std::string_view kApiTargetPrefix = "OpenTrail_20261130.";
inline constexpr std::string_view kApiService = "opentrail";
inline constexpr std::string_view kApiRegion = "us-east-1";
inline constexpr std::string_view kJsonContentType = "application/x-amz-json-1.1";
inline constexpr std::string_view kOctetStreamContentType = "application/octet-stream";
// The largest request body the server accepts for IngestRecords.
inline constexpr size_t kMaxIngestBodyBytes = size_t{256} << 20;

// Status codes produced on the client side (server errors keep the server's code).
inline constexpr const char* kErrInvalidEndpoint = "InvalidEndpoint";
inline constexpr const char* kErrCredentialsNotFound = "CredentialsNotFound";
inline constexpr const char* kErrInvalidCredentials = "InvalidCredentials";
inline constexpr const char* kErrConnectionFailed = "ConnectionFailed";  // could not connect
inline constexpr const char* kErrTransport = "TransportError";   // connected, then I/O failed
inline constexpr const char* kErrTimeout = "RequestTimeout";
inline constexpr const char* kErrBadResponse = "InvalidResponse";  // unreadable 2xx body
inline constexpr const char* kErrFileRead = "FileReadError";
inline constexpr const char* kErrFileTooLarge = "FileTooLarge";

// ---------------------------------------------------------------------------------------
// Endpoint and credentials

struct Endpoint {
  std::string host;         // "127.0.0.1", "localhost", "::1" (no brackets)
  uint16_t port = 80;
  std::string host_header;  // "127.0.0.1:4580" ("[::1]:4580"; port omitted when 80)
  std::string ToString() const { return "http://" + host_header; }
};

// "http://HOST[:PORT][/]" or "HOST:PORT" (http assumed). https is not supported (the
// server speaks plain HTTP); a path other than "/" is rejected. kErrInvalidEndpoint.
Result<Endpoint> ParseEndpoint(std::string_view url);

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // optional
  std::string source;         // where they came from, for messages ("/x/credentials", "environment")
};

// Parses the AWS shared-credentials format ("[default]\naws_access_key_id = ...\n
// aws_secret_access_key = ...", '#'/';' comments, optional aws_session_token) and returns
// the given profile. kErrInvalidCredentials when the profile or one of the keys is missing.
Result<Credentials> ParseSharedCredentials(std::string_view text,
                                           std::string_view profile = "default");

// Looks up an environment variable; replaceable for tests.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
std::optional<std::string> GetEnv(const char* name);

// Resolves the credentials the CLI signs with:
//   1. DATA_DIR/credentials when that file exists (written by `opentrail serve` on its first
//      start: the management account's root);
//   2. otherwise, unless the data dir was given explicitly (--data-dir or
//      OPENTRAIL_DATA_DIR), AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN).
// An explicitly given data dir without a credentials file is an error, so that a typo never
// silently signs as someone else. kErrCredentialsNotFound / kErrInvalidCredentials.
Result<Credentials> ResolveCredentials(const std::string& data_dir, bool data_dir_explicit,
                                       const EnvLookup& env = GetEnv);

// ---------------------------------------------------------------------------------------
// Errors

// "Code: message" (or "Code"), for the commands' error lines.
std::string DescribeStatus(const Status& s);

// Turns an error response into a Status: `{"__type": "Code", "message": "..."}` (also
// "Message", and "__type" values with a "prefix#" are cut to the code). A body that is not
// such JSON gives code "HttpError<status>" with the start of the body as message.
Status ParseErrorBody(int http_status, std::string_view body);

// ---------------------------------------------------------------------------------------
// HTTP client

struct HttpResponse {
  int status = 0;
  std::string body;
};

// A request of any AWS protocol (S3 REST-XML, JSON 1.1 with another X-Amz-Target), for
// ApiClient::SendRequest.
struct RawHttpRequest {
  std::string method = "GET";
  std::string target = "/";      // request-target as sent: URI-encoded path and query
  std::vector<Header> headers;   // sent and signed besides Host (no Host here)
  std::string_view body;
  std::string region;            // credential scope; empty = ApiClientOptions::region
  std::string service;           // credential scope; empty = ApiClientOptions::service
};

struct RawHttpResponse {
  int status = 0;
  std::vector<Header> headers;   // names exactly as received
  std::string body;
};

struct ApiClientOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  // Time allowed for sending one request and reading its response, plus io_timeout_per_mib
  // for every MiB of request body (a large log file takes the server a while to validate).
  std::chrono::milliseconds io_timeout{60'000};
  std::chrono::milliseconds io_timeout_per_mib{2'000};
  size_t max_response_bytes = 64u << 20;
  std::string user_agent = "opentrail-cli/1";
  std::string region = std::string(kApiRegion);
  std::string service = std::string(kApiService);
};

// Not thread-safe: one client (one connection) per thread.
class ApiClient {
 public:
  ApiClient(Endpoint endpoint, Credentials credentials, ApiClientOptions options = {});
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // Sends one signed request and returns whatever HTTP status the server answered.
  // A non-OK Status means no HTTP response was obtained: kErrConnectionFailed (could not
  // connect at all), kErrTransport, kErrTimeout. When a reused keep-alive connection fails
  // before any response byte arrives, the request is sent once more on a new connection.
  Result<HttpResponse> Send(std::string_view operation, std::string_view body,
                            std::string_view content_type);

  // As Send, then maps a non-2xx answer to ParseErrorBody's Status; returns the 2xx body.
  Result<std::string> Call(std::string_view operation, std::string_view body,
                           std::string_view content_type = kJsonContentType);

  // Sends one signed request of any method and target on the same keep-alive connection
  // (with the same reconnect-once rule as Send) and returns the status, the headers and the
  // body, whatever the status. For service "s3" the signature covers X-Amz-Content-SHA256
  // (added unless given). Same transport errors as Send.
  Result<RawHttpResponse> SendRequest(const RawHttpRequest& request);

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  struct Connection;
  Endpoint endpoint_;
  Credentials credentials_;
  ApiClientOptions options_;
  std::unique_ptr<Connection> conn_;
};

// ---------------------------------------------------------------------------------------
// `opentrail import`: pure helpers (implemented in import_command.cc)

// True for names ending in ".json" or ".json.gz" (ASCII case-insensitive).
bool IsLogFileName(std::string_view file_name);

struct DiscoveredFiles {
  std::vector<std::string> files;  // sorted, without duplicates
  // Paths that could not be read: "PATH: reason" (missing, permission denied...).
  std::vector<std::pair<std::string, std::string>> errors;
  size_t skipped = 0;              // files inside folders not named *.json / *.json.gz
};

// Walks each path: a folder is searched recursively for *.json / *.json.gz files (others,
// e.g. README.md, are skipped); a file named explicitly is taken whatever its name.
DiscoveredFiles DiscoverFiles(const std::vector<std::string>& paths);

// One element of an oversized plain-JSON log file, as a span of the file's bytes.
struct RecordSpan {
  size_t offset = 0;
  size_t size = 0;
};

// Finds the records of a plain JSON log file: every element of the "Records" array of each
// top-level object (several objects may follow each other), or of a top-level array.
// Returns false when the bytes are not of that shape (then the file cannot be split).
bool SplitRecords(std::string_view bytes, std::vector<RecordSpan>* records);

// Groups consecutive records into parts whose body `{"Records":[...]}` is at most
// `max_bytes` long. False when one record alone does not fit.
struct PartRange {
  size_t first_index = 0;  // index in the file of the part's first record
  size_t count = 0;
};
bool PlanParts(const std::vector<RecordSpan>& records, size_t max_bytes,
               std::vector<PartRange>* parts);
// The body of one part: `{"Records":[` + its records joined by ',' + `]}`.
std::string PartBody(std::string_view bytes, const std::vector<RecordSpan>& records,
                     const PartRange& part);

struct RecordRejection {
  std::string file;
  uint64_t index = 0;       // record index within the file
  std::string event_id;     // may be empty
  std::string message;
};

// What the server answered for one IngestRecords call (or one file, summed over parts).
struct IngestResult {
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t rejected = 0;
  std::vector<RecordRejection> errors;  // as listed by the server (maybe fewer than rejected)
};

// Parses an IngestRecords 200 body; `index_base` is added to each error's Index (a part of
// a split file). kErrBadResponse when the body is not the expected JSON.
Result<IngestResult> ParseIngestResponse(std::string_view body, const std::string& file,
                                         uint64_t index_base = 0);

// Totals over a whole import and the text printed at its end.
class ImportSummary {
 public:
  static constexpr size_t kMaxListedRejections = 20;

  explicit ImportSummary(size_t total_files = 0) : total_files_(total_files) {}

  void SetTotalFiles(size_t n) { total_files_ = n; }
  void AddFileResult(const std::string& file, const IngestResult& result);
  // `partial`: what parts of a split file that were sent before the failure achieved.
  void AddFailedFile(const std::string& file, const std::string& error,
                     const IngestResult* partial = nullptr);
  // Files never sent because the import stopped (server unreachable, credentials refused).
  void AddNotSent(size_t n) { not_sent_ += n; }

  size_t total_files() const { return total_files_; }
  size_t files_done() const { return files_ok_ + failed_.size(); }
  size_t files_ok() const { return files_ok_; }
  size_t files_failed() const { return failed_.size(); }
  size_t files_not_sent() const { return not_sent_; }
  uint64_t accepted() const { return accepted_; }
  uint64_t duplicates() const { return duplicates_; }
  uint64_t rejected() const { return rejected_; }
  uint64_t records_processed() const { return accepted_ + duplicates_ + rejected_; }
  const std::vector<RecordRejection>& listed_rejections() const { return rejections_; }
  const std::vector<std::pair<std::string, std::string>>& failed_files() const { return failed_; }

  // 0: every file was read by the server and no record was rejected;
  // 2: every file was read, some records were rejected;
  // 1: a file failed entirely, or some files were not sent (server unreachable...).
  int ExitCode() const;

  // The progress line (no newline): "files 3/12  records 3450  1493 rec/s  duplicates 12
  // rejected 3". `in_flight`: parts of split files already answered, not yet added.
  std::string ProgressLine(double elapsed_seconds, const IngestResult* in_flight = nullptr) const;
  // The multi-line summary printed on stdout at the end.
  std::string Format(double elapsed_seconds) const;
  // The same as one JSON object (for --json).
  std::string FormatJson(double elapsed_seconds) const;

 private:
  size_t total_files_ = 0;
  size_t files_ok_ = 0;
  size_t not_sent_ = 0;
  uint64_t accepted_ = 0, duplicates_ = 0, rejected_ = 0;
  std::vector<RecordRejection> rejections_;  // the first kMaxListedRejections
  std::vector<std::pair<std::string, std::string>> failed_;
};

}  // namespace ot::cli
