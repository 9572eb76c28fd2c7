// services/s3/bucket_ops.cc — service- and bucket-level S3 calls and listings.
#include <algorithm>
#include <charconv>

#include "auth/sigv4.h"
#include "common/crypto.h"
#include "common/time.h"
#include "services/s3/s3_context.h"
#include "services/s3/s3_xml.h"

namespace ot::services {

using s3::XmlOut;

namespace {

// S3 identifies accounts by a 64-hex canonical user id.
std::string CanonicalId(const std::string& account) { return Sha256Hex("opentrail-canonical:" + account); }

void WriteOwner(XmlOut& x, const char* element, const std::string& account) {
  x.Open(element).Leaf("ID", CanonicalId(account)).Leaf("DisplayName", account).Close(element);
}

http::Response XmlResponse(std::string body, int status = 200) {
  http::Response r;
  r.status = status;
  r.Set("Content-Type", "application/xml");
  r.body = std::move(body);
  return r;
}

Result<size_t> MaxKeys(const s3::S3Request& req, const char* name) {
  if (!req.Has(name)) return size_t{1000};
  std::string v = req.Get(name);
  int64_t n = -1;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < 0)
    return Status::Error("InvalidArgument", std::string("Provided ") + name + " not an integer or within integer range", 400);
  return static_cast<size_t>(std::min<int64_t>(n, 1000));
}

std::string Enc(const std::string& s, bool url) { return url ? auth::UriEncode(s, false) : s; }

}  // namespace

Status S3Service::ListBuckets(Ctx& c) {
  auto all = store_->ListBuckets();
  if (!all.ok()) return all.status();
  const std::string& account = c.call.principal->account_id;
  XmlOut x;
  x.Open("ListAllMyBucketsResult", true);
  WriteOwner(x, "Owner", account);
  x.Open("Buckets");
  for (auto& b : *all) {
    if (b.owner_account != account) continue;
    x.Open("Bucket").Leaf("Name", b.name).Leaf("CreationDate", s3::S3Time(b.created_ms)).Close("Bucket");
  }
  x.Close("Buckets").Close("ListAllMyBucketsResult");
  c.res = XmlResponse(x.Take());
  return Status::Ok();
}

Status S3Service::CreateBucket(Ctx& c) {
  if (!s3::ValidBucketName(c.req.bucket))
    return Status::Error("InvalidBucketName", "The specified bucket is not valid.", 400);
  std::string region = c.call.region;
  if (!c.http.body.empty()) {
    auto doc = s3::ParseXmlBody(c.http.body, "CreateBucketConfiguration");
    if (!doc.ok()) return doc.status();
    std::string constraint = s3::ChildText((*doc)->document_element(), "LocationConstraint");
    if (!constraint.empty()) {
      c.params["CreateBucketConfiguration"] = boost::json::object{{"LocationConstraint", constraint}};
      if (constraint != c.call.region)
        return Status::Error("IllegalLocationConstraintException",
                             "The " + constraint + " location constraint is incompatible for the region specific endpoint this request was sent to.", 400);
      region = constraint;
    }
  } else if (region != "us-east-1") {
    return Status::Error("IllegalLocationConstraintException",
                         "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.", 400);
  }
  if (auto existing = store_->GetBucket(c.req.bucket); existing.ok()) {
    if (existing->owner_account != c.call.principal->account_id)
      return Status::Error("BucketAlreadyExists",
                           "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.", 409);
    if (region != "us-east-1")
      return Status::Error("BucketAlreadyOwnedByYou",
                           "Your previous request to create the named bucket succeeded and you already own it.", 409);
  } else {
    objectstore::BucketInfo info{c.req.bucket, c.call.principal->account_id, region, NowMillis()};
    Status s = store_->CreateBucket(info);
    if (!s.ok()) return s;
  }
  c.res = http::Response{};
  c.res.Set("Location", "/" + c.req.bucket);
  return Status::Ok();
}

Status S3Service::DeleteBucket(Ctx& c) {
  OT_RETURN_IF_ERROR(store_->DeleteBucket(c.req.bucket));
  c.res = http::Response{};
  c.res.status = 204;
  return Status::Ok();
}

