// cli/validate_logs.cc — see validate_logs.h.
//
// Concurrency: the chain walk runs on the calling thread and is a line-by-line
// transcription of the AWS CLI's DigestTraverser (so that every verdict, every message and
// their order are the same). Everything slow runs on a WorkerPool:
//   * digest fetches (GetObject + gunzip + SHA-256 + JSON parse), high priority, prefetched
//     from the listing newest-first in a bounded window ahead of the walk;
//   * log-file checks (GetObject + libdeflate + SHA-256 + compare), queued as soon as their
//     digest is found valid.
// The walk appends what the AWS CLI would print, in its order, to a queue of entries; a log
// file's entry holds the future of its check. The queue is printed as its head becomes
// ready, so output streams and stays in the AWS CLI's order. Each worker uses its own
// keep-alive connection (the HTTP backend keeps a pool of ApiClients).
#include "cli/validate_logs.h"

#include <libdeflate.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <zlib.h>

#include <boost/json.hpp>
#include <pugixml.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <thread>
#include <tuple>

#include "auth/sigv4.h"
#include "common/crypto.h"
#include "common/header.h"
#include "common/time.h"

namespace ot::cli::validate_logs {

namespace json = boost::json;

// =======================================================================================
// Times

namespace {

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}

int64_t Digits(std::string_view s) {
  int64_t v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

unsigned DaysInMonth(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return kDays[m - 1];
}

// A zone suffix: "Z", "UTC", "GMT", "+HH", "+HH:MM", "+HHMM" (and '-'). Ignored, as the AWS
// CLI replaces the zone instead of converting.
bool IsZone(std::string_view z) {
  if (z.empty()) return true;
  if (z == "Z" || z == "z" || z == "UTC" || z == "GMT") return true;
  if (z.front() != '+' && z.front() != '-') return false;
  z.remove_prefix(1);
  if (z.size() == 2) return AllDigits(z);
  if (z.size() == 4) return AllDigits(z);
  if (z.size() == 5) return AllDigits(z.substr(0, 2)) && z[2] == ':' && AllDigits(z.substr(3));
  return false;
}

}  // namespace

std::optional<TimeUs> ParseTime(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  if (s.empty()) return std::nullopt;

  // Epoch seconds: digits (not 8 of them: that is YYYYMMDD), optionally with a fraction.
  {
    size_t dot = s.find('.');
    std::string_view whole = s.substr(0, dot);
    std::string_view frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
    if (AllDigits(whole) && whole.size() != 8 && whole.size() <= 12 &&
        (dot == std::string_view::npos || AllDigits(frac))) {
      TimeUs t = Digits(whole) * kSecond;
      int64_t scale = kSecond / 10;
      for (char c : frac) {
        if (scale == 0) break;
        t += (c - '0') * scale;
        scale /= 10;
      }
      return t;
    }
  }

  int64_t year = 0;
  unsigned month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int64_t micros = 0;
  std::string_view rest;
  if (s.size() >= 10 && AllDigits(s.substr(0, 4)) && s[4] == '-' && AllDigits(s.substr(5, 2)) &&
      s[7] == '-' && AllDigits(s.substr(8, 2))) {
    year = Digits(s.substr(0, 4));
    month = static_cast<unsigned>(Digits(s.substr(5, 2)));
    day = static_cast<unsigned>(Digits(s.substr(8, 2)));
    rest = s.substr(10);
  } else if (s.size() >= 8 && AllDigits(s.substr(0, 8))) {
    year = Digits(s.substr(0, 4));
    month = static_cast<unsigned>(Digits(s.substr(4, 2)));
    day = static_cast<unsigned>(Digits(s.substr(6, 2)));
    rest = s.substr(8);
  } else {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return std::nullopt;

  if (!rest.empty() && (rest.front() == 'T' || rest.front() == 't' || rest.front() == ' ')) {
    rest.remove_prefix(1);
    // HH[:MM[:SS[.f]]] or HHMM[SS[.f]]
    auto take2 = [&rest](unsigned* v) {
      if (rest.size() < 2 || !AllDigits(rest.substr(0, 2))) return false;
      *v = static_cast<unsigned>(Digits(rest.substr(0, 2)));
      rest.remove_prefix(2);
      return true;
    };
    if (!take2(&hour)) return std::nullopt;
    bool extended = !rest.empty() && rest.front() == ':';
    if (extended) rest.remove_prefix(1);
    if (extended || (!rest.empty() && IsDigit(rest.front()))) {
      if (!take2(&minute)) return std::nullopt;
      bool colon = !rest.empty() && rest.front() == ':';
      if (colon != extended && colon) return std::nullopt;
      if (colon) rest.remove_prefix(1);
      if (colon || (!extended && !rest.empty() && IsDigit(rest.front()))) {
        if (!take2(&second)) return std::nullopt;
        if (!rest.empty() && (rest.front() == '.' || rest.front() == ',')) {
          rest.remove_prefix(1);
          size_t n = 0;
          int64_t scale = kSecond / 10;
          while (n < rest.size() && IsDigit(rest[n])) {
            if (scale > 0) {
              micros += (rest[n] - '0') * scale;
              scale /= 10;
            }
            ++n;
          }
          if (n == 0) return std::nullopt;
          rest.remove_prefix(n);
        }
      }
    }
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  }
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (!IsZone(rest)) return std::nullopt;
  int64_t days = DaysFromCivil(year, month, day);
  return (days * 86400 + hour * 3600 + minute * 60 + second) * kSecond + micros;
}

// The same texts as the server writes (common/time.h), from whole seconds.
std::string FormatDisplayTime(TimeUs t) { return FormatIso8601(FloorDiv(t, kSecond)); }

std::string FormatKeyTime(TimeUs t) { return FormatAmzDate(FloorDiv(t, kSecond)); }

std::string FormatYmdPath(TimeUs t) {
  std::string d = FormatAmzDate(FloorDiv(t, kSecond));  // YYYYMMDDTHHMMSSZ
  return d.substr(0, 4) + "/" + d.substr(4, 2) + "/" + d.substr(6, 2);
}

// =======================================================================================
// Trail ARN and digest keys

namespace {

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

// Python's s[a:b] with negative indices.
std::string PySlice(std::string_view s, long a, long b) {
  long n = static_cast<long>(s.size());
  auto norm = [n](long i) {
    if (i < 0) i += n;
    return std::clamp(i, 0L, n);
  };
  long from = norm(a), to = norm(b);
  if (to <= from) return {};
  return std::string(s.substr(static_cast<size_t>(from), static_cast<size_t>(to - from)));
}

std::string DigestFolder(const DigestScope& scope) {
  std::string folder = "AWSLogs/";
  if (!scope.organization_id.empty()) folder += scope.organization_id + "/";
  folder += scope.account_id + "/CloudTrail-Digest/" + scope.source_region;
  if (!scope.prefix.empty()) folder = scope.prefix + "/" + folder;
  return folder;
}

}  // namespace

std::optional<TrailArn> ParseTrailArn(std::string_view arn) {
  static const std::regex kPattern(R"(arn:.+:cloudtrail:.+:[0-9]{12}:trail/.+)");
  std::string text(arn);
  if (!std::regex_search(text, kPattern, std::regex_constants::match_continuous)) {
    return std::nullopt;
  }
  auto fields = Split(arn, ':');
  TrailArn out;
  out.arn = text;
  out.home_region = fields.size() > 3 ? std::string(fields[3]) : "";
  out.account_id = fields.size() > 4 ? std::string(fields[4]) : "";
  out.name = std::string(arn.substr(arn.rfind('/') + 1));
  return out;
}

std::string DigestListPrefix(const DigestScope& scope) { return DigestFolder(scope); }

std::string DigestMarker(const DigestScope& scope, TimeUs start) {
  TimeUs t = start - kMinute;
  return DigestFolder(scope) + "/" + FormatYmdPath(t) + "/" + scope.account_id +
         "_CloudTrail-Digest_" + scope.source_region + "_" + scope.trail_name + "_" +
         scope.home_region + "_" + FormatKeyTime(t) + ".json.gz";
}

bool MatchesDigestKey(const DigestScope& scope, std::string_view key) {
  // Python's `$` also matches before one final "\n"; `.` never matches "\n".
  if (!key.empty() && key.back() == '\n') key.remove_suffix(1);
  std::string head = DigestFolder(scope) + "/";
  if (!key.starts_with(head)) return false;
  key.remove_prefix(head.size());
  // \d+/\d+/\d+/
  for (int i = 0; i < 3; ++i) {
    size_t n = 0;
    while (n < key.size() && IsDigit(key[n])) ++n;
    if (n == 0 || n >= key.size() || key[n] != '/') return false;
    key.remove_prefix(n + 1);
  }
  std::string file_head = scope.account_id + "_CloudTrail-Digest_" + scope.source_region + "_" +
                          scope.trail_name + "_" + scope.home_region + "_";
  if (!key.starts_with(file_head)) return false;
  key.remove_prefix(file_head.size());
  constexpr std::string_view kSuffix = ".json.gz";
  if (key.size() < kSuffix.size() + 1 || !key.ends_with(kSuffix)) return false;
  std::string_view middle = key.substr(0, key.size() - kSuffix.size());
  return middle.find('\n') == std::string_view::npos;
}

bool IsBackfillDigestKey(std::string_view key) { return key.ends_with("_backfill.json.gz"); }

std::string DigestKeyTimestamp(std::string_view key) {
  return IsBackfillDigestKey(key) ? PySlice(key, -33, -17) : PySlice(key, -24, -8);
}

DigestKeyCollector::DigestKeyCollector(const DigestScope& scope, TimeUs start, TimeUs end)
    : scope_(scope), start_text_(FormatKeyTime(start)), end_text_(FormatKeyTime(end + kHour)) {}

bool DigestKeyCollector::Add(const std::string& key) {
  if (key.empty() || !MatchesDigestKey(scope_, key)) return true;
  std::string date = DigestKeyTimestamp(key);
  if (date > end_text_) return false;
  if (date < start_text_) return true;
  (IsBackfillDigestKey(key) ? backfill : standard).push_back(key);
  return true;
}

// =======================================================================================
// Content checks

namespace {

struct Decompressor {
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  ~Decompressor() { libdeflate_free_decompressor(d); }
};

// Decompresses the first gzip member into a thread-local buffer. Returns the output (valid
// until the next call on this thread), or nullopt.
std::optional<std::string_view> InflateFirstMember(std::string_view gz, size_t* consumed) {
  thread_local Decompressor dec;
  thread_local std::vector<char> buffer;
  if (gz.size() < 18 || dec.d == nullptr) return std::nullopt;
  const auto* tail = reinterpret_cast<const uint8_t*>(gz.data() + gz.size() - 4);
  size_t isize = size_t{tail[0]} | size_t{tail[1]} << 8 | size_t{tail[2]} << 16 |
                 size_t{tail[3]} << 24;
  // deflate cannot expand more than ~1032:1.
  const size_t max_out = std::min<size_t>(gz.size() * 1040 + 4096, size_t{8} << 30);
  size_t cap = std::clamp<size_t>(isize, 256, max_out);
  for (;;) {
    if (buffer.size() < cap) buffer.resize(cap);
    size_t in_used = 0, out_used = 0;
    libdeflate_result r = libdeflate_gzip_decompress_ex(dec.d, gz.data(), gz.size(), buffer.data(),
                                                        cap, &in_used, &out_used);
    if (r == LIBDEFLATE_SUCCESS) {
      if (consumed) *consumed = in_used;
      return std::string_view(buffer.data(), out_used);
    }
    if (r != LIBDEFLATE_INSUFFICIENT_SPACE || cap >= max_out) return std::nullopt;
    cap = std::min(max_out, cap * 2 + 4096);
  }
}

struct HashCtx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~HashCtx() { EVP_MD_CTX_free(ctx); }
};

// What Python's zlib.decompressobj(31) does with the whole body fed to it: the output up to
// where the stream ends or the input runs out; false on a zlib error.
bool ZlibStreamHash(std::string_view body, std::string* hash_hex, bool* ended, size_t* consumed) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return false;
  thread_local HashCtx h;
  EVP_DigestInit_ex(h.ctx, EVP_sha256(), nullptr);
  std::vector<unsigned char> out(1 << 16);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  zs.avail_in = static_cast<uInt>(std::min<size_t>(body.size(), UINT32_MAX));
  size_t remaining = body.size() - zs.avail_in;
  bool ok = true;
  *ended = false;
  for (;;) {
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    int r = inflate(&zs, Z_NO_FLUSH);
    size_t produced = out.size() - zs.avail_out;
    if (produced) EVP_DigestUpdate(h.ctx, out.data(), produced);
    if (r == Z_STREAM_END) {
      *ended = true;
      break;
    }
    if (r == Z_BUF_ERROR || (r == Z_OK && zs.avail_in == 0 && produced < out.size())) {
      if (zs.avail_in == 0 && remaining > 0) {
        size_t n = std::min<size_t>(remaining, UINT32_MAX);
        zs.avail_in = static_cast<uInt>(n);
        remaining -= n;
        continue;
      }
      if (r == Z_BUF_ERROR || zs.avail_in == 0) break;  // input exhausted: truncated
    }
    if (r != Z_OK) {
      ok = false;
      break;
    }
  }
  *consumed = body.size() - remaining - zs.avail_in;
  inflateEnd(&zs);
  if (!ok) return false;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(h.ctx, digest, &len);
  *hash_hex = HexEncode(digest, len);
  return true;
}

}  // namespace

