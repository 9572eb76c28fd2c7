#include "services/cloudtrail/trail_validation.h"

#include <cstdio>
#include <vector>

namespace ot::services::trailapi {

namespace {

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNamePunct(char c) { return c == '.' || c == '_' || c == '-'; }

Status InvalidName(std::string message) {
  return Status::Error("InvalidTrailNameException", std::move(message), 400);
}
Status InvalidArn(std::string_view arn, std::string_view why) {
  return Status::Error("CloudTrailARNInvalidException",
                       "Invalid trail ARN " + std::string(arn) + ": " + std::string(why) + ".", 400);
}

// Decodes one UTF-8 sequence at s[i]; returns its length (0 when invalid) and the code point.
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  uint32_t v;
  if (n == 1) v = c;
  else if (n == 2) v = ((c & 0x1Fu) << 6) | (b(i + 1) & 0x3Fu);
  else if (n == 3) v = ((c & 0x0Fu) << 12) | ((b(i + 1) & 0x3Fu) << 6) | (b(i + 2) & 0x3Fu);
  else v = ((c & 0x07u) << 18) | ((b(i + 1) & 0x3Fu) << 12) | ((b(i + 2) & 0x3Fu) << 6) | (b(i + 3) & 0x3Fu);
  static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}

// Whether a code point is in \p{L}, \p{Z} or \p{N}, or one of _ . : / = + - @.
// ASCII and Latin-1 exactly; beyond that an approximation without Unicode tables: every
// code point counts except controls, the general punctuation and symbol blocks, private use,
// noncharacters and the emoji/symbol planes.
bool TagCharAllowed(uint32_t cp) {
  if (cp < 0x80) {
    char c = static_cast<char>(cp);
    return IsAsciiAlnum(c) || c == ' ' || c == '_' || c == '.' || c == ':' || c == '/' ||
           c == '=' || c == '+' || c == '-' || c == '@';
  }
  if (cp < 0xA0) return false;                           // C1 controls
  if (cp < 0xC0) {                                       // Latin-1 punctuation and symbols
    switch (cp) {
      case 0xA0: case 0xAA: case 0xB2: case 0xB3: case 0xB5: case 0xB9: case 0xBA:
      case 0xBC: case 0xBD: case 0xBE:
        return true;
      default:
        return false;
    }
  }
  if (cp == 0xD7 || cp == 0xF7) return false;            // × ÷
  if (cp >= 0x2000 && cp <= 0x206F)                      // general punctuation: spaces only
    return cp <= 0x200A || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F;
  if (cp >= 0x2070 && cp <= 0x209F) return true;         // super/subscripts (letters, numbers)
  if (cp >= 0x20A0 && cp <= 0x214F) return cp >= 0x2100;  // currency no; letterlike yes (approx.)
  if (cp >= 0x2150 && cp <= 0x218F) return true;         // number forms
  if (cp >= 0x2190 && cp <= 0x245F) return false;        // arrows, math, technical, control pictures
  if (cp >= 0x2460 && cp <= 0x24FF) return true;         // enclosed alphanumerics
  if (cp >= 0x2500 && cp <= 0x2BFF) return false;        // box drawing … misc symbols and arrows
  if (cp >= 0x2E00 && cp <= 0x2E7F) return false;        // supplemental punctuation
  if (cp == 0x3000) return true;                         // ideographic space
  if (cp >= 0x3001 && cp <= 0x3004) return false;        // CJK punctuation
  if (cp >= 0x3008 && cp <= 0x3020) return false;
  if (cp == 0x3030 || cp == 0x303D) return false;
  if (cp >= 0xE000 && cp <= 0xF8FF) return false;        // private use
  if (cp >= 0xFE10 && cp <= 0xFE6F) return false;        // vertical/small forms, CJK compat punct
  if (cp >= 0xFF01 && cp <= 0xFF0F) return false;        // fullwidth ASCII punctuation
  if (cp >= 0xFF1A && cp <= 0xFF20) return false;
  if (cp >= 0xFF3B && cp <= 0xFF40) return false;
  if (cp >= 0xFF5B && cp <= 0xFF65) return false;
  if (cp >= 0xFFF0 && cp <= 0xFFFF) return false;        // specials, noncharacters
  if (cp >= 0x1F000 && cp <= 0x1FAFF) return false;      // emoji, symbols
  if (cp >= 0xF0000) return false;                       // supplementary private use
  return true;
}

bool ValidTagText(std::string_view s, size_t min, size_t max) {
  size_t count = 0;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    size_t n = DecodeUtf8(s, i, &cp);
    if (n == 0 || !TagCharAllowed(cp)) return false;
    i += n;
    ++count;
  }
  return count >= min && count <= max;
}

}  // namespace

size_t Utf8Length(std::string_view s) {
  size_t count = 0;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    size_t n = DecodeUtf8(s, i, &cp);
    if (n == 0) return std::string_view::npos;
    i += n;
    ++count;
  }
  return count;
}

