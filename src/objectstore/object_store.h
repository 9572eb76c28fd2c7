// objectstore/object_store.h — buckets and objects, independent of any wire protocol.
//
// Errors are Status values carrying S3's error codes and HTTP statuses (NoSuchBucket 404,
// NoSuchKey 404, BucketAlreadyExists 409, BucketAlreadyOwnedByYou 409, BucketNotEmpty 409,
// NoSuchUpload 404, InvalidPart 400, InvalidPartOrder 400, EntityTooSmall 400,
// InvalidRange 416, ...), so the S3 service can answer them as they are.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/kv_store.h"

namespace ot::objectstore {

struct BucketInfo {
  std::string name;
  std::string owner_account;
  std::string region;
  int64_t created_ms = 0;
};

// Server-side encryption of one object. kSseS3 is the default (AES256); kSseKms names a
// KMS key and is served through a KeyProvider that later issues plug in.
struct Encryption {
  enum class Mode { kSseS3, kSseKms } mode = Mode::kSseS3;
  std::string kms_key_id;                         // kSseKms: key ARN
  std::map<std::string, std::string> context;     // kSseKms: encryption context
};

struct ObjectInfo {
  std::string bucket;
  std::string key;
  uint64_t size = 0;
  std::string etag;            // quoted: "\"<md5 hex>\"" or "\"<md5 of md5s>-N\""
  int64_t last_modified_ms = 0;
  std::string content_type;    // default "binary/octet-stream"
  std::string content_encoding, content_disposition, content_language, cache_control;
  std::map<std::string, std::string> user_metadata;  // x-amz-meta-* (names lowercase, no prefix)
  std::map<std::string, std::string> checksums;      // "CRC32" → base64, as supplied/verified
  std::map<std::string, std::string> tags;
  Encryption encryption;
  int parts_count = 0;         // > 0 for multipart objects
};

struct PutOptions {
  std::string content_type, content_encoding, content_disposition, content_language, cache_control;
  std::map<std::string, std::string> user_metadata;
  std::map<std::string, std::string> checksums;
  std::map<std::string, std::string> tags;
  Encryption encryption;
};

struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive; clamp to size-1
};

// Sequential reads of one opened object (ObjectStore::OpenObject). Not thread-safe.
class ObjectReader {
 public:
  virtual ~ObjectReader() = default;
  virtual const ObjectInfo& info() const = 0;
  virtual uint64_t first() const = 0;   // offset of the first byte in the object
  virtual uint64_t length() const = 0;  // bytes this reader yields in all
  // Replaces *out with the next up to `max_bytes` bytes; empty once all are read.
  virtual Status Read(size_t max_bytes, std::string* out) = 0;
};

struct ListOptions {
  std::string prefix;
  std::string delimiter;
  std::string start_after;   // keys strictly after this (V2 start-after, V1 marker, tokens)
  size_t max_keys = 1000;
};

struct ListResult {
  std::vector<ObjectInfo> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string last_key;      // last key or prefix returned (for the next page)
};

struct UploadInfo {
  std::string bucket, key, upload_id;
  int64_t initiated_ms = 0;
  PutOptions options;
};

struct PartInfo {
  int number = 0;
  uint64_t size = 0;
  std::string etag;          // quoted md5
  int64_t last_modified_ms = 0;
  std::map<std::string, std::string> checksums;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Buckets. Names are validated by the caller (S3 rules); the store treats them as opaque.
  virtual Status CreateBucket(const BucketInfo& bucket) = 0;
  virtual Status DeleteBucket(std::string_view bucket) = 0;  // BucketNotEmpty unless empty
  virtual Result<BucketInfo> GetBucket(std::string_view bucket) = 0;
  virtual Result<std::vector<BucketInfo>> ListBuckets() = 0;  // all, sorted by name

  // Bucket documents: "policy", "encryption", "lifecycle", ... stored verbatim.
  virtual Status PutBucketDocument(std::string_view bucket, std::string_view kind, std::string_view text) = 0;
  virtual Result<std::optional<std::string>> GetBucketDocument(std::string_view bucket, std::string_view kind) = 0;
  virtual Status DeleteBucketDocument(std::string_view bucket, std::string_view kind) = 0;

