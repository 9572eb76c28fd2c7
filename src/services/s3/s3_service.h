// services/s3/s3_service.h — the S3 API (REST-XML, path-style) over an ObjectStore:
// buckets, objects, multipart uploads, bucket policies, default encryption and lifecycle.
// Object calls are recorded as data events, bucket calls as management events (records.md
// §4.2); authorization goes through S3Access (owner account + bucket policy).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "objectstore/object_store.h"
#include "services/s3/s3_access.h"
#include "services/s3/s3_request.h"
#include "services/service.h"

namespace ot::services {

inline constexpr size_t kMaxS3Body = 1024u << 20;  // whole bodies are held in memory

class S3Service final : public Service {
 public:
  explicit S3Service(objectstore::ObjectStore* store);
  std::string_view name() const override { return "s3"; }
  const http::ProtocolInfo& protocol() const override { return protocol_; }
  std::vector<std::string> Operations() const override;
  bool Serves(std::string_view operation) const override;
  std::string ResolveOperation(const http::Request& request) const override;
  size_t BodyLimit() const override { return kMaxS3Body; }
  Status Handle(Call& call) override;

  s3::S3Access& access() { return access_; }

  // --- The handlers, one per operation (public only for the dispatch table in s3_service.cc).
  struct Ctx;  // one call's parsed request and the bucket it names
  using Op = Status (S3Service::*)(Ctx&);

  // Service and bucket level.
  Status ListBuckets(Ctx& c);
  Status CreateBucket(Ctx& c);
  Status DeleteBucket(Ctx& c);
  Status HeadBucket(Ctx& c);
  Status GetBucketLocation(Ctx& c);
  Status GetBucketAcl(Ctx& c);
  Status ListObjects(Ctx& c);
  Status ListObjectsV2(Ctx& c);
  Status ListMultipartUploads(Ctx& c);
  Status PutBucketPolicy(Ctx& c);
  Status GetBucketPolicy(Ctx& c);
  Status DeleteBucketPolicy(Ctx& c);
  Status PutBucketEncryption(Ctx& c);
  Status GetBucketEncryption(Ctx& c);
  Status DeleteBucketEncryption(Ctx& c);
  Status PutBucketLifecycleConfiguration(Ctx& c);
  Status GetBucketLifecycleConfiguration(Ctx& c);
  Status DeleteBucketLifecycle(Ctx& c);
  Status DeleteObjects(Ctx& c);
  // Objects.
  Status PutObject(Ctx& c);
  Status GetObject(Ctx& c);
  Status HeadObject(Ctx& c);
  Status DeleteObject(Ctx& c);
  Status CopyObject(Ctx& c);
  Status PutObjectTagging(Ctx& c);
  Status GetObjectTagging(Ctx& c);
  Status DeleteObjectTagging(Ctx& c);
  // Multipart.
  Status CreateMultipartUpload(Ctx& c);
  Status UploadPart(Ctx& c);
  Status CompleteMultipartUpload(Ctx& c);
  Status AbortMultipartUpload(Ctx& c);
  Status ListParts(Ctx& c);

 private:
  Status Authorize(Ctx& c, const std::string& action, const std::string& key_for_arn);
  Status LoadBucket(Ctx& c);

  objectstore::ObjectStore* store_;
  s3::S3Access access_;
  http::ProtocolInfo protocol_;
};

}  // namespace ot::services
