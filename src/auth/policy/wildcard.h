// auth/policy/wildcard.h — compiled IAM wildcard patterns (private to auth/policy).
//
// '*' matches any run of characters (including none), '?' exactly one. Matching never
// backtracks: the pattern compiles to a bit-parallel NFA (one bit per non-'*' pattern
// character), so a match costs O(|value| * ceil(|pattern| / 64)) whatever the pattern.
// Common shapes (no wildcard, "prefix*", "*suffix", "*") take a direct path.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ot::auth::policy::internal {

class WildcardPattern {
 public:
  WildcardPattern() = default;
  WildcardPattern(std::string_view pattern, bool ignore_case);

  bool Match(std::string_view value) const;
  const std::string& pattern() const { return pattern_; }

 private:
  enum class Kind { kExact, kPrefix, kSuffix, kAny, kGeneral };

  bool MatchGeneral(std::string_view value) const;

  std::string pattern_;  // as given
  Kind kind_ = Kind::kExact;
  bool ignore_case_ = false;
  std::string literal_;  // kExact / kPrefix / kSuffix (lower-cased when ignore_case_)

  // kGeneral: states 0..tokens_ (state i = the first i non-'*' tokens matched).
  size_t tokens_ = 0;
  size_t words_ = 0;                  // 64-bit words per state set
  std::array<uint16_t, 256> row_{};   // byte → row in rows_ (row 0: only the '?' tokens)
  std::vector<uint64_t> rows_;        // rows × words_: bit i = token i accepts the byte
  std::vector<uint64_t> star_;        // bit i = a '*' lets state i consume any byte
};

char AsciiLower(char c);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);

}  // namespace ot::auth::policy::internal