bool GunzipFirstMember(std::string_view gz, std::string* out, size_t* consumed) {
  auto view = InflateFirstMember(gz, consumed);
  if (!view) return false;
  out->assign(view->data(), view->size());
  return true;
}

LogVerdict VerifyLogFile(std::string_view body, std::string_view expected_hash) {
  size_t consumed = 0;
  if (auto view = InflateFirstMember(body, &consumed)) {
    if (consumed < body.size()) return LogVerdict::kTrailingData;
    return Sha256Hex(*view) == expected_hash ? LogVerdict::kValid : LogVerdict::kHashMismatch;
  }
  // Not a complete gzip member: do what Python's stream decoder does (a truncated stream
  // hashes what came out; corrupt data is an error).
  std::string hash;
  bool ended = false;
  if (!ZlibStreamHash(body, &hash, &ended, &consumed)) return LogVerdict::kInvalidFormat;
  if (ended && consumed < body.size()) return LogVerdict::kTrailingData;
  return hash == expected_hash ? LogVerdict::kValid : LogVerdict::kHashMismatch;
}

std::string_view LogVerdictMessage(LogVerdict verdict) {
  switch (verdict) {
    case LogVerdict::kValid: return "valid";
    case LogVerdict::kHashMismatch: return "INVALID: hash value doesn't match";
    case LogVerdict::kInvalidFormat: return "INVALID: invalid format";
    case LogVerdict::kTrailingData: return "INVALID: unexpected data after end of compressed stream";
  }
  return "";
}