Status S3Service::HeadBucket(Ctx& c) {
  c.res = http::Response{};
  c.res.Set("x-amz-bucket-region", c.bucket.region);
  return Status::Ok();
}

Status S3Service::GetBucketLocation(Ctx& c) {
  XmlOut x;
  x.Open("LocationConstraint", true);
  std::string body = x.Take();
  if (c.bucket.region != "us-east-1") body += http::XmlEscape(c.bucket.region);
  body += "</LocationConstraint>";
  c.res = XmlResponse(std::move(body));
  return Status::Ok();
}

Status S3Service::GetBucketAcl(Ctx& c) {
  XmlOut x;
  x.Open("AccessControlPolicy", true);
  WriteOwner(x, "Owner", c.bucket.owner_account);
  std::string body = x.Take();
  body += "<AccessControlList><Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
          "xsi:type=\"CanonicalUser\"><ID>" + CanonicalId(c.bucket.owner_account) + "</ID><DisplayName>" +
          c.bucket.owner_account + "</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant>"
          "</AccessControlList></AccessControlPolicy>";
  c.res = XmlResponse(std::move(body));
  return Status::Ok();
}

Status S3Service::ListObjects(Ctx& c) {
  auto max = MaxKeys(c.req, "max-keys");
  if (!max.ok()) return max.status();
  bool url = c.req.Get("encoding-type") == "url";
  if (c.req.Has("encoding-type") && !url)
    return Status::Error("InvalidArgument", "Invalid Encoding Method specified in Request", 400);
  objectstore::ListOptions opts{c.req.Get("prefix"), c.req.Get("delimiter"), c.req.Get("marker"), *max};
  auto list = store_->ListObjects(c.req.bucket, opts);
  if (!list.ok()) return list.status();
  XmlOut x;
  x.Open("ListBucketResult", true).Leaf("Name", c.req.bucket).Leaf("Prefix", Enc(opts.prefix, url))
      .Leaf("Marker", Enc(opts.start_after, url)).Leaf("MaxKeys", static_cast<int64_t>(*max));
  if (!opts.delimiter.empty()) x.Leaf("Delimiter", Enc(opts.delimiter, url));
  if (url) x.Leaf("EncodingType", "url");
  x.Leaf("IsTruncated", list->truncated ? "true" : "false");
  if (list->truncated && !opts.delimiter.empty()) x.Leaf("NextMarker", Enc(list->last_key, url));
  for (auto& o : list->objects) {
    x.Open("Contents").Leaf("Key", Enc(o.key, url)).Leaf("LastModified", s3::S3Time(o.last_modified_ms))
        .Leaf("ETag", o.etag).Leaf("Size", static_cast<int64_t>(o.size));
    WriteOwner(x, "Owner", c.bucket.owner_account);
    x.Leaf("StorageClass", "STANDARD").Close("Contents");
  }
  for (auto& p : list->common_prefixes) x.Open("CommonPrefixes").Leaf("Prefix", Enc(p, url)).Close("CommonPrefixes");
  x.Close("ListBucketResult");
  c.res = XmlResponse(x.Take());
  return Status::Ok();
}

