#include "auth/policy/wildcard.h"

#include <algorithm>

#include "auth/policy/policy.h"

namespace ot::auth::policy {
namespace internal {

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  return true;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = AsciiLower(c);
  return out;
}

namespace {

bool StartsWith(std::string_view value, std::string_view prefix, bool ignore_case) {
  if (value.size() < prefix.size()) return false;
  value = value.substr(0, prefix.size());
  return ignore_case ? EqualsIgnoreCase(value, prefix) : value == prefix;
}

bool EndsWith(std::string_view value, std::string_view suffix, bool ignore_case) {
  if (value.size() < suffix.size()) return false;
  value = value.substr(value.size() - suffix.size());
  return ignore_case ? EqualsIgnoreCase(value, suffix) : value == suffix;
}

}  // namespace

WildcardPattern::WildcardPattern(std::string_view pattern, bool ignore_case)
    : pattern_(pattern), ignore_case_(ignore_case) {
  size_t stars = static_cast<size_t>(std::count(pattern.begin(), pattern.end(), '*'));
  size_t questions = static_cast<size_t>(std::count(pattern.begin(), pattern.end(), '?'));
  std::string folded = ignore_case ? ToLower(pattern) : std::string(pattern);
  if (questions == 0) {
    if (stars == 0) {
      kind_ = Kind::kExact;
      literal_ = std::move(folded);
      return;
    }
    if (stars == pattern.size()) {
      kind_ = Kind::kAny;
      return;
    }
    if (stars == 1 && pattern.back() == '*') {
      kind_ = Kind::kPrefix;
      literal_ = folded.substr(0, folded.size() - 1);
      return;
    }
    if (stars == 1 && pattern.front() == '*') {
      kind_ = Kind::kSuffix;
      literal_ = folded.substr(1);
      return;
    }
  }
  kind_ = Kind::kGeneral;
  tokens_ = pattern.size() - stars;
  words_ = (tokens_ + 1 + 63) / 64;
  star_.assign(words_, 0);
  // Rows: 0 for bytes no literal token accepts, then one per distinct literal byte.
  std::array<bool, 256> seen{};
  uint16_t rows = 1;
  for (char c : folded) {
    if (c == '*' || c == '?') continue;
    auto b = static_cast<unsigned char>(c);
    if (!seen[b]) {
      seen[b] = true;
      row_[b] = rows++;
    }
  }
  rows_.assign(static_cast<size_t>(rows) * words_, 0);
  size_t token = 0;
  for (char c : folded) {
    if (c == '*') {
      star_[token / 64] |= uint64_t{1} << (token % 64);
      continue;
    }
    uint64_t bit = uint64_t{1} << (token % 64);
    size_t word = token / 64;
    if (c == '?') {
      for (size_t r = 0; r < rows; ++r) rows_[r * words_ + word] |= bit;
    } else {
      rows_[row_[static_cast<unsigned char>(c)] * words_ + word] |= bit;
    }
    ++token;
  }
}

bool WildcardPattern::Match(std::string_view value) const {
  switch (kind_) {
    case Kind::kExact:
      return ignore_case_ ? EqualsIgnoreCase(value, literal_) : value == literal_;
    case Kind::kAny:
      return true;
    case Kind::kPrefix:
      return StartsWith(value, literal_, ignore_case_);
    case Kind::kSuffix:
      return EndsWith(value, literal_, ignore_case_);
    case Kind::kGeneral:
      return MatchGeneral(value);
  }
  return false;
}

bool WildcardPattern::MatchGeneral(std::string_view value) const {
  const uint64_t accept_bit = uint64_t{1} << (tokens_ % 64);
  const size_t accept_word = tokens_ / 64;
  if (words_ == 1) {
    uint64_t state = 1, star = star_[0];
    for (char c : value) {
      if (ignore_case_) c = AsciiLower(c);
      uint64_t m = rows_[row_[static_cast<unsigned char>(c)]];
      state = ((state & m) << 1) | (state & star);
      if (state == 0) return false;
    }
    return (state & accept_bit) != 0;
  }
  std::vector<uint64_t> state(words_, 0);
  state[0] = 1;
  for (char c : value) {
    if (ignore_case_) c = AsciiLower(c);
    const uint64_t* m = &rows_[row_[static_cast<unsigned char>(c)] * words_];
    uint64_t carry = 0, any = 0;
    for (size_t w = 0; w < words_; ++w) {
      uint64_t advanced = state[w] & m[w];
      uint64_t next = (advanced << 1) | carry | (state[w] & star_[w]);
      carry = advanced >> 63;
      state[w] = next;
      any |= next;
    }
    if (any == 0) return false;
  }
  return (state[accept_word] & accept_bit) != 0;
}

}  // namespace internal

bool WildcardMatch(std::string_view pattern, std::string_view value, bool ignore_case) {
  try {
    return internal::WildcardPattern(pattern, ignore_case).Match(value);
  } catch (...) {
    return false;
  }
}

}  // namespace ot::auth::policy