struct PublicKeyCache::Impl {
  std::mutex mu;
  std::map<std::string, EVP_PKEY*, std::less<>> keys;  // nullptr: failed to load
  ~Impl() {
    for (auto& [value, key] : keys) EVP_PKEY_free(key);
  }
  EVP_PKEY* Load(std::string_view value) {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = keys.find(value); it != keys.end()) return it->second;
    EVP_PKEY* key = nullptr;
    std::string der;
    // Python's base64.b64decode (non-validating) drops characters outside the alphabet.
    std::string cleaned;
    for (char c : value) {
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
          c == '/' || c == '=')
        cleaned.push_back(c);
    }
    if (Base64Decode(cleaned, &der) && !der.empty()) {
      const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
      key = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der.size()));
    }
    keys.emplace(std::string(value), key);
    return key;
  }
};

PublicKeyCache::PublicKeyCache() : impl_(std::make_unique<Impl>()) {}
PublicKeyCache::~PublicKeyCache() = default;

PublicKeyCache::Outcome PublicKeyCache::Verify(std::string_view key_value, std::string_view data,
                                               std::string_view signature_bytes) {
  EVP_PKEY* key = impl_->Load(key_value);
  if (key == nullptr) return kLoadFailed;
  if (static_cast<int>(signature_bytes.size()) != EVP_PKEY_get_size(key)) return kBadSignature;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return kBadSignature;
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature_bytes.data()),
                             signature_bytes.size(),
                             reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok ? kValid : kBadSignature;
}

// =======================================================================================
// Report

void Report::Header(const std::string& arn, TimeUs start, TimeUs end) {
  out_->Out("Validating log files for trail " + arn + " between " + FormatDisplayTime(start) +
            " and " + FormatDisplayTime(end) + "\n\n");
}

void Report::Valid(const std::string& line) {
  if (!verbose_) return;
  last_double_space_ = false;
  out_->Out(line + "\n");
}

void Report::Error(const std::string& line) {
  out_->Err(last_double_space_ ? line + "\n\n" : "\n" + line + "\n\n");
  last_double_space_ = true;
}

void Report::TrackFound(TimeUs digest_start, TimeUs digest_end, TimeUs start, TimeUs end) {
  TimeUs s = std::max(digest_start, start);
  if (!found_start_ || s < *found_start_) found_start_ = s;
  TimeUs e = std::min(digest_end, end);
  if (!found_end_ || e > *found_end_) found_end_ = e;
}

void Report::Summary(TimeUs start, TimeUs end) {
  if (!last_double_space_) out_->Out("\n");
  std::string text = "Results requested for " + FormatDisplayTime(start) + " to " +
                     FormatDisplayTime(end) + "\n";
  uint64_t valid = counts.valid_digests + counts.valid_backfill;
  uint64_t invalid = counts.invalid_digests + counts.invalid_backfill;
  if (valid == 0 && invalid == 0) {
    out_->Out(text + "No digests found\n");
    return;
  }
  if (!found_start_ || !found_end_) {
    text += "No valid digests found in range\n";
  } else {
    text += "Results found for " + FormatDisplayTime(*found_start_) + " to " +
            FormatDisplayTime(*found_end_) + ":\n";
  }
  auto ratio = [&text](uint64_t v, uint64_t i, const char* name) {
    uint64_t total = v + i;
    if (total == 0) return;
    text += "\n" + std::to_string(v) + "/" + std::to_string(total) + " " + name + " files valid";
    if (i > 0) {
      text += ", " + std::to_string(i) + "/" + std::to_string(total) + " " + name + " files INVALID";
    }
  };
  ratio(counts.valid_digests, counts.invalid_digests, "digest");
  ratio(counts.valid_backfill, counts.invalid_backfill, "backfill digest");
  ratio(counts.valid_logs, counts.invalid_logs, "log");
  text += "\n";
  out_->Out(text);
}

int Report::ExitCode() const {
  return counts.invalid_digests + counts.invalid_backfill > 0 || counts.invalid_logs > 0 ? 1 : 0;
}

// =======================================================================================
// HTTP backend

namespace {

constexpr std::string_view kCloudTrailTarget =
    "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.";
constexpr std::string_view kOrganizationsTarget = "AWSOrganizationsV20161128.";

bool IsTransportCode(const std::string& code) {
  return code == kErrConnectionFailed || code == kErrTransport || code == kErrTimeout ||
         code == kErrBadResponse;
}

// An S3 REST-XML error body: <Error><Code>..</Code><Message>..</Message></Error>. botocore
// uses the HTTP status as the code when the body has none.
Status S3Error(const RawHttpResponse& r) {
  pugi::xml_document doc;
  std::string code, message;
  if (!r.body.empty() && doc.load_buffer(r.body.data(), r.body.size())) {
    pugi::xml_node err = doc.child("Error");
    code = err.child_value("Code");
    message = err.child_value("Message");
  }
  if (code.empty()) code = std::to_string(r.status);
  if (message.empty()) {
    if (r.status == 404) message = "Not Found";
    else if (r.status == 403) message = "Forbidden";
    else message = "HTTP " + std::to_string(r.status);
  }
  return Status::Error(code, message, r.status);
}

bool Retryable(const Status& s) {
  return IsTransportCode(s.code()) || s.http_status() >= 500 || s.code() == "SlowDown" ||
         s.code() == "Throttling" || s.code() == "ThrottlingException" ||
         s.code() == "RequestTimeout";
}

class HttpBackend final : public Backend {
 public:
  explicit HttpBackend(HttpBackendConfig config) : config_(std::move(config)) {
    ApiClientOptions options;
    options.region = config_.region;
    options.service = "cloudtrail";
    options.user_agent = "opentrail-validate-logs/1";
    cloudtrail_ = std::make_unique<ApiClient>(config_.cloudtrail_endpoint, config_.credentials,
                                              options);
  }

