// services/s3/s3_request.h — reading an S3 REST request: path-style bucket and key, query
// sub-resources, the operation it addresses, and S3's naming rules.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "http/message.h"

namespace ot::services::s3 {

struct S3Request {
  std::string bucket;                        // empty for service-level calls (ListBuckets)
  std::string key;                           // decoded object key, empty for bucket calls
  std::map<std::string, std::string> query;  // decoded query parameters
  bool has_key_path = false;                 // the path had a '/' after the bucket

  bool Has(std::string_view name) const { return query.count(std::string(name)) > 0; }
  std::string Get(std::string_view name) const {
    auto it = query.find(std::string(name));
    return it == query.end() ? std::string() : it->second;
  }
};

// Splits "/bucket/key?query". Errors: InvalidURI for bad percent-encoding or invalid UTF-8
// in the key, KeyTooLongError over 1,024 bytes.
// With validate_key false the key's length and content are not checked (to tell the
// operation of a request whose key will then be refused).
Result<S3Request> ParseS3Request(const http::Request& request, bool validate_key = true);

// The S3 operation (SDK name) a request addresses, or "" when none is served.
std::string ResolveS3Operation(const http::Request& request, const S3Request& parsed);

// The answer to a request ResolveS3Operation leaves without an operation: an S3 feature
// outside opentrail's S3 surface (bucket versioning, CORS, website, replication, object
// lock, ACL writes, ...). S3's own code, NotImplemented, with 400 rather than S3's 501 so
// that the server never answers a client's request with a 5xx.
Status UnsupportedRequest();

// AWS bucket naming rules (3–63 chars, lowercase letters, digits, '.', '-', ...).
bool ValidBucketName(std::string_view name);

}  // namespace ot::services::s3
