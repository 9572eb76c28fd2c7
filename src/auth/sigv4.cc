#include "auth/sigv4.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "common/time.h"

namespace ot::auth {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr int64_t kMaxSkewSeconds = 15 * 60;
constexpr int64_t kMaxExpiresSeconds = 604800;

// Input bounds: anything beyond these is refused as malformed rather than processed.
constexpr size_t kMaxAuthorizationSize = 16 * 1024;
constexpr size_t kMaxQueryParams = 10000;
constexpr size_t kMaxSignedHeaders = 256;
constexpr size_t kMaxScopePart = 128;

// Headers botocore never signs (SIGNED_HEADERS_BLACKLIST).
constexpr std::string_view kUnsignableHeaders[] = {"connection",
                                                   "expect",
                                                   "keep-alive",
                                                   "proxy-authenticate",
                                                   "proxy-authorization",
                                                   "te",
                                                   "trailer",
                                                   "transfer-encoding",
                                                   "upgrade",
                                                   "user-agent",
                                                   "x-amzn-trace-id"};

Status Incomplete(std::string message) {
  return Status::Error(kErrIncompleteSignature, std::move(message), 403);
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerCopy(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = AsciiLower(c);
  return out;
}

bool IEq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  return true;
}

bool IsSpaceOrTab(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && IsSpaceOrTab(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpaceOrTab(s.back())) s.remove_suffix(1);
  return s;
}

// What Python's str.split() treats as whitespace, restricted to single bytes.
bool IsPyWhitespace(unsigned char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

// Trimall: ' '.join(value.split()) as botocore does.
void AppendTrimAll(std::string_view v, std::string* out) {
  bool pending_space = false;
  bool any = false;
  for (char ch : v) {
    if (IsPyWhitespace(static_cast<unsigned char>(ch))) {
      pending_space = any;
      continue;
    }
    if (pending_space) out->push_back(' ');
    pending_space = false;
    any = true;
    out->push_back(ch);
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsHexString(std::string_view s) {
  for (char c : s)
    if (HexValue(c) < 0) return false;
  return true;
}

// Decodes valid %XX escapes and keeps anything malformed literally (so that it re-encodes
// to %25... and simply fails to match rather than erroring).
std::string DecodeLenient(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// Splits a request-target into raw path and raw query. Tolerates absolute-form targets.
void SplitTarget(std::string_view target, std::string_view* path, std::string_view* query) {
  if (!target.empty() && target.front() != '/') {
    size_t scheme = target.find("://");
    size_t qmark = target.find('?');
    if (scheme != std::string_view::npos && (qmark == std::string_view::npos || scheme < qmark)) {
      size_t slash = target.find_first_of("/?", scheme + 3);
      target = slash == std::string_view::npos ? std::string_view() : target.substr(slash);
    }
  }
  size_t q = target.find('?');
  if (q == std::string_view::npos) {
    *path = target;
    *query = {};
  } else {
    *path = target.substr(0, q);
    *query = target.substr(q + 1);
  }
}

struct RawParam {
  std::string_view name;
  std::string_view value;
};

// Splits on '&' (empty pieces skipped); a piece without '=' has an empty value.
std::vector<RawParam> SplitQuery(std::string_view query) {
  std::vector<RawParam> out;
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view piece = query.substr(pos, amp - pos);
    if (!piece.empty()) {
      size_t eq = piece.find('=');
      if (eq == std::string_view::npos)
        out.push_back({piece, {}});
      else
        out.push_back({piece.substr(0, eq), piece.substr(eq + 1)});
    }
    pos = amp + 1;
  }
  return out;
}

size_t CountQueryParams(std::string_view query) {
  if (query.empty()) return 0;
  return static_cast<size_t>(std::count(query.begin(), query.end(), '&')) + 1;
}

// RFC 3986 remove_dot_segments plus merging of empty segments, exactly like
// botocore.utils.remove_dot_segments / normalize_url_path.
std::string NormalizePath(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view seg = path.substr(pos, slash - pos);
    if (!seg.empty() && seg != ".") {
      if (seg == "..") {
        if (!out.empty()) out.pop_back();
      } else {
        out.push_back(seg);
      }
    }
    pos = slash + 1;
  }
  std::string result;
  result.reserve(path.size() + 1);
  if (path.front() == '/') result.push_back('/');
  for (size_t i = 0; i < out.size(); ++i) {
    if (i) result.push_back('/');
    result.append(out[i]);
  }
  if (path.back() == '/' && !out.empty()) result.push_back('/');
  return result;
}

std::optional<std::string_view> HeaderValue(const std::vector<Header>* headers,
                                            std::string_view name) {
  if (!headers) return std::nullopt;
  for (const auto& h : *headers)
    if (IEq(h.name, name)) return std::string_view(h.value);
  return std::nullopt;
}

bool IsScopeChar(char c) {
  return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f && c != '/';
}

// "AKID/20150830/us-east-1/service/aws4_request"
Status ParseCredential(std::string_view credential, SigV4Params* p) {
  std::string_view parts[5];
  size_t n = 0, pos = 0;
  while (true) {
    size_t slash = credential.find('/', pos);
    std::string_view part = credential.substr(
        pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    if (n == 5)
      return Incomplete(
          "Credential scope must have 5 parts: " +
          std::string(credential.substr(0, std::min<size_t>(credential.size(), 256))));
    parts[n++] = part;
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  if (n != 5)
    return Incomplete("Credential must have the form <key>/<date>/<region>/<service>/aws4_request");
  for (auto& part : parts) {
    if (part.empty() || part.size() > kMaxScopePart)
      return Incomplete("Credential scope has an empty or oversized part");
    for (char c : part)
      if (!IsScopeChar(c)) return Incomplete("Credential contains invalid characters");
  }
  if (parts[4] != kTerminator)
    return Incomplete("Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                      std::string(parts[4]) + "'");
  if (parts[1].size() != 8)
    return Incomplete("Credential should be scoped to a valid date: '" + std::string(parts[1]) +
                      "'");
  for (char c : parts[1])
    if (c < '0' || c > '9')
      return Incomplete("Credential should be scoped to a valid date: '" + std::string(parts[1]) +
                        "'");
  p->access_key_id = std::string(parts[0]);
  p->scope_date = std::string(parts[1]);
  p->region = std::string(parts[2]);
  p->service = std::string(parts[3]);
  return Status::Ok();
}

Status ParseSignedHeaders(std::string_view list, SigV4Params* p) {
  p->signed_headers.clear();
  if (list.empty()) return Incomplete("SignedHeaders is empty");
  size_t pos = 0;
  bool has_host = false;
  while (pos <= list.size()) {
    size_t semi = list.find(';', pos);
    if (semi == std::string_view::npos) semi = list.size();
    std::string_view name = list.substr(pos, semi - pos);
    if (name.empty()) return Incomplete("SignedHeaders contains an empty header name");
    for (char c : name)
      if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f ||
          c == ':')
        return Incomplete("SignedHeaders contains an invalid header name");
    if (p->signed_headers.size() >= kMaxSignedHeaders)
      return Incomplete("SignedHeaders lists too many headers");
    p->signed_headers.push_back(LowerCopy(name));
    if (p->signed_headers.back() == "host") has_host = true;
    pos = semi + 1;
  }
  if (!has_host) return Incomplete("'Host' must be a signed header");
  return Status::Ok();
}

Status ParseSignature(std::string_view sig, SigV4Params* p) {
  if (sig.size() != 64 || !IsHexString(sig))
    return Incomplete("Signature must be 64 hexadecimal characters");
  p->signature = LowerCopy(sig);
  return Status::Ok();
}

// HTTP dates: "Sun, 30 Aug 2015 12:36:00 GMT" (IMF-fixdate, also "-0000"/"+0000"/"UTC",
// the forms Python's email.utils.formatdate emits) and the SigV4 basic format.
std::optional<int64_t> ParseHttpDate(std::string_view s) {
  s = TrimSpaces(s);
  if (auto t = ParseAmzDate(s)) return t;
  if (s.size() > 64) return std::nullopt;
  size_t comma = s.find(',');
  if (comma != std::string_view::npos) s = TrimSpaces(s.substr(comma + 1));
  auto next_token = [&s]() -> std::string_view {
    s = TrimSpaces(s);
    size_t end = 0;
    while (end < s.size() && !IsSpaceOrTab(s[end])) ++end;
    std::string_view tok = s.substr(0, end);
    s.remove_prefix(end);
    return tok;
  };
  auto number = [](std::string_view t, int64_t* out) {
    if (t.empty() || t.size() > 4) return false;
    int64_t v = 0;
    for (char c : t) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    *out = v;
    return true;
  };
  std::string_view day_t = next_token(), mon_t = next_token(), year_t = next_token(),
                   time_t_ = next_token(), zone = next_token();
  if (!TrimSpaces(s).empty()) return std::nullopt;
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  int64_t day, year, hh, mm, ss;
  unsigned month = 0;
  for (unsigned i = 0; i < 12; ++i)
    if (IEq(mon_t, kMonths[i])) month = i + 1;
  if (month == 0 || !number(day_t, &day) || !number(year_t, &year) || year_t.size() != 4)
    return std::nullopt;
  if (time_t_.size() != 8 || time_t_[2] != ':' || time_t_[5] != ':' ||
      !number(time_t_.substr(0, 2), &hh) || !number(time_t_.substr(3, 2), &mm) ||
      !number(time_t_.substr(6, 2), &ss))
    return std::nullopt;
  if (!(IEq(zone, "GMT") || IEq(zone, "UTC") || IEq(zone, "UT") || zone == "Z" || zone == "+0000" ||
        zone == "-0000"))
    return std::nullopt;
  if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  return DaysFromCivil(year, month, static_cast<unsigned>(day)) * 86400 + hh * 3600 + mm * 60 + ss;
}

// Python's email.utils.formatdate(t) (usegmt=False): "Sun, 30 Aug 2015 12:36:00 -0000".
std::string FormatDateLikePython(int64_t t) {
  std::string gmt = FormatHttpDate(t);
  if (gmt.size() > 4 && gmt.compare(gmt.size() - 4, 4, " GMT") == 0)
    gmt.replace(gmt.size() - 3, 3, "-0000");
  return gmt;
}

Result<SigV4Params> ExtractFromHeader(const RequestView& request, std::string_view auth) {
  if (auth.size() > kMaxAuthorizationSize) return Incomplete("Authorization header is too long");
  auth = TrimSpaces(auth);
  size_t sp = auth.find_first_of(" \t");
  std::string_view algorithm = auth.substr(0, sp);
  if (algorithm != kAlgorithm)
    return Incomplete("Unsupported Authorization algorithm; expected AWS4-HMAC-SHA256");
  std::string_view rest = sp == std::string_view::npos ? std::string_view() : auth.substr(sp);

  std::optional<std::string_view> credential, signed_headers, signature;
  size_t pos = 0;
  while (pos <= rest.size()) {
    size_t comma = rest.find(',', pos);
    if (comma == std::string_view::npos) comma = rest.size();
    std::string_view part = TrimSpaces(rest.substr(pos, comma - pos));
    pos = comma + 1;
    if (part.empty()) continue;
    size_t eq = part.find('=');
    if (eq == std::string_view::npos)
      return Incomplete("Authorization header component is not key=value");
    std::string_view key = part.substr(0, eq), value = part.substr(eq + 1);
    std::optional<std::string_view>* slot = nullptr;
    if (key == "Credential")
      slot = &credential;
    else if (key == "SignedHeaders")
      slot = &signed_headers;
    else if (key == "Signature")
      slot = &signature;
    else
      return Incomplete("Unknown Authorization header component");
    if (slot->has_value()) return Incomplete("Duplicate Authorization header component");
    *slot = value;
  }
  std::string missing;
  if (!credential) missing += " Authorization header requires 'Credential' parameter.";
  if (!signed_headers) missing += " Authorization header requires 'SignedHeaders' parameter.";
  if (!signature) missing += " Authorization header requires 'Signature' parameter.";
  if (!missing.empty()) return Incomplete(missing.substr(1));

  SigV4Params p;
  p.method = AuthMethod::kAuthHeader;
  OT_RETURN_IF_ERROR(ParseCredential(*credential, &p));
  OT_RETURN_IF_ERROR(ParseSignedHeaders(*signed_headers, &p));
  OT_RETURN_IF_ERROR(ParseSignature(*signature, &p));

  if (auto amz = HeaderValue(request.headers, "x-amz-date")) {
    std::string_view v = TrimSpaces(*amz);
    auto t = ParseAmzDate(v);
    if (!t) return Incomplete("X-Amz-Date must be in ISO 8601 basic format (YYYYMMDDTHHMMSSZ)");
    p.amz_date = std::string(v);
    p.request_time = *t;
  } else if (auto date = HeaderValue(request.headers, "date")) {
    auto t = ParseHttpDate(*date);
    if (!t) return Incomplete("Date header could not be parsed");
    p.amz_date = FormatAmzDate(*t);
    p.request_time = *t;
  } else {
    return Incomplete("Authorization requires a valid Date or X-Amz-Date header");
  }
  if (auto tok = HeaderValue(request.headers, "x-amz-security-token")) p.security_token = *tok;
  if (auto c = HeaderValue(request.headers, "x-amz-content-sha256"))
    p.content_sha256 = std::string(TrimSpaces(*c));
  return p;
}

Result<SigV4Params> ExtractFromQuery(const RequestView& request,
                                     const std::vector<RawParam>& params) {
  std::optional<std::string> algorithm, credential, date, expires, signed_headers, signature, token,
      content_sha;
  for (const auto& raw : params) {
    std::optional<std::string>* slot = nullptr;
    if (raw.name == "X-Amz-Algorithm")
      slot = &algorithm;
    else if (raw.name == "X-Amz-Credential")
      slot = &credential;
    else if (raw.name == "X-Amz-Date")
      slot = &date;
    else if (raw.name == "X-Amz-Expires")
      slot = &expires;
    else if (raw.name == "X-Amz-SignedHeaders")
      slot = &signed_headers;
    else if (raw.name == "X-Amz-Signature")
      slot = &signature;
    else if (raw.name == "X-Amz-Security-Token")
      slot = &token;
    else if (raw.name == "X-Amz-Content-Sha256")
      slot = &content_sha;
    else
      continue;
    if (slot->has_value()) return Incomplete("Duplicate " + std::string(raw.name) + " parameter");
    std::string decoded;
    if (!UriDecode(raw.value, &decoded))
      return Incomplete("Malformed percent-encoding in " + std::string(raw.name));
    *slot = std::move(decoded);
  }
  std::string missing;
  if (!algorithm) missing += " X-Amz-Algorithm";
  if (!credential) missing += " X-Amz-Credential";
  if (!signature) missing += " X-Amz-Signature";
  if (!date) missing += " X-Amz-Date";
  if (!signed_headers) missing += " X-Amz-SignedHeaders";
  if (!expires) missing += " X-Amz-Expires";
  if (!missing.empty())
    return Incomplete("Query-string authentication requires the parameters:" + missing);
  if (*algorithm != kAlgorithm)
    return Incomplete("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");

  SigV4Params p;
  p.method = AuthMethod::kQueryString;
  OT_RETURN_IF_ERROR(ParseCredential(*credential, &p));
  OT_RETURN_IF_ERROR(ParseSignedHeaders(*signed_headers, &p));
  OT_RETURN_IF_ERROR(ParseSignature(*signature, &p));
  auto t = ParseAmzDate(*date);
  if (!t) return Incomplete("X-Amz-Date must be in ISO 8601 basic format (YYYYMMDDTHHMMSSZ)");
  p.amz_date = *date;
  p.request_time = *t;

  const std::string& e = *expires;
  if (e.empty() || e.size() > 7 ||
      !std::all_of(e.begin(), e.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return Incomplete("X-Amz-Expires should be a number");
  int64_t secs = 0;
  for (char c : e) secs = secs * 10 + (c - '0');
  if (secs < 1) return Incomplete("X-Amz-Expires must be non-negative");
  if (secs > kMaxExpiresSeconds)
    return Incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800");
  p.expires_seconds = secs;

  if (token) {
    p.security_token = std::move(*token);
  } else if (auto tok = HeaderValue(request.headers, "x-amz-security-token")) {
    p.security_token = *tok;
  }
  if (auto c = HeaderValue(request.headers, "x-amz-content-sha256"))
    p.content_sha256 = std::string(TrimSpaces(*c));
  else if (content_sha)
    p.content_sha256 = std::move(*content_sha);
  return p;
}

std::string CanonicalQueryString(std::string_view query, bool exclude_signature) {
  std::vector<RawParam> raw = SplitQuery(query);
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(raw.size());
  for (const auto& r : raw) {
    std::string name = DecodeLenient(r.name);
    if (exclude_signature && name == "X-Amz-Signature") continue;
    pairs.emplace_back(UriEncode(name, true), UriEncode(DecodeLenient(r.value), true));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out.push_back('&');
    out += k;
    out.push_back('=');
    out += v;
  }
  return out;
}

std::string SignatureFor(const Sha256Digest& key, std::string_view string_to_sign) {
  return HexEncode(HmacSha256(
      std::string_view(reinterpret_cast<const char*>(key.data()), key.size()), string_to_sign));
}

}  // namespace

std::string UriEncode(std::string_view s, bool encode_slash) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || (c == '/' && !encode_slash)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

bool UriDecode(std::string_view s, std::string* out, bool plus_as_space) {
  std::string result;
  result.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return false;
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return false;
      result.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_as_space) {
      result.push_back(' ');
    } else {
      result.push_back(c);
    }
  }
  *out = std::move(result);
  return true;
}

Result<SigV4Params> ExtractSigV4(const RequestView& request) {
  std::string_view path, query;
  SplitTarget(request.target, &path, &query);
  auto auth = HeaderValue(request.headers, "authorization");

  if (CountQueryParams(query) > kMaxQueryParams) return Incomplete("Too many query parameters");
  std::vector<RawParam> params = SplitQuery(query);
  bool presigned = false;
  for (const auto& p : params)
    if (p.name == "X-Amz-Algorithm" || p.name == "X-Amz-Credential" || p.name == "X-Amz-Signature")
      presigned = true;

  if (auth && presigned)
    return Incomplete(
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the "
        "Authorization header should be specified");
  if (auth) return ExtractFromHeader(request, *auth);
  if (presigned) return ExtractFromQuery(request, params);
  return Status::Error(kErrMissingAuth, "Request is missing Authentication Token", 403);
}

Status CheckRequestTime(const SigV4Params& params, int64_t now_seconds) {
  if (params.amz_date.size() < 8 || params.scope_date != params.amz_date.substr(0, 8))
    return Status::Error(
        kErrSignatureMismatch,
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
        "of date from HTTP: '" +
            params.scope_date + "' != '" +
            params.amz_date.substr(0, std::min<size_t>(8, params.amz_date.size())) + "'",
        403);
  if (params.method == AuthMethod::kAuthHeader) {
    int64_t diff = params.request_time - now_seconds;
    if (diff > kMaxSkewSeconds || diff < -kMaxSkewSeconds)
      return Status::Error(kErrRequestTimeTooSkewed,
                           "Signature expired: " + params.amz_date + " is now earlier than " +
                               FormatAmzDate(now_seconds - kMaxSkewSeconds) + " (" +
                               FormatAmzDate(now_seconds) + " - 15 min.)",
                           403);
    return Status::Ok();
  }
  if (params.request_time - now_seconds > kMaxSkewSeconds)
    return Status::Error(kErrRequestExpired, "Request is not valid yet", 403);
  if (now_seconds > params.request_time + params.expires_seconds)
    return Status::Error(kErrRequestExpired, "Request has expired", 403);
  return Status::Ok();
}

std::string CanonicalRequest(const RequestView& request, const SigV4Params& params,
                             bool s3_style_path, std::string_view payload_hash) {
  std::string_view path, query;
  SplitTarget(request.target, &path, &query);

  std::string out;
  out.append(request.method);
  out.push_back('\n');
  if (s3_style_path)
    out.append(path.empty() ? std::string_view("/") : path);
  else
    out.append(UriEncode(NormalizePath(path), false));
  out.push_back('\n');
  out.append(CanonicalQueryString(query, params.method == AuthMethod::kQueryString));
  out.push_back('\n');

  // Canonical headers, in the order SignedHeaders lists them (sorted, by every client).
  std::unordered_map<std::string_view, size_t> index;
  for (size_t i = 0; i < params.signed_headers.size(); ++i)
    index.emplace(params.signed_headers[i], i);
  std::vector<std::string> values(params.signed_headers.size());
  std::vector<bool> seen(params.signed_headers.size(), false);
  if (request.headers) {
    std::string lname;
    for (const auto& h : *request.headers) {
      lname = LowerCopy(h.name);
      auto it = index.find(lname);
      if (it == index.end()) continue;
      std::string& v = values[it->second];
      if (seen[it->second]) v.push_back(',');
      seen[it->second] = true;
      AppendTrimAll(h.value, &v);
    }
  }
  for (size_t i = 0; i < params.signed_headers.size(); ++i) {
    out.append(params.signed_headers[i]);
    out.push_back(':');
    out.append(values[index.find(params.signed_headers[i])->second]);
    out.push_back('\n');
  }
  out.push_back('\n');
  for (size_t i = 0; i < params.signed_headers.size(); ++i) {
    if (i) out.push_back(';');
    out.append(params.signed_headers[i]);
  }
  out.push_back('\n');
  out.append(payload_hash);
  return out;
}

std::string CredentialScope(const SigV4Params& params) {
  return params.scope_date + "/" + params.region + "/" + params.service + "/" +
         std::string(kTerminator);
}

std::string StringToSign(const SigV4Params& params, std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out.push_back('\n');
  out.append(params.amz_date);
  out.push_back('\n');
  out.append(CredentialScope(params));
  out.push_back('\n');
  out.append(Sha256Hex(canonical_request));
  return out;
}

Sha256Digest SigningKey(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service) {
  std::string k = "AWS4";
  k.append(secret);
  auto as_view = [](const Sha256Digest& d) {
    return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
  };
  Sha256Digest k_date = HmacSha256(k, date);
  Sha256Digest k_region = HmacSha256(as_view(k_date), region);
  Sha256Digest k_service = HmacSha256(as_view(k_region), service);
  return HmacSha256(as_view(k_service), kTerminator);
}

std::string SignatureHex(const Sha256Digest& signing_key, std::string_view string_to_sign) {
  return SignatureFor(signing_key, string_to_sign);
}

Status VerifySignatureWithKey(const RequestView& request, const SigV4Params& params,
                              const Sha256Digest& signing_key, bool s3_style_path,
                              std::string_view payload_hash) {
  std::string canonical = CanonicalRequest(request, params, s3_style_path, payload_hash);
  std::string expected = SignatureFor(signing_key, StringToSign(params, canonical));
  if (!ConstantTimeEquals(expected, params.signature))
    return Status::Error(kErrSignatureMismatch,
                         "The request signature we calculated does not match the signature you "
                         "provided. Check your AWS Secret Access Key and signing method.",
                         403);
  return Status::Ok();
}

Status VerifySignature(const RequestView& request, const SigV4Params& params,
                       std::string_view secret, bool s3_style_path, std::string_view payload_hash) {
  return VerifySignatureWithKey(
      request, params, SigningKey(secret, params.scope_date, params.region, params.service),
      s3_style_path, payload_hash);
}

Result<std::string> PayloadHashFor(const SigV4Params& params, std::string_view body) {
  const std::string& c = params.content_sha256;
  if (c.empty()) {
    // Presigned S3 URLs sign the literal UNSIGNED-PAYLOAD (botocore's S3SigV4QueryAuth);
    // presigned URLs of every other service sign the body's hash like header auth does
    // (SigV4QueryAuth), e.g. the STS GetCallerIdentity URL behind `aws eks get-token`.
    if (params.method == AuthMethod::kQueryString && params.service == "s3")
      return std::string(kUnsignedPayload);
    return Sha256Hex(body);
  }
  if (c == kUnsignedPayload || c.rfind("STREAMING-", 0) == 0) return c;
  if (c.size() == 64 && IsHexString(c)) {
    if (LowerCopy(c) != Sha256Hex(body))
      return Status::Error(kErrContentSha256Mismatch,
                           "The provided 'x-amz-content-sha256' header does not match what was "
                           "computed.",
                           400);
    return c;
  }
  return Status::Error(kErrContentSha256Mismatch,
                       "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a STREAMING-* value, or a "
                       "valid sha256 value.",
                       400);
}

void SignRequest(std::string_view method, std::string_view target, std::vector<Header>* headers,
                 std::string_view body, std::string_view access_key_id, std::string_view secret,
                 std::string_view region, std::string_view service, int64_t now_seconds,
                 std::string_view session_token) {
  if (!headers) return;
  auto erase = [headers](std::string_view name) {
    headers->erase(std::remove_if(headers->begin(), headers->end(),
                                  [name](const Header& h) { return IEq(h.name, name); }),
                   headers->end());
  };
  const bool s3 = service == "s3";
  SigV4Params p;
  p.method = AuthMethod::kAuthHeader;
  p.access_key_id = std::string(access_key_id);
  p.amz_date = FormatAmzDate(now_seconds);
  p.scope_date = p.amz_date.substr(0, 8);
  p.region = std::string(region);
  p.service = std::string(service);
  p.request_time = now_seconds;

  // As botocore's SigV4Auth._modify_request_before_signing.
  erase("authorization");
  if (HeaderValue(headers, "date")) {
    erase("date");
    headers->push_back({"Date", FormatDateLikePython(now_seconds)});
    erase("x-amz-date");
  } else {
    erase("x-amz-date");
    headers->push_back({"X-Amz-Date", p.amz_date});
  }
  if (!session_token.empty()) {
    erase("x-amz-security-token");
    headers->push_back({"X-Amz-Security-Token", std::string(session_token)});
  }
  std::string payload_hash;
  if (auto c = HeaderValue(headers, "x-amz-content-sha256")) {
    payload_hash = std::string(*c);
  } else {
    payload_hash = Sha256Hex(body);
    if (s3) headers->push_back({"X-Amz-Content-SHA256", payload_hash});
  }

  std::vector<std::string> names;
  for (const auto& h : *headers) {
    std::string lname = LowerCopy(h.name);
    if (std::find(std::begin(kUnsignableHeaders), std::end(kUnsignableHeaders), lname) !=
        std::end(kUnsignableHeaders))
      continue;
    names.push_back(std::move(lname));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  p.signed_headers = std::move(names);

  std::string upper_method(method);
  for (auto& ch : upper_method)
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
  RequestView view{upper_method, target, headers};
  std::string canonical = CanonicalRequest(view, p, s3, payload_hash);
  std::string signature = SignatureFor(SigningKey(secret, p.scope_date, p.region, p.service),
                                       StringToSign(p, canonical));

  std::string signed_list;
  for (size_t i = 0; i < p.signed_headers.size(); ++i) {
    if (i) signed_list.push_back(';');
    signed_list += p.signed_headers[i];
  }
  headers->push_back({"Authorization", std::string(kAlgorithm) + " Credential=" + p.access_key_id +
                                           "/" + CredentialScope(p) + ", SignedHeaders=" +
                                           signed_list + ", Signature=" + signature});
}

}  // namespace ot::auth
