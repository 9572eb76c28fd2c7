#include "services/s3/s3_access.h"

namespace ot::services::s3 {

namespace policy = auth::policy;

Status AccessDenied() { return Status::Error("AccessDenied", "Access Denied", 403); }

policy::PrincipalRef S3Access::PrincipalOf(const auth::Principal& p) {
  policy::PrincipalRef ref;
  ref.type = policy::PrincipalRef::Type::kAws;
  ref.arn = p.arn;
  ref.account_id = p.account_id;
  return ref;
}

policy::PrincipalRef S3Access::ServicePrincipal(std::string service) {
  policy::PrincipalRef ref;
  ref.type = policy::PrincipalRef::Type::kService;
  ref.service = std::move(service);
  return ref;
}

Result<std::shared_ptr<const policy::Policy>> S3Access::BucketPolicy(const std::string& bucket) {
  auto text = store_->GetBucketDocument(bucket, "policy");
  if (!text.ok()) return text.status();
  if (!text->has_value()) return std::shared_ptr<const policy::Policy>();
  std::lock_guard lock(mu_);
  auto it = cache_.find(bucket);
  if (it != cache_.end() && it->second.first == **text) return it->second.second;
  auto parsed = policy::ParsePolicy(**text, policy::PolicyKind::kResource);
  if (!parsed.ok()) return parsed.status();  // stored policies were validated on the way in
  std::shared_ptr<const policy::Policy> shared(std::move(*parsed));
  if (cache_.size() > 10'000) cache_.clear();
  cache_[bucket] = {**text, shared};
  return shared;
}

Status S3Access::Authorize(const objectstore::BucketInfo& bucket, const policy::RequestContext& request) {
  auto bucket_policy = BucketPolicy(bucket.name);
  if (!bucket_policy.ok()) return bucket_policy.status();
  policy::Decision decision =
      *bucket_policy ? (*bucket_policy)->Evaluate(request) : policy::Decision::kNoMatch;
  bool owner_account = request.principal.type == policy::PrincipalRef::Type::kAws &&
                       request.principal.account_id == bucket.owner_account;
  bool owner_root = owner_account && request.principal.arn == "arn:aws:iam::" + bucket.owner_account + ":root";
  if (decision == policy::Decision::kDeny) {
    // The owner's root can always repair a policy that locks everyone out.
    bool policy_action = request.action == "s3:GetBucketPolicy" || request.action == "s3:PutBucketPolicy" ||
                         request.action == "s3:DeleteBucketPolicy";
    if (owner_root && policy_action) return Status::Ok();
    return AccessDenied();
  }
  if (owner_account) return Status::Ok();
  return decision == policy::Decision::kAllow ? Status::Ok() : AccessDenied();
}

}  // namespace ot::services::s3
