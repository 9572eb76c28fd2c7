#include "services/s3/s3_request.h"

#include "auth/sigv4.h"

namespace ot::services::s3 {

namespace {

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

}  // namespace

Result<S3Request> ParseS3Request(const http::Request& request, bool validate_key) {
  S3Request r;
  std::string_view path = request.Path();
  if (path.empty() || path[0] != '/') return Status::Error("InvalidURI", "Couldn't parse the specified URI.", 400);
  path.remove_prefix(1);
  auto slash = path.find('/');
  std::string_view raw_bucket = path.substr(0, slash);
  if (!auth::UriDecode(raw_bucket, &r.bucket)) return Status::Error("InvalidURI", "Couldn't parse the specified URI.", 400);
  if (slash != std::string_view::npos) {
    r.has_key_path = true;
    std::string_view raw_key = path.substr(slash + 1);
    if (!auth::UriDecode(raw_key, &r.key) || (validate_key && !ValidUtf8(r.key)))
      return Status::Error("InvalidURI", "Couldn't parse the specified URI.", 400);
    if (validate_key && r.key.size() > 1024)
      return Status::Error("KeyTooLongError", "Your key is too long", 400);
    if (validate_key && r.key.find('\0') != std::string::npos)
      return Status::Error("InvalidArgument", "Object keys must not contain NUL characters.", 400);
  }
  std::string_view q = request.Query();
  size_t count = 0;
  while (!q.empty()) {
    auto amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (pair.empty()) continue;
    if (++count > 1000) return Status::Error("InvalidURI", "Too many query parameters.", 400);
    auto eq = pair.find('=');
    std::string name, value;
    if (!auth::UriDecode(pair.substr(0, eq), &name, true) ||
        (eq != std::string_view::npos && !auth::UriDecode(pair.substr(eq + 1), &value, true)))
      return Status::Error("InvalidURI", "Couldn't parse the specified URI.", 400);
    r.query[name] = value;
  }
  return r;
}

Status UnsupportedRequest() {
  return Status::Error("NotImplemented",
                       "This S3 request is outside opentrail's S3 surface (see the README's list of S3 operations)",
                       400);
}

std::string ResolveS3Operation(const http::Request& request, const S3Request& r) {
  const std::string& m = request.method;
  if (r.bucket.empty()) return m == "GET" ? "ListBuckets" : "";
  bool object = r.has_key_path && !r.key.empty();
  if (!object) {
    if (m == "PUT") {
      if (r.Has("policy")) return "PutBucketPolicy";
      if (r.Has("encryption")) return "PutBucketEncryption";
      if (r.Has("lifecycle")) return "PutBucketLifecycleConfiguration";
      if (r.query.empty()) return "CreateBucket";
      return "";
    }
    if (m == "GET") {
      if (r.Has("location")) return "GetBucketLocation";
      if (r.Has("acl")) return "GetBucketAcl";
      if (r.Has("policy")) return "GetBucketPolicy";
      if (r.Has("encryption")) return "GetBucketEncryption";
      if (r.Has("lifecycle")) return "GetBucketLifecycleConfiguration";
      if (r.Has("uploads")) return "ListMultipartUploads";
      for (const char* unsupported : {"versioning", "tagging", "cors", "website", "logging", "notification",
                                      "replication", "versions", "object-lock", "publicAccessBlock",
                                      "ownershipControls", "accelerate", "requestPayment", "analytics",
                                      "inventory", "metrics", "intelligent-tiering", "policyStatus"})
        if (r.Has(unsupported)) return "";
      if (r.Get("list-type") == "2") return "ListObjectsV2";
      return "ListObjects";
    }
    if (m == "DELETE") {
      if (r.Has("policy")) return "DeleteBucketPolicy";
      if (r.Has("encryption")) return "DeleteBucketEncryption";
      if (r.Has("lifecycle")) return "DeleteBucketLifecycle";
      if (r.query.empty()) return "DeleteBucket";
      return "";
    }
    if (m == "HEAD") return "HeadBucket";
    if (m == "POST" && r.Has("delete")) return "DeleteObjects";
    return "";
  }
  if (m == "PUT") {
    if (r.Has("uploadId") && r.Has("partNumber"))
      return request.Header("x-amz-copy-source").empty() ? "UploadPart" : "";
    if (r.Has("tagging")) return "PutObjectTagging";
    if (r.Has("acl") || r.Has("retention") || r.Has("legal-hold")) return "";
    if (!request.Header("x-amz-copy-source").empty()) return "CopyObject";
    return "PutObject";
  }
  if (m == "GET") {
    if (r.Has("uploadId")) return "ListParts";
    if (r.Has("tagging")) return "GetObjectTagging";
    if (r.Has("acl") || r.Has("attributes") || r.Has("torrent") || r.Has("retention") || r.Has("legal-hold"))
      return "";
    return "GetObject";
  }
  if (m == "HEAD") return "HeadObject";
  if (m == "DELETE") {
    if (r.Has("uploadId")) return "AbortMultipartUpload";
    if (r.Has("tagging")) return "DeleteObjectTagging";
    return "DeleteObject";
  }
  if (m == "POST") {
    if (r.Has("uploads")) return "CreateMultipartUpload";
    if (r.Has("uploadId")) return "CompleteMultipartUpload";
    return "";
  }
  return "";
}

bool ValidBucketName(std::string_view n) {
  if (n.size() < 3 || n.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(n.front()) || !alnum(n.back())) return false;
  for (size_t i = 0; i < n.size(); ++i) {
    char c = n[i];
    if (!alnum(c) && c != '.' && c != '-') return false;
    if (c == '.' && i + 1 < n.size() && (n[i + 1] == '.' || n[i + 1] == '-')) return false;
    if (c == '-' && i + 1 < n.size() && n[i + 1] == '.') return false;
  }
  // Not formatted as an IP address.
  int dots = 0;
  bool digits_and_dots = true;
  for (char c : n) {
    if (c == '.') ++dots;
    else if (c < '0' || c > '9') digits_and_dots = false;
  }
  if (digits_and_dots && dots == 3) return false;
  for (std::string_view bad_prefix : {"xn--", "sthree-", "amzn-s3-demo-"})
    if (n.starts_with(bad_prefix)) return false;
  for (std::string_view bad_suffix : {"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"})
    if (n.ends_with(bad_suffix)) return false;
  return true;
}

}  // namespace ot::services::s3