bool LooksLikeIpv4(std::string_view s) {
  int groups = 0;
  size_t i = 0;
  while (true) {
    size_t digits = 0;
    while (i < s.size() && IsDigit(s[i]) && digits < 4) ++i, ++digits;
    if (digits < 1 || digits > 3) return false;
    ++groups;
    if (i == s.size()) return groups == 4;
    if (s[i] != '.' || groups == 4) return false;
    ++i;
  }
}

Status ValidateTrailName(std::string_view name) {
  size_t length = Utf8Length(name);
  if (length == std::string_view::npos) length = name.size();
  if (length < 3)
    return InvalidName("Trail name too short. Minimum allowed length: 3 characters. Specified name length: " +
                       std::to_string(length) + " characters.");
  if (length > 128)
    return InvalidName("Trail name too long. Maximum allowed length: 128 characters. Specified name length: " +
                       std::to_string(length) + " characters.");
  if (!IsAsciiAlnum(name.front())) return InvalidName("Trail name must starts with a letter or number.");
  if (!IsAsciiAlnum(name.back())) return InvalidName("Trail name must ends with a letter or number.");
  bool ok = true;
  for (size_t i = 0; i < name.size() && ok; ++i) {
    char c = name[i];
    if (IsAsciiAlnum(c)) continue;
    if (!IsNamePunct(c)) ok = false;
    else if (i + 1 < name.size() && IsNamePunct(name[i + 1])) ok = false;  // rule 4
  }
  if (ok && LooksLikeIpv4(name)) ok = false;                                 // rule 5
  if (!ok)
    return InvalidName("Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, "
                       "periods (.), hyphens (-), and underscores (_).");
  return Status::Ok();
}

std::optional<ArnParts> SplitArn(std::string_view arn) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = arn.find(':', start);
    if (colon == std::string_view::npos) return std::nullopt;
    parts.push_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  if (parts[0] != "arn") return std::nullopt;
  ArnParts out;
  out.partition = std::string(parts[1]);
  out.service = std::string(parts[2]);
  out.region = std::string(parts[3]);
  out.account = std::string(parts[4]);
  out.resource = std::string(arn.substr(start));
  return out;
}

bool IsAccountId(std::string_view s) {
  if (s.size() != 12) return false;
  for (char c : s)
    if (!IsDigit(c)) return false;
  return true;
}

bool IsRegionName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || IsDigit(c) || c == '-')) return false;
  return s.front() != '-' && s.back() != '-';
}

Result<TrailArn> ParseTrailArn(std::string_view arn) {
  auto parts = SplitArn(arn);
  if (!parts) return InvalidArn(arn, "not an ARN");
  if (parts->partition.empty() || !IsRegionName(parts->partition))
    return InvalidArn(arn, "invalid partition");
  if (parts->service != "cloudtrail") return InvalidArn(arn, "not a CloudTrail ARN");
  if (!IsRegionName(parts->region)) return InvalidArn(arn, "invalid region");
  if (!IsAccountId(parts->account)) return InvalidArn(arn, "the account ID must be 12 digits");
  if (!parts->resource.starts_with("trail/")) return InvalidArn(arn, "not a trail ARN");
  std::string name = parts->resource.substr(6);
  if (!ValidateTrailName(name).ok()) return InvalidArn(arn, "invalid trail name");
  return TrailArn{parts->partition, parts->region, parts->account, std::move(name)};
}

std::string TrailArnOf(std::string_view region, std::string_view account, std::string_view name) {
  std::string arn = "arn:aws:cloudtrail:";
  arn.append(region).append(":").append(account).append(":trail/").append(name);
  return arn;
}

Status ValidateBucketName(std::string_view n) {
  auto invalid = [&] {
    return Status::Error("InvalidS3BucketNameException",
                         "Bucket name " + std::string(n) + " is not valid.", 400);
  };
  if (n.size() < 3 || n.size() > 63) return invalid();
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || IsDigit(c); };
  if (!alnum(n.front()) || !alnum(n.back())) return invalid();
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    if (!alnum(c) && c != '.' && c != '-') return invalid();
    if (c == '.' && i + 1 < n.size() && n[i + 1] == '.') return invalid();
  }
  if (LooksLikeIpv4(n)) return invalid();
  return Status::Ok();
}

Status ValidateKeyPrefix(std::string_view prefix) {
  size_t length = Utf8Length(prefix);
  if (length == std::string_view::npos || length > 200)
    return Status::Error("InvalidS3PrefixException",
                         "S3 key prefix must be at most 200 characters.", 400);
  return Status::Ok();
}

bool ValidTagKey(std::string_view key) { return ValidTagText(key, 1, 128); }
bool ValidTagValue(std::string_view value) { return ValidTagText(value, 0, 256); }

std::string FormatEpochSeconds(int64_t ms) {
  int64_t seconds = ms / 1000;
  int64_t frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    --seconds;
  }
  std::string out = std::to_string(seconds);
  if (frac == 0) return out + ".0";
  char buf[8];
  std::snprintf(buf, sizeof buf, ".%03d", static_cast<int>(frac));
  std::string f(buf);
  while (f.back() == '0') f.pop_back();
  return out + f;
}

}  // namespace ot::services::trailapi
