// recorder/operation_table.h — AWS's classification of every operation of every service
// opentrail serves: the CloudTrail eventName, management vs data, readOnly, the resource type.
//
// One table for the whole program (records.md §4). Generated from botocore's service models
// by scripts/gen_operation_table.py into operation_table.cc; classification rules live in
// that script. A test fails when a served operation has no entry.
#pragma once

#include <span>
#include <string_view>

namespace ot::recorder {

struct OperationInfo {
  std::string_view service;        // credential-scope name: "sts", "s3", "cloudtrail", ...
  std::string_view operation;      // SDK/API operation name: "GetBucketLifecycleConfiguration"
  std::string_view event_name;     // CloudTrail eventName: "GetBucketLifecycle"
  std::string_view event_source;   // "s3.amazonaws.com"
  bool management;                 // managementEvent / eventCategory Management vs Data
  bool read_only;                  // readOnly
  std::string_view resource_type;  // "AWS::S3::Object", "AWS::S3::Bucket", ... or ""
};

// nullptr when the operation is unknown.
const OperationInfo* FindOperation(std::string_view service, std::string_view operation);
std::span<const OperationInfo> AllOperations();

}  // namespace ot::recorder
