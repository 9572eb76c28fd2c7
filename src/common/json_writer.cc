#include "common/json_writer.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ot {

namespace {
// Length of the valid UTF-8 sequence at s[i], or 0 when invalid.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  if (n == 2 && c < 0xC2) return 0;                          // overlong
  if (n == 3) {
    unsigned cp = ((c & 0x0F) << 12) | ((b(i + 1) & 0x3F) << 6) | (b(i + 2) & 0x3F);
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  }
  if (n == 4) {
    unsigned cp = ((c & 0x07) << 18) | ((b(i + 1) & 0x3F) << 12) | ((b(i + 2) & 0x3F) << 6) | (b(i + 3) & 0x3F);
    if (cp < 0x10000 || cp > 0x10FFFF) return 0;
  }
  return n;
}

// Position of the first byte at or after i that cannot be copied as is: '"', '\\', a control
// character or any byte >= 0x80 (UTF-8, checked separately); n when there is none.
inline size_t FindSpecial(const char* p, size_t i, size_t n) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20);
  for (; i + 16 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    // Signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them too.
    __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                             _mm_cmplt_epi8(v, space));
    int mask = _mm_movemask_epi8(m);
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  for (; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(p[i]);
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return i;
  }
  return n;
}
}  // namespace

namespace {
// Writes the escape of the special byte at p[i] (see FindSpecial) to d + w; returns the
// number of input bytes consumed. d must have room for 6 bytes.
inline size_t EscapeAt(const char* p, size_t i, size_t n, char* d, size_t& w) {
  unsigned char c = static_cast<unsigned char>(p[i]);
  char e = 0;
  switch (c) {
    case '"': e = '"'; break;
    case '\\': e = '\\'; break;
    case '\n': e = 'n'; break;
    case '\r': e = 'r'; break;
    case '\t': e = 't'; break;
    case '\b': e = 'b'; break;
    case '\f': e = 'f'; break;
    default: break;
  }
  if (e != 0) {
    d[w++] = '\\';
    d[w++] = e;
    return 1;
  }
  if (c < 0x20) {
    static constexpr char kHex[] = "0123456789abcdef";
    d[w++] = '\\';
    d[w++] = 'u';
    d[w++] = '0';
    d[w++] = '0';
    d[w++] = kHex[c >> 4];
    d[w++] = kHex[c & 15];
    return 1;
  }
  size_t len = Utf8SequenceLength(std::string_view(p, n), i);
  if (len == 0) {
    std::memcpy(d + w, "\xEF\xBF\xBD", 3);  // U+FFFD
    w += 3;
    return 1;
  }
  std::memcpy(d + w, p + i, len);
  w += len;
  return len;
}
}  // namespace

void AppendJsonString(std::string* out, std::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
  // Written in place: room for the text and a few escapes, grown when escapes need more.
  // Every step below needs at most 16 + 6 bytes of room (a block store, then an escape).
  constexpr size_t kStep = 32;
  size_t w = out->size();
  size_t end = w + n + n / 4 + kStep + 2;
  out->resize(end);
  char* d = out->data();
  // Grows by what the rest of this string may need (never by a share of everything already
  // in `out`: resize zero-fills, and a response of many escaped records would be zeroed
  // again and again). The string's capacity still grows geometrically.
  size_t i = 0;
  auto grow = [&](size_t k) {
    end = std::max(end, w + k + kStep + (n - i) + (n - i) / 4);
    out->resize(end);
    d = out->data();
  };
  d[w++] = '"';
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20);
  while (i + 16 <= n) {
    if (w + 3 * kStep > end) grow(3 * kStep);
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i qb = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash));
    // Signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them too.
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(qb, _mm_cmplt_epi8(v, space))));
    // Store the whole block; only the bytes before the first special count.
    _mm_storeu_si128(reinterpret_cast<__m128i*>(d + w), v);
    if (mask == 0) {
      w += 16;
      i += 16;
      continue;
    }
    if (i + 32 <= n && mask == static_cast<unsigned>(_mm_movemask_epi8(qb))) {
      // Only quotes and backslashes (JSON inside JSON): escape them all, copying the runs
      // between them with block stores (reading up to 16 bytes past the block: in bounds).
      size_t prev = 0;
      do {
        size_t k = static_cast<size_t>(__builtin_ctz(mask));
        mask &= mask - 1;
        _mm_storeu_si128(reinterpret_cast<__m128i*>(d + w),
                         _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + prev)));
        w += k - prev;
        d[w] = '\\';
        d[w + 1] = p[i + k];
        w += 2;
        prev = k + 1;
      } while (mask != 0);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(d + w),
                       _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + prev)));
      w += 16 - prev;
      i += 16;
      continue;
    }
    size_t k = static_cast<size_t>(__builtin_ctz(mask));
    w += k;
    i += k;
    char c = p[i];
    if (c == '"' || c == '\\') {  // the usual case (JSON inside JSON)
      d[w] = '\\';
      d[w + 1] = c;
      w += 2;
      ++i;
    } else {
      i += EscapeAt(p, i, n, d, w);
    }
  }
#endif
  while (i < n) {
    size_t j = FindSpecial(p, i, n);
    if (w + (j - i) + kStep > end) grow(j - i + kStep);
    std::memcpy(d + w, p + i, j - i);
    w += j - i;
    i = j;
    if (i == n) break;
    i += EscapeAt(p, i, n, d, w);
  }
  if (w + 1 > end) grow(1);
  d[w++] = '"';
  out->resize(w);
}

JsonWriter& JsonWriter::Double(double v) {
  Sep();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  out_->append(buf);
  return *this;
}

}  // namespace ot
