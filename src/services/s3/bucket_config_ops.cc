// services/s3/bucket_config_ops.cc — bucket policy, default encryption, lifecycle.
#include "auth/policy/policy.h"
#include "services/s3/lifecycle.h"
#include "services/s3/s3_context.h"
#include "services/s3/s3_xml.h"

namespace ot::services {

namespace {
http::Response NoContent() {
  http::Response r;
  r.status = 204;
  return r;
}
}  // namespace

Status S3Service::PutBucketPolicy(Ctx& c) {
  auto parsed = auth::policy::ParsePolicy(c.http.body, auth::policy::PolicyKind::kResource);
  if (!parsed.ok()) return Status::Error("MalformedPolicy", parsed.status().message(), 400);
  boost::system::error_code ec;
  auto logged = boost::json::parse(c.http.body, ec);
  if (!ec) c.params["bucketPolicy"] = std::move(logged);
  OT_RETURN_IF_ERROR(store_->PutBucketDocument(c.req.bucket, "policy", c.http.body));
  c.res = NoContent();
  return Status::Ok();
}

Status S3Service::GetBucketPolicy(Ctx& c) {
  auto doc = store_->GetBucketDocument(c.req.bucket, "policy");
  if (!doc.ok()) return doc.status();
  if (!doc->has_value()) return Status::Error("NoSuchBucketPolicy", "The bucket policy does not exist", 404);
  c.res = http::Response{};
  c.res.Set("Content-Type", "application/json");
  c.res.body = **doc;
  return Status::Ok();
}

Status S3Service::DeleteBucketPolicy(Ctx& c) {
  OT_RETURN_IF_ERROR(store_->DeleteBucketDocument(c.req.bucket, "policy"));
  c.res = NoContent();
  return Status::Ok();
}

Status S3Service::PutBucketEncryption(Ctx& c) {
  auto doc = s3::ParseXmlBody(c.http.body, "ServerSideEncryptionConfiguration");
  if (!doc.ok()) return doc.status();
  pugi::xml_node rule = s3::Child((*doc)->document_element(), "Rule");
  pugi::xml_node def = s3::Child(rule, "ApplyServerSideEncryptionByDefault");
  std::string algorithm = s3::ChildText(def, "SSEAlgorithm");
  if (!rule || !def || (algorithm != "AES256" && algorithm != "aws:kms" && algorithm != "aws:kms:dsse"))
    return Status::Error("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema", 400);
  if (algorithm == "AES256" && !s3::ChildText(def, "KMSMasterKeyID").empty())
    return Status::Error("InvalidArgument", "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse", 400);
  c.params["ServerSideEncryptionConfiguration"] =
      boost::json::object{{"rules", boost::json::array{boost::json::object{
                                        {"applyServerSideEncryptionByDefault", boost::json::object{{"sSEAlgorithm", algorithm}}}}}}};
  OT_RETURN_IF_ERROR(store_->PutBucketDocument(c.req.bucket, "encryption", c.http.body));
  c.res = http::Response{};
  return Status::Ok();
}

Status S3Service::GetBucketEncryption(Ctx& c) {
  auto doc = store_->GetBucketDocument(c.req.bucket, "encryption");
  if (!doc.ok()) return doc.status();
  c.res = http::Response{};
  c.res.Set("Content-Type", "application/xml");
  if (doc->has_value()) {
    c.res.body = **doc;
  } else {
    // Every bucket encrypts with SSE-S3 unless told otherwise.
    s3::XmlOut x;
    x.Open("ServerSideEncryptionConfiguration", true).Open("Rule").Open("ApplyServerSideEncryptionByDefault")
        .Leaf("SSEAlgorithm", "AES256").Close("ApplyServerSideEncryptionByDefault").Leaf("BucketKeyEnabled", "false")
        .Close("Rule").Close("ServerSideEncryptionConfiguration");
    c.res.body = x.Take();
  }
  return Status::Ok();
}

Status S3Service::DeleteBucketEncryption(Ctx& c) {
  OT_RETURN_IF_ERROR(store_->DeleteBucketDocument(c.req.bucket, "encryption"));
  c.res = NoContent();
  return Status::Ok();
}

Status S3Service::PutBucketLifecycleConfiguration(Ctx& c) {
  auto rules = s3::ParseLifecycle(c.http.body);
  if (!rules.ok()) return rules.status();
  OT_RETURN_IF_ERROR(store_->PutBucketDocument(c.req.bucket, "lifecycle", c.http.body));
  c.res = http::Response{};
  return Status::Ok();
}

Status S3Service::GetBucketLifecycleConfiguration(Ctx& c) {
  auto doc = store_->GetBucketDocument(c.req.bucket, "lifecycle");
  if (!doc.ok()) return doc.status();
  if (!doc->has_value())
    return Status::Error("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist", 404);
  c.res = http::Response{};
  c.res.Set("Content-Type", "application/xml");
  c.res.body = **doc;
  return Status::Ok();
}

Status S3Service::DeleteBucketLifecycle(Ctx& c) {
  OT_RETURN_IF_ERROR(store_->DeleteBucketDocument(c.req.bucket, "lifecycle"));
  c.res = NoContent();
  return Status::Ok();
}

}  // namespace ot::services
