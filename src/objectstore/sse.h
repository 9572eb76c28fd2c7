// objectstore/sse.h — (private) encryption at rest: AES-256-GCM over fixed-size chunks.
//
// An object file is the concatenation of its sealed chunks: chunk i holds plaintext bytes
// [i*chunk_size, (i+1)*chunk_size) encrypted under the object's data key with nonce
// (4-byte per-file random prefix || big-endian 64-bit i), followed by its 16-byte tag. Every
// chunk authenticates the file's total plaintext size (AAD), so a chunk cannot be moved,
// dropped, truncated or swapped with another file's without the read failing.
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ot::objectstore::sse {

inline constexpr size_t kKeySize = 32;
inline constexpr size_t kTagSize = 16;
inline constexpr size_t kNoncePrefixSize = 4;
inline constexpr size_t kNonceSize = 12;
inline constexpr uint32_t kChunkSize = 64 * 1024;
inline constexpr uint32_t kMinChunkSize = 512;
inline constexpr uint32_t kMaxChunkSize = 16 * 1024 * 1024;

// Number of chunks and on-disk size of `size` plaintext bytes.
inline uint64_t ChunkCount(uint64_t size, uint32_t chunk_size) { return (size + chunk_size - 1) / chunk_size; }
inline uint64_t SealedSize(uint64_t size, uint32_t chunk_size) { return size + ChunkCount(size, chunk_size) * kTagSize; }

// Seals or opens the chunks of one file. Not thread-safe; one per operation.
class ChunkCipher {
 public:
  ChunkCipher();
  ~ChunkCipher();
  ChunkCipher(const ChunkCipher&) = delete;
  ChunkCipher& operator=(const ChunkCipher&) = delete;

  // `key`: 32 bytes; `nonce_prefix`: 4 bytes; `file_size`: total plaintext size.
  Status Init(bool encrypt, std::string_view key, std::string_view nonce_prefix, uint64_t file_size);
  // Writes n ciphertext bytes then the tag to `out` (n + kTagSize bytes).
  Status Seal(uint64_t index, const char* plaintext, size_t n, char* out);
  // `sealed` is n ciphertext bytes then the tag; writes n plaintext bytes to `out`. Fails
  // (writing nothing useful) when the chunk was tampered with.
  Status Open(uint64_t index, const char* sealed, size_t sealed_size, char* out);

 private:
  void Nonce(uint64_t index, unsigned char* nonce) const;
  EVP_CIPHER_CTX* ctx_;
  bool encrypt_ = true;
  unsigned char prefix_[kNoncePrefixSize] = {};
  unsigned char aad_[8] = {};
};

// Single-shot AES-256-GCM: returns nonce || ciphertext || tag.
std::string WrapKey(std::string_view master, std::string_view aad, std::string_view plaintext);
// Inverse of WrapKey; false when the blob is malformed or fails authentication.
bool UnwrapKey(std::string_view master, std::string_view aad, std::string_view wrapped, std::string* plaintext);

// Random bytes for key material (RAND_priv_bytes).
std::string RandomSecret(size_t n);
// Zeroes a string holding a secret.
void Wipe(std::string* s);

}  // namespace ot::objectstore::sse
