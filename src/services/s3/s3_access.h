// services/s3/s3_access.h — who may do what to a bucket: the bucket owner's account, and
// whatever the bucket policy grants to other accounts and to service principals (CloudTrail
// delivering a trail's logs). Explicit Deny in the bucket policy wins over everything but the
// owner's root managing the policy itself.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "auth/policy/policy.h"
#include "auth/principal.h"
#include "common/status.h"
#include "objectstore/object_store.h"

namespace ot::services::s3 {

class S3Access {
 public:
  explicit S3Access(objectstore::ObjectStore* store) : store_(store) {}

  // `request.principal` and `request.action` ("s3:PutObject") and `request.resource` must be
  // set; condition keys as known. OK or AccessDenied (403).
  Status Authorize(const objectstore::BucketInfo& bucket, const auth::policy::RequestContext& request);

  // The policy principal of a signed caller.
  static auth::policy::PrincipalRef PrincipalOf(const auth::Principal& principal);
  static auth::policy::PrincipalRef ServicePrincipal(std::string service);

 private:
  Result<std::shared_ptr<const auth::policy::Policy>> BucketPolicy(const std::string& bucket);

  objectstore::ObjectStore* store_;
  std::mutex mu_;
  std::map<std::string, std::pair<std::string, std::shared_ptr<const auth::policy::Policy>>> cache_;
};

Status AccessDenied();

}  // namespace ot::services::s3