  Result<std::vector<TrailInfo>> DescribeTrails() override {
    auto body = CallJson("cloudtrail", config_.region, std::string(kCloudTrailTarget) + "DescribeTrails", "{}");
    if (!body.ok()) return body.status();
    json::error_code ec;
    json::value v = json::parse(*body, ec);
    if (ec || !v.is_object()) return BadResponse("DescribeTrails", *body);
    std::vector<TrailInfo> out;
    if (auto* list = v.get_object().if_contains("trailList"); list && list->is_array()) {
      for (const auto& t : list->get_array()) {
        if (!t.is_object()) continue;
        const auto& o = t.get_object();
        TrailInfo info;
        if (auto* p = o.if_contains("TrailARN"); p && p->is_string()) info.trail_arn = p->get_string();
        if (auto* p = o.if_contains("S3BucketName"); p && p->is_string()) info.s3_bucket = p->get_string();
        if (auto* p = o.if_contains("S3KeyPrefix"); p && p->is_string())
          info.s3_key_prefix = std::string(p->get_string());
        if (auto* p = o.if_contains("IsOrganizationTrail"); p && p->is_bool())
          info.is_organization_trail = p->get_bool();
        out.push_back(std::move(info));
      }
    }
    return out;
  }

  Result<std::string> DescribeOrganizationId() override {
    auto body = CallJson("organizations", "us-east-1",
                         std::string(kOrganizationsTarget) + "DescribeOrganization", "{}");
    if (!body.ok()) return body.status();
    json::error_code ec;
    json::value v = json::parse(*body, ec);
    if (!ec && v.is_object()) {
      if (auto* org = v.get_object().if_contains("Organization"); org && org->is_object()) {
        if (auto* id = org->get_object().if_contains("Id"); id && id->is_string()) {
          return std::string(id->get_string());
        }
      }
    }
    return BadResponse("DescribeOrganization", *body);
  }

  Result<std::vector<PublicKeyInfo>> ListPublicKeys(int64_t start_seconds, int64_t end_seconds) override {
    std::string request = "{\"StartTime\": " + std::to_string(start_seconds) +
                          ", \"EndTime\": " + std::to_string(end_seconds) + "}";
    auto body = CallJson("cloudtrail", config_.region, std::string(kCloudTrailTarget) + "ListPublicKeys", request);
    if (!body.ok()) return body.status();
    json::error_code ec;
    json::value v = json::parse(*body, ec);
    if (ec || !v.is_object()) return BadResponse("ListPublicKeys", *body);
    std::vector<PublicKeyInfo> out;
    if (auto* list = v.get_object().if_contains("PublicKeyList"); list && list->is_array()) {
      for (const auto& k : list->get_array()) {
        if (!k.is_object()) continue;
        PublicKeyInfo info;
        if (auto* p = k.get_object().if_contains("Fingerprint"); p && p->is_string()) info.fingerprint = p->get_string();
        if (auto* p = k.get_object().if_contains("Value"); p && p->is_string()) info.value = p->get_string();
        out.push_back(std::move(info));
      }
    }
    return out;
  }

  Result<std::string> GetBucketLocation(const std::string& bucket) override {
    auto r = S3Get(config_.region, "/" + auth::UriEncode(bucket, true) + "?location");
    if (!r.ok()) return r.status();
    pugi::xml_document doc;
    if (!doc.load_buffer(r->body.data(), r->body.size())) {
      return BadResponse("GetBucketLocation", r->body);
    }
    return std::string(doc.child_value("LocationConstraint"));
  }

  Result<ListPage> ListObjects(const std::string& bucket, const std::string& region,
                               const std::string& prefix, const std::string& marker) override {
    std::string target = "/" + auth::UriEncode(bucket, true) + "?encoding-type=url";
    if (!marker.empty()) target += "&marker=" + auth::UriEncode(marker, true);
    target += "&prefix=" + auth::UriEncode(prefix, true);
    auto r = S3Get(region, target);
    if (!r.ok()) return r.status();
    pugi::xml_document doc;
    if (!doc.load_buffer(r->body.data(), r->body.size())) return BadResponse("ListObjects", r->body);
    pugi::xml_node root = doc.child("ListBucketResult");
    if (!root) return BadResponse("ListObjects", r->body);
    const bool url = std::string_view(root.child_value("EncodingType")) == "url";
    auto decode = [url](std::string s) {
      if (!url) return s;
      std::string out;
      return auth::UriDecode(s, &out, false) ? out : s;
    };
    ListPage page;
    page.truncated = std::string_view(root.child_value("IsTruncated")) == "true";
    page.next_marker = decode(root.child_value("NextMarker"));
    for (pugi::xml_node c : root.children("Contents")) {
      page.keys.push_back(decode(c.child_value("Key")));
    }
    return page;
  }

  Result<S3Object> GetObject(const std::string& bucket, const std::string& region,
                             const std::string& key) override {
    auto r = S3Get(region, "/" + auth::UriEncode(bucket, true) + "/" + auth::UriEncode(key, false));
    if (!r.ok()) return r.status();
    S3Object object;
    for (auto& h : r->headers) {
      if (h.name.size() > 11 && EqualsIgnoreCase(std::string_view(h.name).substr(0, 11), "x-amz-meta-")) {
        std::string name = h.name.substr(11);
        auto [it, inserted] = object.metadata.emplace(name, h.value);
        if (!inserted) it->second += ", " + h.value;
      }
    }
    object.body = std::move(r->body);
    return object;
  }

 private:
  Status BadResponse(const std::string& operation, std::string_view body) {
    return Status::Error(kErrBadResponse,
                         operation + " answered an unexpected body: " +
                             std::string(body.substr(0, std::min<size_t>(body.size(), 200))),
                         502);
  }

  template <typename F>
  auto WithRetries(F&& f) -> decltype(f()) {
    for (int attempt = 1;; ++attempt) {
      auto r = f();
      if (r.ok() || attempt >= config_.max_attempts || !Retryable(r.status())) return r;
      thread_local std::minstd_rand rng(std::random_device{}());
      int base = 50 << (attempt - 1);
      std::this_thread::sleep_for(std::chrono::milliseconds(base + static_cast<int>(rng() % base)));
    }
  }

  Result<std::string> CallJson(const std::string& service, const std::string& region,
                               const std::string& target, const std::string& body) {
    std::lock_guard<std::mutex> lock(cloudtrail_mu_);
    return WithRetries([&]() -> Result<std::string> {
      RawHttpRequest req;
      req.method = "POST";
      req.target = "/";
      req.headers = {{"Content-Type", std::string(kJsonContentType)}, {"X-Amz-Target", target}};
      req.body = body;
      req.region = region;
      req.service = service;
      auto r = cloudtrail_->SendRequest(req);
      if (!r.ok()) return r.status();
      if (r->status < 200 || r->status >= 300) return ParseErrorBody(r->status, r->body);
      return std::move(r->body);
    });
  }

  std::unique_ptr<ApiClient> Acquire() {
    {
      std::lock_guard<std::mutex> lock(pool_mu_);
      if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
    }
    ApiClientOptions options;
    options.region = config_.region;
    options.service = "s3";
    options.user_agent = "opentrail-validate-logs/1";
    options.max_response_bytes = size_t{4} << 30;
    return std::make_unique<ApiClient>(config_.s3_endpoint, config_.credentials, options);
  }

