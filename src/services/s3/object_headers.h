// services/s3/object_headers.h — S3 object headers ↔ objectstore options and info.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/status.h"
#include "http/message.h"
#include "objectstore/object_store.h"
#include "services/s3/s3_request.h"

namespace ot::services::s3 {

// Content-*, Cache-Control, x-amz-meta-*, x-amz-tagging, x-amz-server-side-encryption and
// checksum headers of a write. Verifies Content-MD5 and x-amz-checksum-* against `body`
// (BadDigest / InvalidDigest). `bucket_default` is the bucket's default encryption.
Result<objectstore::PutOptions> PutOptionsFrom(const http::Request& request, std::string_view body,
                                               const objectstore::Encryption& bucket_default);

// x-amz-tagging / the Tagging document: at most 10 tags, key ≤128, value ≤256 (InvalidTag).
Result<std::map<std::string, std::string>> ParseTaggingHeader(std::string_view header);
Result<std::map<std::string, std::string>> ParseTaggingXml(std::string_view body);

// Headers describing a stored object (GET/HEAD/PUT answers).
void SetObjectHeaders(const objectstore::ObjectInfo& info, http::Response* response, bool with_checksums);

// "bytes=a-b", "bytes=a-", "bytes=-n". nullopt when absent or not a single valid range (S3
// then returns the whole object); InvalidRange when it starts past the end.
Result<std::optional<objectstore::ByteRange>> ParseRange(std::string_view header, uint64_t size);

// The bucket's default encryption document (PutBucketEncryption), or SSE-S3.
objectstore::Encryption DefaultEncryption(const std::optional<std::string>& document);

}  // namespace ot::services::s3
