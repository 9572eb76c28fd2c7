// delivery/s3_destination.h — CloudTrail's side of the bucket: the checks CreateTrail and
// UpdateTrail make (trails.md §5), and writing log files as the service principal
// `cloudtrail.amazonaws.com` so the bucket policy decides (delivery.md §3, §8).
#pragma once

#include <map>
#include <string>

#include "objectstore/object_store.h"
#include "services/s3/s3_access.h"
#include "trails/collaborators.h"

namespace ot::delivery {

class S3Destination final : public trails::DestinationChecks {
 public:
  S3Destination(objectstore::ObjectStore* store, services::s3::S3Access* access)
      : store_(store), access_(access) {}

  Status CheckBucket(const trails::Trail& trail) override;
  Status CheckKmsKey(const trails::Trail& trail, const std::string& key_id, std::string* key_arn) override;
  Status CheckSnsTopic(const trails::Trail& trail, const std::string& name_or_arn, std::string* topic_arn) override;
  Status CheckCloudWatchLogs(const trails::Trail& trail, const std::string& group_arn,
                             const std::string& role_arn) override;

  // Writes one object as CloudTrail would. Errors carry S3's code (AccessDenied,
  // NoSuchBucket, ServiceUnavailable, ...) for LatestDeliveryError.
  Status Write(const trails::Trail& trail, const std::string& key, const std::string& gzipped,
               const std::map<std::string, std::string>& user_metadata = {},
               const std::string& content_type = "application/json");

 private:
  objectstore::ObjectStore* store_;
  services::s3::S3Access* access_;
};

}  // namespace ot::delivery
