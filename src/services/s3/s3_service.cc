// services/s3/s3_service.cc — dispatch, authorization and what CloudTrail logs of each call.
#include "services/s3/s3_service.h"

#include <unordered_map>

#include "services/s3/s3_context.h"

namespace ot::services {

namespace json = boost::json;
using s3::S3Request;

namespace {

struct OpEntry {
  S3Service::Op op;
  const char* action;  // IAM action checked against the bucket policy
  bool object_level;   // addresses an object (resources carry the object ARN)
  bool needs_bucket;
};

}  // namespace

// The one table of served operations: handler, IAM action, level.
static const std::unordered_map<std::string_view, OpEntry>& Ops() {
  static const std::unordered_map<std::string_view, OpEntry> ops = {
      {"ListBuckets", {&S3Service::ListBuckets, "s3:ListAllMyBuckets", false, false}},
      {"CreateBucket", {&S3Service::CreateBucket, "s3:CreateBucket", false, false}},
      {"DeleteBucket", {&S3Service::DeleteBucket, "s3:DeleteBucket", false, true}},
      {"HeadBucket", {&S3Service::HeadBucket, "s3:ListBucket", false, true}},
      {"GetBucketLocation", {&S3Service::GetBucketLocation, "s3:GetBucketLocation", false, true}},
      {"GetBucketAcl", {&S3Service::GetBucketAcl, "s3:GetBucketAcl", false, true}},
      {"ListObjects", {&S3Service::ListObjects, "s3:ListBucket", false, true}},
      {"ListObjectsV2", {&S3Service::ListObjectsV2, "s3:ListBucket", false, true}},
      {"ListMultipartUploads", {&S3Service::ListMultipartUploads, "s3:ListBucketMultipartUploads", false, true}},
      {"PutBucketPolicy", {&S3Service::PutBucketPolicy, "s3:PutBucketPolicy", false, true}},
      {"GetBucketPolicy", {&S3Service::GetBucketPolicy, "s3:GetBucketPolicy", false, true}},
      {"DeleteBucketPolicy", {&S3Service::DeleteBucketPolicy, "s3:DeleteBucketPolicy", false, true}},
      {"PutBucketEncryption", {&S3Service::PutBucketEncryption, "s3:PutEncryptionConfiguration", false, true}},
      {"GetBucketEncryption", {&S3Service::GetBucketEncryption, "s3:GetEncryptionConfiguration", false, true}},
      {"DeleteBucketEncryption", {&S3Service::DeleteBucketEncryption, "s3:PutEncryptionConfiguration", false, true}},
      {"PutBucketLifecycleConfiguration", {&S3Service::PutBucketLifecycleConfiguration, "s3:PutLifecycleConfiguration", false, true}},
      {"GetBucketLifecycleConfiguration", {&S3Service::GetBucketLifecycleConfiguration, "s3:GetLifecycleConfiguration", false, true}},
      {"DeleteBucketLifecycle", {&S3Service::DeleteBucketLifecycle, "s3:PutLifecycleConfiguration", false, true}},
      {"DeleteObjects", {&S3Service::DeleteObjects, "s3:DeleteObject", false, true}},
      {"PutObject", {&S3Service::PutObject, "s3:PutObject", true, true}},
      {"GetObject", {&S3Service::GetObject, "s3:GetObject", true, true}},
      {"HeadObject", {&S3Service::HeadObject, "s3:GetObject", true, true}},
      {"DeleteObject", {&S3Service::DeleteObject, "s3:DeleteObject", true, true}},
      {"CopyObject", {&S3Service::CopyObject, "s3:PutObject", true, true}},
      {"PutObjectTagging", {&S3Service::PutObjectTagging, "s3:PutObjectTagging", true, true}},
      {"GetObjectTagging", {&S3Service::GetObjectTagging, "s3:GetObjectTagging", true, true}},
      {"DeleteObjectTagging", {&S3Service::DeleteObjectTagging, "s3:DeleteObjectTagging", true, true}},
      {"CreateMultipartUpload", {&S3Service::CreateMultipartUpload, "s3:PutObject", true, true}},
      {"UploadPart", {&S3Service::UploadPart, "s3:PutObject", true, true}},
      {"CompleteMultipartUpload", {&S3Service::CompleteMultipartUpload, "s3:PutObject", true, true}},
      {"AbortMultipartUpload", {&S3Service::AbortMultipartUpload, "s3:AbortMultipartUpload", true, true}},
      {"ListParts", {&S3Service::ListParts, "s3:ListMultipartUploadParts", true, true}},
  };
  return ops;
}

S3Service::S3Service(objectstore::ObjectStore* store) : store_(store), access_(store) {
  protocol_.protocol = http::Protocol::kRestXml;
}

std::vector<std::string> S3Service::Operations() const {
  std::vector<std::string> out;
  for (auto& [name, entry] : Ops()) out.emplace_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

bool S3Service::Serves(std::string_view operation) const { return Ops().count(operation) > 0; }

std::string S3Service::ResolveOperation(const http::Request& request) const {
  auto parsed = s3::ParseS3Request(request, /*validate_key=*/false);
  if (!parsed.ok()) return {};
  return s3::ResolveS3Operation(request, *parsed);
}

Status S3Service::LoadBucket(Ctx& c) {
  auto bucket = store_->GetBucket(c.req.bucket);
  if (!bucket.ok()) return bucket.status();
  c.bucket = std::move(*bucket);
  c.bucket_loaded = true;
  return Status::Ok();
}

Status S3Service::Authorize(Ctx& c, const std::string& action, const std::string& key_for_arn) {
  auth::policy::RequestContext rc;
  rc.action = action;
  rc.resource = "arn:aws:s3:::" + c.req.bucket + (key_for_arn.empty() ? "" : "/" + key_for_arn);
  rc.principal = s3::S3Access::PrincipalOf(*c.call.principal);
  rc.keys["aws:SourceIp"] = {c.http.remote_ip};
  rc.keys["aws:SecureTransport"] = {c.http.tls ? "true" : "false"};
  rc.keys["aws:PrincipalAccount"] = {c.call.principal->account_id};
  rc.keys["aws:PrincipalArn"] = {c.call.principal->arn};
  rc.keys["aws:PrincipalType"] = {c.call.principal->type == "Root" ? "Account" : c.call.principal->type};
  if (auto acl = c.http.Header("x-amz-acl"); !acl.empty()) rc.keys["s3:x-amz-acl"] = {std::string(acl)};
  if (auto sse = c.http.Header("x-amz-server-side-encryption"); !sse.empty())
    rc.keys["s3:x-amz-server-side-encryption"] = {std::string(sse)};
  if (action == "s3:ListBucket") rc.keys["s3:prefix"] = {c.req.Get("prefix")};
  return access_.Authorize(c.bucket, rc);
}

Status S3Service::Handle(Call& call) {
  auto parsed = s3::ParseS3Request(*call.http);
  if (!parsed.ok()) return parsed.status();
  auto entry = Ops().find(call.operation);
  if (entry == Ops().end())
    return s3::UnsupportedRequest();
  Ctx c{call, std::move(*parsed), *call.http, call.rest_response};

  // What CloudTrail logs of every S3 call (records.md §2.7–2.9).
  json::object params;
  if (!c.req.bucket.empty()) params["bucketName"] = c.req.bucket;
  params["Host"] = std::string(c.http.Header("host"));
  if (entry->second.object_level) params["key"] = c.req.key;
  for (const char* marker : {"acl", "policy", "location", "encryption", "lifecycle", "uploads", "delete", "tagging"})
    if (c.req.Has(marker)) params[marker] = "";
  for (const char* member : {"list-type", "prefix", "delimiter", "max-keys", "encoding-type", "start-after",
                             "continuation-token", "marker", "uploadId", "partNumber"})
    if (c.req.Has(member)) params[member] = c.req.Get(member);
  c.params = std::move(params);

  Status status;
  if (entry->second.needs_bucket) status = LoadBucket(c);
  if (status.ok() && entry->second.needs_bucket && call.operation != "DeleteObjects")
    status = Authorize(c, entry->second.action, entry->second.object_level ? c.req.key : "");
  if (status.ok()) status = (this->*(entry->second.op))(c);

  call.request_parameters = std::move(c.params);
  if (!c.response_elements.empty()) call.response_elements = std::move(c.response_elements);
  call.additional_event_data = json::object{
      {"SignatureVersion", "SigV4"},
      {"bytesTransferredIn", static_cast<int64_t>(c.http.body.size())},
      {"AuthenticationMethod", call.presigned ? "QueryString" : "AuthHeader"},
      {"x-amz-id-2", call.request_id},
      {"bytesTransferredOut", static_cast<int64_t>(call.rest_response.stream ? call.rest_response.stream->Size()
                                                                             : call.rest_response.body.size())}};
  std::string bucket_arn = "arn:aws:s3:::" + c.req.bucket;
  std::string owner = c.bucket_loaded ? c.bucket.owner_account : call.principal->account_id;
  if (entry->second.object_level) {
    call.resources.push_back(json::object{{"type", "AWS::S3::Object"}, {"ARN", bucket_arn + "/" + c.req.key}});
  } else if (call.operation == "ListObjects" || call.operation == "ListObjectsV2" ||
             call.operation == "ListMultipartUploads") {
    call.resources.push_back(json::object{{"type", "AWS::S3::Object"}, {"ARNPrefix", bucket_arn + "/" + c.req.Get("prefix")}});
  }
  if (!c.req.bucket.empty())
    call.resources.push_back(json::object{{"accountId", owner}, {"type", "AWS::S3::Bucket"}, {"ARN", bucket_arn}});
  return status;
}

}  // namespace ot::services