  // Objects. PutObject is atomic: readers see the whole old object or the whole new one.
  virtual Result<ObjectInfo> PutObject(std::string_view bucket, std::string_view key,
                                       std::string_view data, const PutOptions& options) = 0;
  virtual Result<ObjectInfo> HeadObject(std::string_view bucket, std::string_view key) = 0;
  // Reads the object (or the range). InvalidRange when the range starts past the end.
  virtual Result<ObjectInfo> GetObject(std::string_view bucket, std::string_view key,
                                       const std::optional<ByteRange>& range, std::string* data) = 0;
  // Opens the object (or the range) for reading piece by piece, for bodies too large to
  // hold in memory. The reader keeps seeing the version it opened while it reads its
  // current part; a multipart object replaced in the middle of a read fails the read.
  virtual Result<std::unique_ptr<ObjectReader>> OpenObject(std::string_view bucket, std::string_view key,
                                                           const std::optional<ByteRange>& range) = 0;
  virtual Status DeleteObject(std::string_view bucket, std::string_view key) = 0;  // absent: OK
  virtual Result<ObjectInfo> CopyObject(std::string_view src_bucket, std::string_view src_key,
                                        std::string_view dst_bucket, std::string_view dst_key,
                                        const std::optional<PutOptions>& replace_metadata) = 0;
  virtual Result<ListResult> ListObjects(std::string_view bucket, const ListOptions& options) = 0;
  virtual Status PutObjectTags(std::string_view bucket, std::string_view key,
                               const std::map<std::string, std::string>& tags) = 0;

  // Multipart uploads.
  virtual Result<UploadInfo> CreateUpload(std::string_view bucket, std::string_view key,
                                          const PutOptions& options) = 0;
  virtual Result<PartInfo> UploadPart(std::string_view bucket, std::string_view upload_id,
                                      int part_number, std::string_view data,
                                      const std::map<std::string, std::string>& checksums) = 0;
  // `parts`: (number, etag) in the order the client lists them (must ascend; each but the
  // last at least 5 MiB).
  virtual Result<ObjectInfo> CompleteUpload(std::string_view bucket, std::string_view upload_id,
                                            const std::vector<std::pair<int, std::string>>& parts) = 0;
  virtual Status AbortUpload(std::string_view bucket, std::string_view upload_id) = 0;
  virtual Result<UploadInfo> GetUpload(std::string_view bucket, std::string_view upload_id) = 0;
  virtual Result<std::vector<PartInfo>> ListParts(std::string_view bucket, std::string_view upload_id) = 0;
  virtual Result<std::vector<UploadInfo>> ListUploads(std::string_view bucket, std::string_view prefix) = 0;
};

// Where data keys come from. The local master-key provider serves SSE-S3; a KMS-backed one
// serves SSE-KMS (a later issue).
class KeyProvider {
 public:
  virtual ~KeyProvider() = default;
  struct DataKey {
    std::string plaintext;  // 32 bytes, never stored
    std::string wrapped;    // stored with the object
  };
  virtual Result<DataKey> NewDataKey(const Encryption& encryption) = 0;
  virtual Result<std::string> UnwrapDataKey(const Encryption& encryption, std::string_view wrapped) = 0;
};

// The local backend: metadata in the KV store's "objects" family, bytes under `dir`.
inline constexpr const char* kObjectsFamily = "objects";

struct LocalStoreOptions {
  std::string dir;              // object files live here
};

// SSE-S3: data keys wrapped (AES-256-GCM) by the instance master key kept in
// `master_key_path` (32 random bytes, created with mode 0600 on first use).
Result<std::unique_ptr<KeyProvider>> OpenMasterKeyProvider(const std::string& master_key_path);

// `sse_kms` may be null until KMS exists (SSE-KMS requests then fail with KMS.NotFoundException).
Result<std::unique_ptr<ObjectStore>> OpenLocalStore(storage::KvStore* kv, const LocalStoreOptions& options,
                                                    KeyProvider* sse_s3, KeyProvider* sse_kms);

}  // namespace ot::objectstore