  void Release(std::unique_ptr<ApiClient> c) {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (idle_.size() < std::max<size_t>(config_.max_connections, 1)) idle_.push_back(std::move(c));
  }

  // A signed S3 GET; non-2xx answers become S3Error statuses.
  Result<RawHttpResponse> S3Get(const std::string& region, const std::string& target) {
    auto client = Acquire();
    auto result = WithRetries([&]() -> Result<RawHttpResponse> {
      RawHttpRequest req;
      req.method = "GET";
      req.target = target;
      req.region = region;
      req.service = "s3";
      auto r = client->SendRequest(req);
      if (!r.ok()) return r.status();
      if (r->status < 200 || r->status >= 300) return S3Error(*r);
      return std::move(*r);
    });
    Release(std::move(client));
    return result;
  }

  HttpBackendConfig config_;
  std::mutex cloudtrail_mu_;
  std::unique_ptr<ApiClient> cloudtrail_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<ApiClient>> idle_;
};

}  // namespace

std::unique_ptr<Backend> MakeHttpBackend(HttpBackendConfig config) {
  return std::make_unique<HttpBackend>(std::move(config));
}

// =======================================================================================
// The run

namespace {

// botocore's ClientError text, or the transport problem as is.
std::string ErrorText(const Status& s, std::string_view operation) {
  if (IsTransportCode(s.code())) return s.message();
  return "An error occurred (" + s.code() + ") when calling the " + std::string(operation) +
         " operation: " + s.message();
}

// Python's str() of a JSON value, for the few places the AWS CLI formats one.
std::string PyStr(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_null()) return "None";
  if (v.is_bool()) return v.get_bool() ? "True" : "False";
  return json::serialize(v);
}

const char* PyTypeName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "NoneType";
    case json::kind::bool_: return "bool";
    case json::kind::int64:
    case json::kind::uint64: return "int";
    case json::kind::double_: return "float";
    case json::kind::string: return "str";
    case json::kind::array: return "list";
    case json::kind::object: return "dict";
  }
  return "object";
}

// Python truthiness of a JSON value.
bool Truthy(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return false;
    case json::kind::bool_: return v.get_bool();
    case json::kind::int64: return v.get_int64() != 0;
    case json::kind::uint64: return v.get_uint64() != 0;
    case json::kind::double_: return v.get_double() != 0;
    case json::kind::string: return !v.get_string().empty();
    case json::kind::array: return !v.get_array().empty();
    case json::kind::object: return !v.get_object().empty();
  }
  return false;
}

// parse_date() of the AWS CLI on a JSON value: the error text when it fails.
Result<TimeUs> ParseDateValue(const json::value& v) {
  if (!v.is_string()) {
    return Status::Error("ValueError", std::string("Parser must be a string or character stream, not ") +
                                           PyTypeName(v));
  }
  auto t = ParseTime(v.get_string());
  if (!t) return Status::Error("ValueError", "Unable to parse date value: " + std::string(v.get_string()));
  return *t;
}

bool HexDecode(std::string_view hex, std::string* out, std::string* error) {
  if (hex.size() % 2 != 0) {
    *error = "Odd-length string";
    return false;
  }
  out->clear();
  out->reserve(hex.size() / 2);
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      *error = "Non-hexadecimal digit found";
      return false;
    }
    out->push_back(static_cast<char>(hi << 4 | lo));
  }
  return true;
}

class WorkerPool {
 public:
  explicit WorkerPool(size_t n) {
    for (size_t i = 0; i < std::max<size_t>(n, 1); ++i) threads_.emplace_back([this] { Loop(); });
  }
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      high_.clear();
      low_.clear();
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  void Submit(std::function<void()> job, bool high_priority) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      (high_priority ? high_ : low_).push_back(std::move(job));
    }
    cv_.notify_one();
  }

 private:
  void Loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !high_.empty() || !low_.empty(); });
        if (stop_) return;
        auto& q = high_.empty() ? low_ : high_;
        job = std::move(q.front());
        q.pop_front();
      }
      job();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> high_, low_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

// One digest object as fetched and decoded by a worker.
struct DigestFetch {
  Status error;                // the S3 call's error
  std::string operation;       // of that error ("GetObject", "GetBucketLocation")
  std::map<std::string, std::string> metadata;
  bool format_ok = false;      // gunzip and JSON parse succeeded
  json::value data;
  std::string sha256_hex;      // of the uncompressed bytes
};

// One log file's check.
struct LogOutcome {
  enum Kind { kVerdict, kNotFound, kAbort } kind = kVerdict;
  LogVerdict verdict = LogVerdict::kValid;
  std::string abort_message;
};

// What the AWS CLI prints, in its order.
struct Entry {
  enum Kind { kValidLine, kErrorLine, kLogFile, kAbort } kind;
  std::string text;            // lines and abort messages; "s3://b/k" for log files
  std::shared_future<LogOutcome> log;
};

// Thrown inside the walk to abort the command (caught in Run; never crosses the API).
struct Abort {
  std::string message;
};

class Validation {
 public:
  Validation(const Options& options, Backend* backend, Output* output)
      : options_(options), backend_(backend), output_(output), report_(output, options.verbose),
        window_(std::max<size_t>(8, 2 * std::max<size_t>(options.concurrency, 1))) {}

  int Run() {
    try {
      Setup();
      report_.Header(options_.trail_arn, options_.start, options_.end);
      pool_ = std::make_unique<WorkerPool>(std::max<size_t>(options_.concurrency, 1));
      Traverse(/*backfill=*/false);
      Traverse(/*backfill=*/true);
      if (auto abort = Drain(true)) throw Abort{*abort};
    } catch (const Abort& a) {
      // What the AWS CLI printed before the failure comes first (and may itself abort).
      std::optional<std::string> earlier = Drain(true);
      pool_.reset();
      output_->Err("\n" + (earlier ? *earlier : a.message) + "\n");
      return 255;
    }
    pool_.reset();
    report_.Summary(options_.start, options_.end);
    return report_.ExitCode();
  }

 private:
  // ---- setup (validation.py: handle_args, create_digest_traverser) ----
  void Setup() {
    if (options_.start > options_.end) {
      throw Abort{"Invalid time range specified: start-time must occur before end-time"};
    }
    auto arn = ParseTrailArn(options_.trail_arn);
    if (!arn) throw Abort{"Invalid trail ARN provided: " + options_.trail_arn};
    std::string org_id;
    if (!options_.s3_bucket) {
      auto trails = backend_->DescribeTrails();
      if (!trails.ok()) throw Abort{ErrorText(trails.status(), "DescribeTrails")};
      const TrailInfo* found = nullptr;
      for (const auto& t : *trails) {
        if (t.trail_arn == options_.trail_arn) {
          found = &t;
          break;
        }
      }
      if (!found) throw Abort{"A trail could not be found for " + options_.trail_arn};
      bucket_ = found->s3_bucket;
      prefix_ = found->s3_key_prefix.value_or("");
      if (found->is_organization_trail) {
        if (!options_.account_id || options_.account_id->empty()) {
          throw Abort{"Missing required parameter for organization trail: '--account-id'"};
        }
        auto id = backend_->DescribeOrganizationId();
        if (!id.ok()) throw Abort{ErrorText(id.status(), "DescribeOrganization")};
        org_id = *id;
      }
    } else {
      bucket_ = *options_.s3_bucket;
      prefix_ = options_.s3_prefix.value_or("");
    }
    scope_.prefix = prefix_;
    scope_.organization_id = org_id;
    scope_.account_id =
        options_.account_id && !options_.account_id->empty() ? *options_.account_id : arn->account_id;
    scope_.trail_name = arn->name;
    scope_.home_region = arn->home_region;
    scope_.source_region =
        options_.region && !options_.region->empty() ? *options_.region : arn->home_region;
  }

