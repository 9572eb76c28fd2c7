#include "common/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace ot {

namespace {
// OpenSSL 3's one-shot helpers look the algorithm up (under a global lock) on every call;
// fetch SHA-256 once and reuse one digest context per thread. This is on every request's
// path (SigV4 is an HMAC chain).
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

struct DigestCtx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~DigestCtx() { EVP_MD_CTX_free(ctx); }
};

EVP_MD_CTX* ThreadCtx() {
  thread_local DigestCtx c;
  return c.ctx;
}

void Sha256Parts(std::string_view a, std::string_view b, uint8_t* out) {
  EVP_MD_CTX* ctx = ThreadCtx();
  unsigned int len = 0;
  EVP_DigestInit_ex(ctx, Sha256Md(), nullptr);
  if (!a.empty()) EVP_DigestUpdate(ctx, a.data(), a.size());
  if (!b.empty()) EVP_DigestUpdate(ctx, b.data(), b.size());
  EVP_DigestFinal_ex(ctx, out, &len);
}
}  // namespace

Sha256Digest Sha256(std::string_view data) {
  Sha256Digest out;
  Sha256Parts(data, {}, out.data());
  return out;
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

// RFC 2104 HMAC over the shared SHA-256 context.
Sha256Digest HmacSha256(std::string_view key, std::string_view data) {
  uint8_t block[64] = {0};
  if (key.size() > sizeof block) {
    Sha256Parts(key, {}, block);
  } else {
    std::memcpy(block, key.data(), key.size());
  }
  uint8_t ipad[64], opad[64];
  for (size_t i = 0; i < 64; ++i) {
    ipad[i] = block[i] ^ 0x36;
    opad[i] = block[i] ^ 0x5c;
  }
  uint8_t inner[32];
  Sha256Parts(std::string_view(reinterpret_cast<char*>(ipad), 64), data, inner);
  Sha256Digest out;
  Sha256Parts(std::string_view(reinterpret_cast<char*>(opad), 64),
              std::string_view(reinterpret_cast<char*>(inner), 32), out.data());
  return out;
}

std::string Md5Hex(std::string_view data) {
  std::array<uint8_t, 16> out;
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_md5(), nullptr);
  return HexEncode(out);
}

std::string HexEncode(const uint8_t* data, size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

bool IsLowerHex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string Base64Encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(n);
  return out;
}

bool Base64Decode(std::string_view in, std::string* out) {
  if (in.size() % 4 != 0) return false;
  std::string buf(3 * in.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(buf.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return false;
  size_t pad = 0;
  if (!in.empty() && in.back() == '=') ++pad;
  if (in.size() > 1 && in[in.size() - 2] == '=') ++pad;
  buf.resize(n - pad);
  *out = std::move(buf);
  return true;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void RandomBytes(uint8_t* out, size_t n) {
  // A per-thread pool refilled from the CSPRNG: ids are made on every request.
  struct Pool {
    uint8_t bytes[4096];
    size_t used = sizeof bytes;
  };
  thread_local Pool pool;
  while (n > 0) {
    if (pool.used == sizeof pool.bytes) {
      if (RAND_bytes(pool.bytes, sizeof pool.bytes) != 1) throw std::runtime_error("RAND_bytes failed");
      pool.used = 0;
    }
    size_t take = std::min(n, sizeof pool.bytes - pool.used);
    std::memcpy(out, pool.bytes + pool.used, take);
    std::memset(pool.bytes + pool.used, 0, take);
    pool.used += take;
    out += take;
    n -= take;
  }
}

}  // namespace ot
