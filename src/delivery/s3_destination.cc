#include "delivery/s3_destination.h"

namespace ot::delivery {

namespace {

auth::policy::RequestContext CloudTrailRequest(const trails::Trail& trail, std::string action, std::string resource) {
  auth::policy::RequestContext rc;
  rc.action = std::move(action);
  rc.resource = std::move(resource);
  rc.principal = services::s3::S3Access::ServicePrincipal("cloudtrail.amazonaws.com");
  rc.keys["aws:SourceArn"] = {trail.arn()};
  rc.keys["aws:SourceAccount"] = {trail.account};
  rc.keys["aws:PrincipalIsAWSService"] = {"true"};
  rc.keys["aws:PrincipalServiceName"] = {"cloudtrail.amazonaws.com"};
  rc.keys["aws:SecureTransport"] = {"true"};
  return rc;
}

std::string LogsFolder(const trails::Trail& trail) {
  std::string path = "arn:aws:s3:::" + trail.s3_bucket + "/";
  if (!trail.s3_key_prefix.empty()) path += trail.s3_key_prefix + "/";
  return path + "AWSLogs/" + trail.account + "/";
}

}  // namespace

Status S3Destination::CheckBucket(const trails::Trail& trail) {
  auto bucket = store_->GetBucket(trail.s3_bucket);
  if (!bucket.ok()) {
    if (bucket.status().code() == "NoSuchBucket")
      return Status::Error("S3BucketDoesNotExistException", "S3 bucket " + trail.s3_bucket + " does not exist.", 400);
    return bucket.status();
  }
  auto acl = CloudTrailRequest(trail, "s3:GetBucketAcl", "arn:aws:s3:::" + trail.s3_bucket);
  auto put = CloudTrailRequest(trail, "s3:PutObject", LogsFolder(trail) + "CloudTrail/");
  put.keys["s3:x-amz-acl"] = {"bucket-owner-full-control"};
  put.keys["s3:x-amz-server-side-encryption"] = {"AES256"};
  if (!access_->Authorize(*bucket, acl).ok() || !access_->Authorize(*bucket, put).ok())
    return Status::Error("InsufficientS3BucketPolicyException",
                         "Incorrect S3 bucket policy is detected for bucket: " + trail.s3_bucket, 400);
  return Status::Ok();
}

Status S3Destination::CheckKmsKey(const trails::Trail&, const std::string& key_id, std::string*) {
  // The KMS service is not served yet: no key exists.
  return Status::Error("KmsKeyNotFoundException", "KMS key " + key_id + " not found.", 400);
}

Status S3Destination::CheckSnsTopic(const trails::Trail&, const std::string&, std::string*) {
  return Status::Error("InsufficientSnsTopicPolicyException", "SNS Topic does not exist or the topic policy is incorrect!", 400);
}

Status S3Destination::CheckCloudWatchLogs(const trails::Trail&, const std::string&, const std::string&) {
  return Status::Error("InvalidCloudWatchLogsLogGroupArnException", "Check the log group ARN: CloudTrail can't validate it.", 400);
}

Status S3Destination::Write(const trails::Trail& trail, const std::string& key, const std::string& gzipped,
                            const std::map<std::string, std::string>& user_metadata, const std::string& content_type) {
  auto bucket = store_->GetBucket(trail.s3_bucket);
  if (!bucket.ok()) return bucket.status();
  auto put = CloudTrailRequest(trail, "s3:PutObject", "arn:aws:s3:::" + trail.s3_bucket + "/" + key);
  put.keys["s3:x-amz-acl"] = {"bucket-owner-full-control"};
  put.keys["s3:x-amz-server-side-encryption"] = {"AES256"};
  OT_RETURN_IF_ERROR(access_->Authorize(*bucket, put));
  objectstore::PutOptions options;
  options.content_type = content_type;
  options.content_encoding = "gzip";
  options.user_metadata = user_metadata;  // lowercase names: validators read them verbatim
  auto written = store_->PutObject(trail.s3_bucket, key, gzipped, options);
  return written.ok() ? Status::Ok() : written.status();
}

}  // namespace ot::delivery
