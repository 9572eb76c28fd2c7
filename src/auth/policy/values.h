// auth/policy/values.h — typed condition values (private to auth/policy): numbers, dates,
// IP addresses and CIDR ranges, parsed from their text forms.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ot::auth::policy::internal {

// Decimal integer or decimal fraction with optional sign and exponent ("42", "-1.5",
// "2e3"). No hex, no inf/nan, no surrounding spaces.
std::optional<double> ParseNumber(std::string_view s);

// Epoch milliseconds from ISO 8601 ("2026-11-30", "2026-11-30T12:00Z",
// "2026-11-30T12:00:00.123+01:00", "20261130T120000Z") or epoch seconds ("1796040000",
// "1796040000.5", "-1"). A time without a zone is UTC.
std::optional<int64_t> ParseDateMillis(std::string_view s);

struct IpNet {
  bool v6 = false;
  std::array<uint8_t, 16> addr{};  // IPv4 in the first 4 bytes
  int prefix = 0;                  // bits; 32 / 128 for a plain address
};

// "203.0.113.7", "203.0.113.0/24", "2001:db8::1", "2001:db8::/32". With allow_prefix false
// a "/n" suffix is refused. Host bits below the prefix are ignored.
std::optional<IpNet> ParseIpNet(std::string_view s, bool allow_prefix);

// Whether the address `ip` (a plain address) lies within `net`. An IPv4-mapped IPv6 address
// (::ffff:a.b.c.d) is also tried as its IPv4 form.
bool IpInNet(const IpNet& net, const IpNet& ip);

}  // namespace ot::auth::policy::internal
