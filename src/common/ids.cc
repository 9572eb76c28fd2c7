#include "common/ids.h"

#include <cstdint>

#include "common/crypto.h"

namespace ot {

namespace {
std::string RandomFrom(const char* alphabet, size_t alphabet_size, size_t n) {
  std::string out(n, '\0');
  uint8_t buf[64];
  for (size_t i = 0; i < n; ++i) {
    if (i % sizeof buf == 0) RandomBytes(buf, sizeof buf);
    out[i] = alphabet[buf[i % sizeof buf] % alphabet_size];
  }
  return out;
}
constexpr char kUpperAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";  // base32, 32 symbols
constexpr char kSecretChars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";  // 64 symbols
}  // namespace

std::string NewUuid() {
  uint8_t b[16];
  RandomBytes(b, sizeof b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  std::string hex = HexEncode(b, sizeof b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::string NewS3RequestId() { return RandomFrom(kUpperAlnum, 32, 16); }

std::string NewAccessKeyId(bool temporary) {
  return std::string(temporary ? "ASIA" : "AKIA") + RandomFrom(kUpperAlnum, 32, 16);
}

std::string NewSecretAccessKey() { return RandomFrom(kSecretChars, 64, 40); }

std::string NewUniqueId(const char* prefix) {
  return std::string(prefix) + RandomFrom(kUpperAlnum, 32, 17);
}

std::string NewAccountId() {
  std::string digits = RandomFrom("0123456789012345", 16, 12);
  for (auto& c : digits) c = static_cast<char>('0' + (c - '0') % 10);
  if (digits[0] == '0') digits[0] = '1';
  return digits;
}

std::string NewOpaqueToken(size_t bytes) {
  std::string raw(bytes, '\0');
  RandomBytes(reinterpret_cast<uint8_t*>(raw.data()), bytes);
  return Base64Encode(raw);
}

}  // namespace ot
