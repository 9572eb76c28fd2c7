#include "auth/policy/values.h"

#include <arpa/inet.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <string>

#include "common/time.h"

namespace ot::auth::policy::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at `*pos`.
bool Digits(std::string_view s, size_t* pos, size_t n, int64_t* out) {
  if (*pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[*pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Accept(std::string_view s, size_t* pos, char c) {
  if (*pos < s.size() && s[*pos] == c) {
    ++*pos;
    return true;
  }
  return false;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int64_t DaysInMonth(int64_t y, int64_t m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

std::optional<int64_t> EpochSeconds(std::string_view s) {
  size_t pos = 0;
  bool negative = Accept(s, &pos, '-');
  size_t start = pos;
  int64_t seconds = 0;
  while (pos < s.size() && IsDigit(s[pos])) {
    if (pos - start >= 15) return std::nullopt;  // beyond any representable date
    seconds = seconds * 10 + (s[pos] - '0');
    ++pos;
  }
  if (pos == start) return std::nullopt;
  int64_t millis = 0;
  if (Accept(s, &pos, '.')) {
    size_t frac = pos;
    int64_t scale = 100;
    while (pos < s.size() && IsDigit(s[pos])) {
      millis += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == frac) return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  int64_t total = seconds * 1000 + millis;
  return negative ? -total : total;
}

std::optional<int64_t> Iso8601(std::string_view s) {
  size_t pos = 0;
  int64_t y, mo, d, h = 0, mi = 0, sec = 0, millis = 0;
  if (!Digits(s, &pos, 4, &y)) return std::nullopt;
  bool extended = Accept(s, &pos, '-');
  if (!Digits(s, &pos, 2, &mo)) return std::nullopt;
  if (extended && !Accept(s, &pos, '-')) return std::nullopt;
  if (!Digits(s, &pos, 2, &d)) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo)) return std::nullopt;
  if (pos < s.size()) {
    if (!Accept(s, &pos, 'T') && !Accept(s, &pos, 't')) return std::nullopt;
    if (!Digits(s, &pos, 2, &h)) return std::nullopt;
    if (extended && !Accept(s, &pos, ':')) return std::nullopt;
    if (!Digits(s, &pos, 2, &mi)) return std::nullopt;
    bool has_seconds = extended ? Accept(s, &pos, ':') : (pos < s.size() && IsDigit(s[pos]));
    if (has_seconds) {
      if (!Digits(s, &pos, 2, &sec)) return std::nullopt;
      if (Accept(s, &pos, '.') || Accept(s, &pos, ',')) {
        size_t frac = pos;
        int64_t scale = 100;
        while (pos < s.size() && IsDigit(s[pos])) {
          millis += (s[pos] - '0') * scale;
          scale /= 10;
          ++pos;
        }
        if (pos == frac) return std::nullopt;
      }
    }
    if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
    int64_t offset_minutes = 0;
    if (pos < s.size()) {
      char sign = s[pos];
      if (sign == 'Z' || sign == 'z') {
        ++pos;
      } else if (sign == '+' || sign == '-') {
        ++pos;
        int64_t oh = 0, om = 0;
        if (!Digits(s, &pos, 2, &oh)) return std::nullopt;
        if (pos < s.size()) {
          Accept(s, &pos, ':');
          if (!Digits(s, &pos, 2, &om)) return std::nullopt;
        }
        if (oh > 23 || om > 59) return std::nullopt;
        offset_minutes = (oh * 60 + om) * (sign == '+' ? 1 : -1);
      } else {
        return std::nullopt;
      }
    }
    if (pos != s.size()) return std::nullopt;
    int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    int64_t seconds = days * 86400 + h * 3600 + mi * 60 + sec - offset_minutes * 60;
    return seconds * 1000 + millis;
  }
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return days * 86400 * 1000;
}

}  // namespace

std::optional<double> ParseNumber(std::string_view s) {
  if (s.empty() || s.size() > 64) return std::nullopt;
  size_t start = (s[0] == '+') ? 1 : 0;
  if (start == s.size()) return std::nullopt;
  // Only decimal forms: refuse "inf", "nan", hex and friends before from_chars sees them.
  for (size_t i = start; i < s.size(); ++i) {
    char c = s[i];
    if (!(IsDigit(c) || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) return std::nullopt;
  }
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data() + start, s.data() + s.size(), v, std::chars_format::general);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<int64_t> ParseDateMillis(std::string_view s) {
  if (s.empty() || s.size() > 64) return std::nullopt;
  if (auto epoch = EpochSeconds(s)) return epoch;
  return Iso8601(s);
}

std::optional<IpNet> ParseIpNet(std::string_view s, bool allow_prefix) {
  if (s.empty() || s.size() > 64) return std::nullopt;
  std::string_view address = s;
  int prefix = -1;
  if (auto slash = s.find('/'); slash != std::string_view::npos) {
    if (!allow_prefix) return std::nullopt;
    address = s.substr(0, slash);
    std::string_view bits = s.substr(slash + 1);
    if (bits.empty() || bits.size() > 3) return std::nullopt;
    prefix = 0;
    for (char c : bits) {
      if (!IsDigit(c)) return std::nullopt;
      prefix = prefix * 10 + (c - '0');
    }
  }
  std::string text(address);
  IpNet net;
  if (text.find(':') != std::string::npos) {
    net.v6 = true;
    if (inet_pton(AF_INET6, text.c_str(), net.addr.data()) != 1) return std::nullopt;
    if (prefix < 0) prefix = 128;
    if (prefix > 128) return std::nullopt;
  } else {
    if (inet_pton(AF_INET, text.c_str(), net.addr.data()) != 1) return std::nullopt;
    if (prefix < 0) prefix = 32;
    if (prefix > 32) return std::nullopt;
  }
  net.prefix = prefix;
  return net;
}

namespace {

bool PrefixEqual(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b, int bits) {
  int full = bits / 8;
  if (std::memcmp(a.data(), b.data(), static_cast<size_t>(full)) != 0) return false;
  int rest = bits % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

}  // namespace

bool IpInNet(const IpNet& net, const IpNet& ip) {
  if (net.v6 == ip.v6) return PrefixEqual(net.addr, ip.addr, net.prefix);
  if (!net.v6 && ip.v6) {
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (std::memcmp(ip.addr.data(), kMapped, 12) != 0) return false;
    std::array<uint8_t, 16> v4{};
    std::memcpy(v4.data(), ip.addr.data() + 12, 4);
    return PrefixEqual(net.addr, v4, net.prefix);
  }
  return false;
}

}  // namespace ot::auth::policy::internal
