// objectstore/meta.h — (private) the local backend's metadata: key layout and record codecs.
//
// Everything lives in the "objects" family, ordered bytewise:
//   'b' bucket                              → BucketInfo           (ListBuckets: one scan)
//   'd' bucket \0 kind                      → document text
//   'o' bucket \0 key                       → ObjectRecord         (ListObjects: one scan)
//   'u' bucket \0 upload_id                 → UploadRecord
//   'p' bucket \0 upload_id \0 BE32(number) → PartRecord           (ascending part numbers)
// Bucket names never contain \0 (S3 naming rules; the store rejects them anyway), so
// "bucket \0" is an exact prefix and keys (which may contain anything) sort in byte order
// inside it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "objectstore/object_store.h"

namespace ot::objectstore::meta {

std::string BucketKey(std::string_view bucket);
std::string DocKey(std::string_view bucket, std::string_view kind);
std::string DocPrefix(std::string_view bucket);
std::string ObjectPrefix(std::string_view bucket);
std::string ObjectKey(std::string_view bucket, std::string_view key);
std::string UploadPrefix(std::string_view bucket);
std::string UploadKey(std::string_view bucket, std::string_view upload_id);
std::string PartPrefix(std::string_view bucket, std::string_view upload_id);
std::string PartKey(std::string_view bucket, std::string_view upload_id, int number);
// The smallest string greater than every string starting with `prefix` ("" when none).
std::string PrefixEnd(std::string_view prefix);

// One encrypted file: the immutable unit of object data on disk.
struct Segment {
  std::string file_id;        // 32 lowercase hex chars; the file's name
  uint64_t size = 0;          // plaintext bytes
  uint32_t chunk_size = 0;    // plaintext bytes per sealed chunk
  std::string nonce_prefix;   // 4 bytes
  std::string wrapped_key;    // data key wrapped by the KeyProvider
};

// An object: its S3-visible attributes (ObjectInfo without bucket/key) and its data, the
// concatenation of `segments` (one for PutObject/CopyObject, the parts for multipart).
struct ObjectRecord {
  ObjectInfo info;
  std::vector<Segment> segments;
};

struct UploadRecord {
  UploadInfo info;
};

struct PartRecord {
  PartInfo info;
  Segment segment;
};

std::string Encode(const BucketInfo& b);
bool Decode(std::string_view in, BucketInfo* b);
std::string Encode(const ObjectRecord& r);
bool Decode(std::string_view in, ObjectRecord* r);
std::string Encode(const UploadRecord& r);
bool Decode(std::string_view in, UploadRecord* r);
std::string Encode(const PartRecord& r);
bool Decode(std::string_view in, PartRecord* r);

}  // namespace ot::objectstore::meta
