// trails/collaborators.h — what the trail API needs from other components, as interfaces:
// the destination checks CreateTrail/UpdateTrail make (trails.md §5.1–§5.4) and the live
// delivery status GetTrailStatus reports (§6.7). Implemented by delivery/ (S3 checks,
// status) and later by the KMS/SNS/Logs services.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "trails/trail.h"

namespace ot::trails {

class DestinationChecks {
 public:
  virtual ~DestinationChecks() = default;
  // §5 #8–#9: S3BucketDoesNotExistException, InsufficientS3BucketPolicyException.
  virtual Status CheckBucket(const Trail& trail) = 0;
  // §5 #10–#12: InvalidKmsKeyIdException / KmsKeyNotFoundException / KmsException /
  // InsufficientEncryptionPolicyException. On success sets *key_arn to the full key ARN.
  virtual Status CheckKmsKey(const Trail& trail, const std::string& key_id, std::string* key_arn) = 0;
  // §5 #13: InvalidSnsTopicNameException / InsufficientSnsTopicPolicyException. On success
  // sets *topic_arn.
  virtual Status CheckSnsTopic(const Trail& trail, const std::string& name_or_arn, std::string* topic_arn) = 0;
  // §5 #14.
  virtual Status CheckCloudWatchLogs(const Trail& trail, const std::string& group_arn,
                                     const std::string& role_arn) = 0;
};

// Per trail × region delivery facts (times in epoch ms; 0 = never; errors empty = none).
struct DeliveryStatus {
  int64_t latest_delivery_ms = 0;
  std::string latest_delivery_error;
  int64_t latest_delivery_attempt_ms = 0;
  int64_t latest_delivery_attempt_succeeded_ms = 0;
  int64_t latest_notification_ms = 0;
  std::string latest_notification_error;
  int64_t latest_notification_attempt_ms = 0;
  int64_t latest_notification_attempt_succeeded_ms = 0;
  int64_t latest_cloudwatch_logs_delivery_ms = 0;
  std::string latest_cloudwatch_logs_delivery_error;
  int64_t latest_digest_delivery_ms = 0;
  std::string latest_digest_delivery_error;
};

class DeliveryStatusSource {
 public:
  virtual ~DeliveryStatusSource() = default;
  virtual DeliveryStatus Status(const Trail& trail, const std::string& region) = 0;
};

// Called by the trail API after every successful change (create, update, delete, start/stop
// logging, selectors), so delivery picks it up at once.
class TrailListener {
 public:
  virtual ~TrailListener() = default;
  virtual void TrailsChanged() = 0;
};

}  // namespace ot::trails
