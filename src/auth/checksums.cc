#include "auth/checksums.h"

#include <openssl/evp.h>
#include <zlib.h>

#include <array>
#include <cstddef>

#include "common/crypto.h"

namespace ot::auth {
namespace {

// Slicing-by-8 tables for a reflected CRC: t[0] is the classic byte table, t[k][i] is the
// CRC of byte i followed by k zero bytes.
template <typename T>
struct CrcTables {
  std::array<std::array<T, 256>, 8> t{};
};

template <typename T>
constexpr CrcTables<T> MakeReflectedTables(T reflected_poly) {
  CrcTables<T> tables;
  for (unsigned i = 0; i < 256; ++i) {
    T crc = static_cast<T>(i);
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ reflected_poly : crc >> 1;
    tables.t[0][i] = crc;
  }
  for (unsigned i = 0; i < 256; ++i) {
    T crc = tables.t[0][i];
    for (int k = 1; k < 8; ++k) {
      crc = tables.t[0][crc & 0xff] ^ (crc >> 8);
      tables.t[k][i] = crc;
    }
  }
  return tables;
}

// CRC-32C (Castagnoli): polynomial 0x1EDC6F41, reflected 0x82F63B78.
constexpr CrcTables<uint32_t> kCrc32cTables = MakeReflectedTables<uint32_t>(0x82F63B78u);
// CRC-64/NVME: polynomial 0xAD93D23594C93659, reflected 0x9A6C9329AC4BC9B5; init and
// xorout all ones (check value for "123456789": 0xAE8B14860A799888).
constexpr CrcTables<uint64_t> kCrc64NvmeTables =
    MakeReflectedTables<uint64_t>(0x9A6C9329AC4BC9B5ull);

inline uint64_t LoadLe64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Runs the reflected CRC register (pre/post inversion done by the caller).
template <typename T>
T CrcUpdate(const CrcTables<T>& tb, T crc, const unsigned char* p, size_t n) {
  while (n >= 8) {
    uint64_t word = LoadLe64(p);
    if constexpr (sizeof(T) == 4) {
      uint32_t lo = static_cast<uint32_t>(word) ^ crc;
      uint32_t hi = static_cast<uint32_t>(word >> 32);
      crc = tb.t[7][lo & 0xff] ^ tb.t[6][(lo >> 8) & 0xff] ^ tb.t[5][(lo >> 16) & 0xff] ^
            tb.t[4][lo >> 24] ^ tb.t[3][hi & 0xff] ^ tb.t[2][(hi >> 8) & 0xff] ^
            tb.t[1][(hi >> 16) & 0xff] ^ tb.t[0][hi >> 24];
    } else {
      uint64_t x = word ^ crc;
      crc = tb.t[7][x & 0xff] ^ tb.t[6][(x >> 8) & 0xff] ^ tb.t[5][(x >> 16) & 0xff] ^
            tb.t[4][(x >> 24) & 0xff] ^ tb.t[3][(x >> 32) & 0xff] ^ tb.t[2][(x >> 40) & 0xff] ^
            tb.t[1][(x >> 48) & 0xff] ^ tb.t[0][x >> 56];
    }
    p += 8;
    n -= 8;
  }
  while (n--) crc = tb.t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

std::string BigEndian(uint64_t v, int bytes) {
  std::string out(static_cast<size_t>(bytes), '\0');
  for (int i = bytes - 1; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (Lower(a[i]) != Lower(b[i])) return false;
  return true;
}

const EVP_MD* ShaMd(ChecksumAlgorithm a) {
  return a == ChecksumAlgorithm::kSha1 ? EVP_sha1() : EVP_sha256();
}

}  // namespace

uint32_t Crc32(std::string_view data, uint32_t crc) {
  uLong c = crc;
  const auto* p = reinterpret_cast<const Bytef*>(data.data());
  size_t n = data.size();
  while (n > 0) {
    uInt piece = n > (1u << 30) ? (1u << 30) : static_cast<uInt>(n);
    c = ::crc32(c, p, piece);
    p += piece;
    n -= piece;
  }
  return static_cast<uint32_t>(c);
}

uint32_t Crc32c(std::string_view data, uint32_t crc) {
  return ~CrcUpdate<uint32_t>(kCrc32cTables, ~crc,
                              reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

uint64_t Crc64Nvme(std::string_view data, uint64_t crc) {
  return ~CrcUpdate<uint64_t>(kCrc64NvmeTables, ~crc,
                              reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

std::optional<ChecksumAlgorithm> ChecksumAlgorithmFromName(std::string_view name) {
  constexpr std::string_view kPrefix = "x-amz-checksum-";
  if (name.size() > kPrefix.size() && IEquals(name.substr(0, kPrefix.size()), kPrefix))
    name.remove_prefix(kPrefix.size());
  if (IEquals(name, "crc32")) return ChecksumAlgorithm::kCrc32;
  if (IEquals(name, "crc32c")) return ChecksumAlgorithm::kCrc32c;
  if (IEquals(name, "crc64nvme")) return ChecksumAlgorithm::kCrc64Nvme;
  if (IEquals(name, "sha1")) return ChecksumAlgorithm::kSha1;
  if (IEquals(name, "sha256")) return ChecksumAlgorithm::kSha256;
  return std::nullopt;
}

std::string_view ChecksumAlgorithmName(ChecksumAlgorithm a) {
  switch (a) {
    case ChecksumAlgorithm::kCrc32:
      return "CRC32";
    case ChecksumAlgorithm::kCrc32c:
      return "CRC32C";
    case ChecksumAlgorithm::kCrc64Nvme:
      return "CRC64NVME";
    case ChecksumAlgorithm::kSha1:
      return "SHA1";
    case ChecksumAlgorithm::kSha256:
      return "SHA256";
  }
  return "";
}

std::string_view ChecksumHeaderName(ChecksumAlgorithm a) {
  switch (a) {
    case ChecksumAlgorithm::kCrc32:
      return "x-amz-checksum-crc32";
    case ChecksumAlgorithm::kCrc32c:
      return "x-amz-checksum-crc32c";
    case ChecksumAlgorithm::kCrc64Nvme:
      return "x-amz-checksum-crc64nvme";
    case ChecksumAlgorithm::kSha1:
      return "x-amz-checksum-sha1";
    case ChecksumAlgorithm::kSha256:
      return "x-amz-checksum-sha256";
  }
  return "";
}

std::string ChecksumDigest(ChecksumAlgorithm algorithm, std::string_view data) {
  Checksummer c(algorithm);
  c.Update(data);
  return c.Digest();
}

std::string ChecksumBase64(ChecksumAlgorithm algorithm, std::string_view data) {
  return Base64Encode(ChecksumDigest(algorithm, data));
}

struct Checksummer::ShaState {
  EVP_MD_CTX* ctx = nullptr;
  bool ok = false;
  ~ShaState() {
    if (ctx) EVP_MD_CTX_free(ctx);
  }
};

Checksummer::Checksummer(ChecksumAlgorithm algorithm) : algorithm_(algorithm) {
  if (algorithm == ChecksumAlgorithm::kSha1 || algorithm == ChecksumAlgorithm::kSha256) {
    sha_ = std::make_unique<ShaState>();
    sha_->ctx = EVP_MD_CTX_new();
    sha_->ok = sha_->ctx && EVP_DigestInit_ex(sha_->ctx, ShaMd(algorithm), nullptr) == 1;
  }
}

Checksummer::~Checksummer() = default;

void Checksummer::Update(std::string_view data) {
  switch (algorithm_) {
    case ChecksumAlgorithm::kCrc32:
      crc_ = Crc32(data, static_cast<uint32_t>(crc_));
      break;
    case ChecksumAlgorithm::kCrc32c:
      crc_ = Crc32c(data, static_cast<uint32_t>(crc_));
      break;
    case ChecksumAlgorithm::kCrc64Nvme:
      crc_ = Crc64Nvme(data, crc_);
      break;
    case ChecksumAlgorithm::kSha1:
    case ChecksumAlgorithm::kSha256:
      if (sha_ && sha_->ok && !data.empty())
        sha_->ok = EVP_DigestUpdate(sha_->ctx, data.data(), data.size()) == 1;
      break;
  }
}

std::string Checksummer::Digest() {
  switch (algorithm_) {
    case ChecksumAlgorithm::kCrc32:
    case ChecksumAlgorithm::kCrc32c:
      return BigEndian(crc_, 4);
    case ChecksumAlgorithm::kCrc64Nvme:
      return BigEndian(crc_, 8);
    case ChecksumAlgorithm::kSha1:
    case ChecksumAlgorithm::kSha256: {
      if (!sha_ || !sha_->ok) return std::string();
      unsigned char out[EVP_MAX_MD_SIZE];
      unsigned int len = 0;
      sha_->ok = false;  // finished
      if (EVP_DigestFinal_ex(sha_->ctx, out, &len) != 1) return std::string();
      return std::string(reinterpret_cast<const char*>(out), len);
    }
  }
  return std::string();
}

std::string Checksummer::Base64() { return Base64Encode(Digest()); }

}  // namespace ot::auth
