// auth/checksums.h — the flexible checksums S3 clients send (x-amz-checksum-* headers and
// aws-chunked trailers): CRC32 (zlib), CRC32C (Castagnoli), CRC64NVME, SHA-1 and SHA-256.
//
// AWS transmits each as base64 of the big-endian digest: a CRC32 of "hello" travels as
// "NhCmhg==". The CRCs take and return the finished value, so they can be chained:
// Crc32c(b, Crc32c(a)) == Crc32c(a + b).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ot::auth {

uint32_t Crc32(std::string_view data, uint32_t crc = 0);      // zlib / IEEE 802.3
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);     // Castagnoli, RFC 3720
uint64_t Crc64Nvme(std::string_view data, uint64_t crc = 0);  // CRC-64/NVME (awscrt)

enum class ChecksumAlgorithm { kCrc32, kCrc32c, kCrc64Nvme, kSha1, kSha256 };

// Accepts "crc32", "CRC32", "x-amz-checksum-crc32" (any case); also "crc64nvme".
std::optional<ChecksumAlgorithm> ChecksumAlgorithmFromName(std::string_view name);
// "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256" (as in x-amz-checksum-algorithm).
std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm);
// "x-amz-checksum-crc32", ... (lowercase).
std::string_view ChecksumHeaderName(ChecksumAlgorithm algorithm);

// Raw big-endian digest bytes (4, 4, 8, 20 or 32 bytes).
std::string ChecksumDigest(ChecksumAlgorithm algorithm, std::string_view data);
// Base64 of the big-endian digest, as sent in x-amz-checksum-* headers.
std::string ChecksumBase64(ChecksumAlgorithm algorithm, std::string_view data);

// Incremental form, for bodies that arrive in pieces. Never throws.
class Checksummer {
 public:
  explicit Checksummer(ChecksumAlgorithm algorithm);
  ~Checksummer();
  Checksummer(const Checksummer&) = delete;
  Checksummer& operator=(const Checksummer&) = delete;

  ChecksumAlgorithm algorithm() const { return algorithm_; }
  void Update(std::string_view data);
  // Finishes and returns the raw digest / its base64; call once.
  std::string Digest();
  std::string Base64();

 private:
  struct ShaState;
  ChecksumAlgorithm algorithm_;
  uint64_t crc_ = 0;
  std::unique_ptr<ShaState> sha_;
};

}  // namespace ot::auth