  // ---- S3 helpers ----
  // S3ClientProvider._get_bucket_region (failures are not cached).
  Result<std::string> TryRegionOf(const std::string& bucket) {
    if (auto it = regions_.find(bucket); it != regions_.end()) return it->second;
    auto loc = backend_->GetBucketLocation(bucket);
    if (!loc.ok()) return loc.status();
    std::string region = loc->empty() ? "us-east-1" : *loc;
    regions_[bucket] = region;
    return region;
  }
  std::string RegionOf(const std::string& bucket) {
    auto region = TryRegionOf(bucket);
    if (!region.ok()) throw Abort{ErrorText(region.status(), "GetBucketLocation")};
    return *region;
  }

  struct Listing {
    std::vector<std::string> standard, backfill;
    size_t prefetch_standard = SIZE_MAX, prefetch_backfill = SIZE_MAX;  // next index to prefetch + 1
  };

  // DigestProvider.load_digest_keys_in_range, with its cache (the lists are consumed by the
  // walk, as the AWS CLI's are).
  Listing* LoadDigests(const std::string& bucket, TimeUs start, TimeUs end) {
    auto cache_key = std::make_tuple(bucket, prefix_, start, end);
    if (auto it = listings_.find(cache_key); it != listings_.end()) return it->second.get();
    std::string region = RegionOf(bucket);
    DigestKeyCollector collector(scope_, start, end);
    std::string marker = DigestMarker(scope_, start);
    const std::string list_prefix = DigestListPrefix(scope_);
    for (bool more = true; more;) {
      auto page = backend_->ListObjects(bucket, region, list_prefix, marker);
      if (!page.ok()) throw Abort{ErrorText(page.status(), "ListObjects")};
      for (const auto& key : page->keys) {
        if (!collector.Add(key)) {
          more = false;
          break;
        }
      }
      if (!more || !page->truncated) break;
      std::string next = !page->next_marker.empty() ? page->next_marker
                         : page->keys.empty()       ? std::string()
                                                    : page->keys.back();
      if (next.empty() || next == marker) break;
      marker = next;
    }
    auto listing = std::make_unique<Listing>();
    listing->standard = std::move(collector.standard);
    listing->backfill = std::move(collector.backfill);
    Listing* out = listing.get();
    listings_.emplace(cache_key, std::move(listing));
    return out;
  }

  // PublicKeyProvider.get_public_keys + DigestTraverser._load_public_keys. Returns the
  // error text of "no keys" via `empty_message` instead of throwing (the caller decides).
  std::map<std::string, std::string> LoadPublicKeys(TimeUs start, TimeUs end, std::string* empty_message) {
    std::vector<PublicKeyInfo> keys;
    if (options_.test_public_keys) {
      keys = *options_.test_public_keys;
    } else {
      auto r = backend_->ListPublicKeys(FloorDiv(start, kSecond), FloorDiv(end, kSecond));
      if (!r.ok()) throw Abort{ErrorText(r.status(), "ListPublicKeys")};
      keys = std::move(*r);
    }
    std::map<std::string, std::string> out;
    for (auto& k : keys) out[k.fingerprint] = k.value;
    if (out.empty()) {
      *empty_message = "No public keys found between " + FormatDisplayTime(start) + " and " +
                       FormatDisplayTime(end);
    }
    return out;
  }

  // ---- digest fetches (prefetched on the pool) ----
  using FetchFuture = std::shared_future<std::shared_ptr<DigestFetch>>;

  FetchFuture Fetch(const std::string& bucket, const std::string& key) {
    auto id = std::make_pair(bucket, key);
    if (auto it = fetches_.find(id); it != fetches_.end()) return it->second;
    auto promise = std::make_shared<std::promise<std::shared_ptr<DigestFetch>>>();
    FetchFuture future = promise->get_future().share();
    fetches_.emplace(id, future);
    auto region = TryRegionOf(bucket);
    if (!region.ok()) {
      // validation.py's get_client fails inside the walk's try: reported (abort) there.
      auto f = std::make_shared<DigestFetch>();
      f->error = region.status();
      f->operation = "GetBucketLocation";
      promise->set_value(std::move(f));
      return future;
    }
    Backend* backend = backend_;
    pool_->Submit(
        [promise, backend, bucket, key, region = *region] {
          auto result = std::make_shared<DigestFetch>();
          DigestFetch& f = *result;
          auto object = backend->GetObject(bucket, region, key);
          if (!object.ok()) {
            f.error = object.status();
            f.operation = "GetObject";
            promise->set_value(std::move(result));
            return;
          }
          f.metadata = std::move(object->metadata);
          std::string inflated;
          if (GunzipFirstMember(object->body, &inflated)) {
            json::error_code ec;
            f.data = json::parse(inflated, ec);
            f.format_ok = !ec;
            if (f.format_ok) f.sha256_hex = Sha256Hex(inflated);
          }
          promise->set_value(std::move(result));
        },
        /*high_priority=*/true);
    return future;
  }

  // Keeps up to `window_` digests of the listing in flight ahead of the walk, newest first.
  void TopUp(Listing* listing, bool backfill, const std::string& bucket) {
    auto& keys = backfill ? listing->backfill : listing->standard;
    size_t& next = backfill ? listing->prefetch_backfill : listing->prefetch_standard;
    next = std::min(next, keys.size());
    while (next > 0 && fetches_.size() < window_) {
      --next;
      if (!walked_.count(std::make_pair(bucket, keys[next]))) Fetch(bucket, keys[next]);
    }
  }

  void Consumed(const std::string& bucket, const std::string& key) {
    auto id = std::make_pair(bucket, key);
    fetches_.erase(id);
    walked_.insert(std::move(id));
  }

  // ---- the walk (DigestTraverser) ----

  TimeUs KeyDate(const std::string& key) {
    std::string text = DigestKeyTimestamp(key);
    auto t = ParseTime(text);
    if (!t) throw Abort{"Unable to parse date value: " + text};
    return *t;
  }