Status S3Service::ListObjectsV2(Ctx& c) {
  auto max = MaxKeys(c.req, "max-keys");
  if (!max.ok()) return max.status();
  bool url = c.req.Get("encoding-type") == "url";
  if (c.req.Has("encoding-type") && !url)
    return Status::Error("InvalidArgument", "Invalid Encoding Method specified in Request", 400);
  std::string after = c.req.Get("start-after");
  std::string token = c.req.Get("continuation-token");
  if (c.req.Has("continuation-token")) {
    std::string decoded;
    if (token.empty() || !Base64Decode(token, &decoded) || !decoded.starts_with("ot1:"))
      return Status::Error("InvalidArgument", "The continuation token provided is incorrect", 400);
    after = std::max(after, decoded.substr(4));
  }
  objectstore::ListOptions opts{c.req.Get("prefix"), c.req.Get("delimiter"), after, *max};
  auto list = store_->ListObjects(c.req.bucket, opts);
  if (!list.ok()) return list.status();
  bool owner = c.req.Get("fetch-owner") == "true";
  XmlOut x;
  x.Open("ListBucketResult", true).Leaf("Name", c.req.bucket).Leaf("Prefix", Enc(opts.prefix, url));
  if (!opts.delimiter.empty()) x.Leaf("Delimiter", Enc(opts.delimiter, url));
  x.Leaf("MaxKeys", static_cast<int64_t>(*max));
  if (url) x.Leaf("EncodingType", "url");
  x.Leaf("KeyCount", static_cast<int64_t>(list->objects.size() + list->common_prefixes.size()));
  x.Leaf("IsTruncated", list->truncated ? "true" : "false");
  if (c.req.Has("continuation-token")) x.Leaf("ContinuationToken", token);
  if (list->truncated) x.Leaf("NextContinuationToken", Base64Encode("ot1:" + list->last_key));
  if (c.req.Has("start-after")) x.Leaf("StartAfter", Enc(c.req.Get("start-after"), url));
  for (auto& o : list->objects) {
    x.Open("Contents").Leaf("Key", Enc(o.key, url)).Leaf("LastModified", s3::S3Time(o.last_modified_ms))
        .Leaf("ETag", o.etag).Leaf("Size", static_cast<int64_t>(o.size));
    if (owner) WriteOwner(x, "Owner", c.bucket.owner_account);
    x.Leaf("StorageClass", "STANDARD").Close("Contents");
  }
  for (auto& p : list->common_prefixes) x.Open("CommonPrefixes").Leaf("Prefix", Enc(p, url)).Close("CommonPrefixes");
  x.Close("ListBucketResult");
  c.res = XmlResponse(x.Take());
  return Status::Ok();
}

Status S3Service::ListMultipartUploads(Ctx& c) {
  auto uploads = store_->ListUploads(c.req.bucket, c.req.Get("prefix"));
  if (!uploads.ok()) return uploads.status();
  XmlOut x;
  x.Open("ListMultipartUploadsResult", true).Leaf("Bucket", c.req.bucket).Leaf("KeyMarker", "")
      .Leaf("UploadIdMarker", "").Leaf("Prefix", c.req.Get("prefix")).Leaf("MaxUploads", 1000)
      .Leaf("IsTruncated", "false");
  for (auto& u : *uploads) {
    x.Open("Upload").Leaf("Key", u.key).Leaf("UploadId", u.upload_id);
    WriteOwner(x, "Initiator", c.bucket.owner_account);
    WriteOwner(x, "Owner", c.bucket.owner_account);
    x.Leaf("StorageClass", "STANDARD").Leaf("Initiated", s3::S3Time(u.initiated_ms)).Close("Upload");
  }
  x.Close("ListMultipartUploadsResult");
  c.res = XmlResponse(x.Take());
  return Status::Ok();
}

Status S3Service::DeleteObjects(Ctx& c) {
  auto doc = s3::ParseXmlBody(c.http.body, "Delete", 2 << 20);
  if (!doc.ok()) return doc.status();
  pugi::xml_node root = (*doc)->document_element();
  bool quiet = s3::ChildText(root, "Quiet") == "true";
  std::vector<std::string> keys;
  for (pugi::xml_node n = root.first_child(); n; n = n.next_sibling()) {
    std::string_view name = n.name();
    if (name.substr(name.find(':') == std::string_view::npos ? 0 : name.find(':') + 1) != "Object") continue;
    pugi::xml_node key = s3::Child(n, "Key");
    if (!key) return Status::Error("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema", 400);
    keys.emplace_back(key.text().get());
  }
  if (keys.empty() || keys.size() > 1000)
    return Status::Error("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema", 400);
  XmlOut x;
  x.Open("DeleteResult", true);
  for (auto& key : keys) {
    Status s = key.size() > 1024 ? Status::Error("KeyTooLongError", "Your key is too long", 400)
                                 : Authorize(c, "s3:DeleteObject", key);
    if (s.ok()) s = store_->DeleteObject(c.req.bucket, key);
    if (s.ok()) {
      if (!quiet) x.Open("Deleted").Leaf("Key", key).Close("Deleted");
    } else {
      x.Open("Error").Leaf("Key", key).Leaf("Code", s.code()).Leaf("Message", s.message()).Close("Error");
    }
  }
  x.Close("DeleteResult");
  c.res = XmlResponse(x.Take());
  return Status::Ok();
}

}  // namespace ot::services
