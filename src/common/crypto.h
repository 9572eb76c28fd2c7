// common/crypto.h — the hashing primitives SigV4, ETags and digests need (OpenSSL 3).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ot {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest Sha256(std::string_view data);
std::string Sha256Hex(std::string_view data);
Sha256Digest HmacSha256(std::string_view key, std::string_view data);
std::string Md5Hex(std::string_view data);

std::string HexEncode(const uint8_t* data, size_t size);
inline std::string HexEncode(std::string_view s) {
  return HexEncode(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
template <size_t N>
std::string HexEncode(const std::array<uint8_t, N>& a) { return HexEncode(a.data(), N); }
bool IsLowerHex(std::string_view s);

std::string Base64Encode(std::string_view data);
// Returns false on malformed input.
bool Base64Decode(std::string_view in, std::string* out);

// Constant-time equality of two byte strings (length leaks, content does not).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Cryptographically random bytes.
void RandomBytes(uint8_t* out, size_t n);

}  // namespace ot