  // _get_last_digest: pops the newest key, or the newest one older than `before_key`.
  std::optional<std::pair<std::string, TimeUs>> GetLastDigest(std::vector<std::string>* digests,
                                                              const std::string* before_key,
                                                              const std::string& bucket) {
    if (digests->empty()) return std::nullopt;
    if (!before_key) {
      std::string key = std::move(digests->back());
      digests->pop_back();
      TimeUs date = KeyDate(key);
      return std::make_pair(std::move(key), date);
    }
    TimeUs before = KeyDate(*before_key);
    while (!digests->empty()) {
      std::string key = std::move(digests->back());
      digests->pop_back();
      TimeUs date = KeyDate(key);
      if (date < before) return std::make_pair(std::move(key), date);
      // Skipped (already walked through the chain): drop any prefetch of it.
      Consumed(bucket, key);
    }
    return std::nullopt;
  }

  struct Loaded {
    enum Kind { kValid, kMissing, kInvalid } kind;
    std::string message;   // kInvalid: the full line
    std::shared_ptr<DigestFetch> fetch;
    TimeUs end = 0;
  };

  std::string DigestLine(const std::string& bucket, const std::string& key, const std::string& what) {
    return "Digest file\ts3://" + bucket + "/" + key + "\t" + what;
  }

  // _load_and_validate_digest (+ fetch_digest), with the AWS CLI's checks in its order.
  Loaded LoadAndValidate(std::map<std::string, std::string>* public_keys, const std::string& bucket,
                         const std::string& key, bool backfill) {
    FetchFuture future = Fetch(bucket, key);
    Loaded out{Loaded::kInvalid, {}, future.get(), 0};
    Consumed(bucket, key);
    DigestFetch& f = *out.fetch;
    auto invalid = [&](const std::string& what) {
      out.kind = Loaded::kInvalid;
      out.message = DigestLine(bucket, key, "INVALID: " + what);
      return out;
    };
    if (!f.error.ok()) {
      if (f.error.code() == "NoSuchKey") {
        out.kind = Loaded::kMissing;
        return out;
      }
      throw Abort{ErrorText(f.error, f.operation)};
    }
    if (!f.format_ok) return invalid("invalid format");
    if (!f.metadata.count("signature") || !f.metadata.count("signature-algorithm")) {
      return invalid("signature verification failed");
    }
    if (backfill && !f.metadata.count("backfill-generation-timestamp")) return invalid("invalid format");
    if (!f.data.is_object()) return invalid("invalid format");
    const json::object& d = f.data.get_object();
    for (const char* required : {"digestPublicKeyFingerprint", "digestS3Bucket", "digestS3Object",
                                 "previousDigestSignature", "digestEndTime", "digestStartTime"}) {
      if (!d.contains(required)) return invalid("invalid format");
    }
    const json::value& digest_bucket = d.at("digestS3Bucket");
    const json::value& digest_key = d.at("digestS3Object");
    if (!digest_bucket.is_string() || digest_bucket.get_string() != bucket || !digest_key.is_string() ||
        digest_key.get_string() != key) {
      return invalid("has been moved from its original location");
    }
    const json::value& fp_value = d.at("digestPublicKeyFingerprint");
    std::string fingerprint = PyStr(fp_value);
    const bool known = fp_value.is_string() && public_keys->count(fingerprint);
    if (!known && backfill) {
      auto gen = ParseTime(f.metadata["backfill-generation-timestamp"]);
      if (!gen) return invalid("Unable to parse date value: " + f.metadata["backfill-generation-timestamp"]);
      std::string empty_message;
      auto more = LoadPublicKeys(*gen - kHour, *gen + kHour, &empty_message);
      if (!empty_message.empty()) return invalid(empty_message);
      for (auto& [fp, value] : more) (*public_keys)[fp] = value;
    }
    auto key_it = fp_value.is_string() ? public_keys->find(fingerprint) : public_keys->end();
    if (key_it == public_keys->end()) {
      return invalid("public key not found in region " + scope_.home_region + " for fingerprint " +
                     fingerprint);
    }
    // Sha256RSADigestValidator.validate
    const json::value& prev_sig = d.at("previousDigestSignature");
    std::string to_sign = PyStr(d.at("digestEndTime")) + "\n" + bucket + "/" + key + "\n" +
                          f.sha256_hex + "\n" + (prev_sig.is_null() ? "null" : PyStr(prev_sig));
    std::string signature, hex_error;
    bool hex_ok = HexDecode(f.metadata["signature"], &signature, &hex_error);
    // Key loading is checked before the signature's hex (as python-rsa's load_pkcs1 runs first).
    PublicKeyCache::Outcome outcome =
        keys_.Verify(key_it->second, to_sign, hex_ok ? std::string_view(signature) : std::string_view());
    if (outcome == PublicKeyCache::kLoadFailed) {
      return invalid("Unable to load PKCS #1 key with fingerprint " + fingerprint);
    }
    if (!hex_ok) return invalid(hex_error);
    if (outcome != PublicKeyCache::kValid) return invalid("signature verification failed");
    auto end = ParseDateValue(d.at("digestEndTime"));
    if (!end.ok()) return invalid(end.status().message());
    out.kind = Loaded::kValid;
    out.end = *end;
    return out;
  }

  void Traverse(bool backfill) {
    std::string bucket = bucket_;
    const TimeUs start = options_.start;
    Listing* listing = LoadDigests(bucket, start, options_.end);
    std::map<std::string, std::string> public_keys;
    if (!backfill) {
      std::string empty_message;
      public_keys = LoadPublicKeys(start, options_.end + 2 * kHour, &empty_message);
      if (!empty_message.empty()) throw Abort{empty_message};
    }
    auto list = [&]() { return backfill ? &listing->backfill : &listing->standard; };
    const std::string type = backfill ? "(backfill) " : "";

    TopUp(listing, backfill, bucket);
    auto last = GetLastDigest(list(), nullptr, bucket);
    std::optional<std::string> key;
    TimeUs end_date = 0, last_start = 0;
    if (last) {
      key = last->first;
      end_date = last->second;
    }
    last_start = end_date;

    while (key && !key->empty() && start <= last_start) {
      TopUp(listing, backfill, bucket);
      Loaded loaded = LoadAndValidate(&public_keys, bucket, *key, backfill);
      std::optional<std::string> invalid_message;
      bool missing = false;
      if (loaded.kind == Loaded::kValid) {
        const json::object& d = loaded.fetch->data.get_object();
        auto digest_start = ParseDateValue(d.at("digestStartTime"));
        if (!digest_start.ok()) {
          invalid_message = DigestLine(bucket, *key, "INVALID: " + digest_start.status().message());
        } else {
          end_date = loaded.end;
          last_start = *digest_start;
          const json::value* prev_bucket = d.if_contains("previousDigestS3Bucket");
          const json::value* prev_key = d.if_contains("previousDigestS3Object");
          Yield(loaded, bucket, *key, backfill, *digest_start);
          if (!prev_bucket || prev_bucket->is_null() || !prev_key || prev_key->is_null() ||
              !prev_bucket->is_string() || !prev_key->is_string()) {
            // The chain is broken: the next older key of the listing, with a gap line.
            auto next = GetLastDigest(list(), &*key, bucket);
            if (next) {
              Push(Entry::kErrorLine, type + "No log files were delivered by CloudTrail between " +
                                          FormatDisplayTime(next->second) + " and " +
                                          FormatDisplayTime(last_start));
              key = next->first;
              end_date = next->second;
            } else {
              key.reset();
            }
          } else {
            key = std::string(prev_key->get_string());
            if (prev_bucket->get_string() != bucket) {
              bucket = std::string(prev_bucket->get_string());
              listing = LoadDigests(bucket, start, end_date);
            }
          }
          Flush();
          continue;
        }
      } else if (loaded.kind == Loaded::kMissing) {
        missing = true;
      } else {
        invalid_message = loaded.message;
      }
      // Missing or invalid: count it, report it, continue with the next older listed key.
      if (backfill) ++report_.counts.invalid_backfill;
      else ++report_.counts.invalid_digests;
      Push(Entry::kErrorLine,
           type + (missing ? DigestLine(bucket, *key, "INVALID: not found") : *invalid_message));
      auto next = GetLastDigest(list(), &*key, bucket);
      if (next) {
        key = next->first;
        end_date = next->second;
      } else {
        key.reset();
      }
      Flush();
    }
  }

  // The consumer side of the AWS CLI (_call): a valid digest and its log files.
  void Yield(const Loaded& loaded, const std::string& bucket, const std::string& key, bool backfill,
             TimeUs digest_start) {
    const json::object& d = loaded.fetch->data.get_object();
    report_.TrackFound(digest_start, loaded.end, options_.start, options_.end);
    if (backfill) ++report_.counts.valid_backfill;
    else ++report_.counts.valid_digests;
    Push(Entry::kValidLine,
         std::string(backfill ? "(backfill) " : "") + DigestLine(bucket, key, "valid"));
    const json::value* logs = d.if_contains("logFiles");
    if (!logs) throw Abort{"'logFiles'"};
    if (!Truthy(*logs)) return;
    if (!logs->is_array()) throw Abort{"logFiles is not a list in s3://" + bucket + "/" + key};
    for (const auto& entry : logs->get_array()) {
      if (!entry.is_object()) throw Abort{"logFiles entry is not an object in s3://" + bucket + "/" + key};
      const json::object& log = entry.get_object();
      const json::value* log_bucket = log.if_contains("s3Bucket");
      const json::value* log_key = log.if_contains("s3Object");
      if (!log_bucket) throw Abort{"'s3Bucket'"};
      if (!log_key) throw Abort{"'s3Object'"};
      SubmitLog(log_bucket, log_key, log.if_contains("hashValue"));
    }
  }

  void SubmitLog(const json::value* bucket_v, const json::value* key_v, const json::value* hash_v) {
    Entry e{Entry::kLogFile, "s3://" + PyStr(*bucket_v) + "/" + PyStr(*key_v), {}};
    auto promise = std::make_shared<std::promise<LogOutcome>>();
    e.log = promise->get_future().share();
    if (!bucket_v->is_string() || !key_v->is_string()) {
      LogOutcome o;
      o.verdict = LogVerdict::kInvalidFormat;
      promise->set_value(o);
      Push(std::move(e));
      return;
    }
    std::string bucket(bucket_v->get_string()), key(key_v->get_string());
    std::string region;
    try {
      region = RegionOf(bucket);
    } catch (const Abort& a) {
      Push(Entry{Entry::kAbort, a.message, {}});
      return;
    }
    std::optional<std::string> expected;
    if (hash_v) expected = hash_v->is_string() ? std::string(hash_v->get_string()) : std::string("\x01");
    Backend* backend = backend_;
    pool_->Submit(
        [promise, backend, bucket, key, region, expected] {
          LogOutcome o;
          auto object = backend->GetObject(bucket, region, key);
          if (!object.ok()) {
            if (object.status().code() == "NoSuchKey") {
              o.kind = LogOutcome::kNotFound;
            } else {
              o.kind = LogOutcome::kAbort;
              o.abort_message = ErrorText(object.status(), "GetObject");
            }
          } else if (!expected) {
            o.verdict = LogVerdict::kInvalidFormat;  // KeyError 'hashValue' → invalid format
          } else {
            o.verdict = VerifyLogFile(object->body, *expected);
          }
          promise->set_value(std::move(o));
        },
        /*high_priority=*/false);
    Push(std::move(e));
  }

  // ---- ordered output ----
  void Push(Entry::Kind kind, std::string text) { Push(Entry{kind, std::move(text), {}}); }
  void Push(Entry e) {
    entries_.push_back(std::move(e));
    // Bound the backlog of unprinted log checks.
    if (entries_.size() > kMaxPending) {
      if (auto abort = Drain(true, kMaxPending / 2)) throw Abort{*abort};
    }
  }

  // Prints what is ready; an aborting entry aborts the walk.
  void Flush() {
    if (auto abort = Drain(false)) throw Abort{*abort};
  }

  // Prints the head of the queue: everything (block) or what is ready. Returns the abort
  // message when an aborting entry is reached.
  std::optional<std::string> Drain(bool block, size_t keep = 0) {
    while (entries_.size() > keep) {
      Entry& e = entries_.front();
      switch (e.kind) {
        case Entry::kValidLine:
          report_.Valid(e.text);
          break;
        case Entry::kErrorLine:
          report_.Error(e.text);
          break;
        case Entry::kAbort: {
          std::string message = e.text;
          entries_.clear();
          return message;
        }
        case Entry::kLogFile: {
          if (!block && e.log.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
            return std::nullopt;
          }
          const LogOutcome& o = e.log.get();
          if (o.kind == LogOutcome::kAbort) {
            std::string message = o.abort_message;
            entries_.clear();
            return message;
          }
          if (o.kind == LogOutcome::kNotFound) {
            ++report_.counts.invalid_logs;
            report_.Error("Log file\t" + e.text + "\tINVALID: not found");
          } else if (o.verdict == LogVerdict::kValid) {
            ++report_.counts.valid_logs;
            report_.Valid("Log file\t" + e.text + "\tvalid");
          } else {
            ++report_.counts.invalid_logs;
            report_.Error("Log file\t" + e.text + "\t" + std::string(LogVerdictMessage(o.verdict)));
          }
          break;
        }
      }
      entries_.pop_front();
    }
    return std::nullopt;
  }

  static constexpr size_t kMaxPending = 8192;

  const Options& options_;
  Backend* backend_;
  Output* output_;
  Report report_;
  size_t window_;
  std::unique_ptr<WorkerPool> pool_;
  DigestScope scope_;
  std::string bucket_, prefix_;
  std::map<std::string, std::string> regions_;
  std::map<std::tuple<std::string, std::string, TimeUs, TimeUs>, std::unique_ptr<Listing>> listings_;
  std::map<std::pair<std::string, std::string>, FetchFuture> fetches_;
  std::set<std::pair<std::string, std::string>> walked_;  // never prefetched again
  PublicKeyCache keys_;
  std::deque<Entry> entries_;
};

}  // namespace

int Run(const Options& options, Backend* backend, Output* output) {
  Validation v(options, backend, output);
  return v.Run();
}

}  // namespace ot::cli::validate_logs
