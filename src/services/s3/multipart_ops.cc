// services/s3/multipart_ops.cc — multipart uploads (aws s3 cp uses them above 8 MB).
#include <charconv>

#include "common/crypto.h"
#include "services/s3/object_headers.h"
#include "services/s3/s3_context.h"
#include "services/s3/s3_xml.h"

namespace ot::services {

namespace {

Status NoSuchUpload() {
  return Status::Error("NoSuchUpload",
                       "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", 404);
}

Status MalformedXml() {
  return Status::Error("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema", 400);
}

Result<int> PartNumber(const std::string& text) {
  int n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || n < 1 || n > 10000)
    return Status::Error("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive", 400);
  return n;
}

}  // namespace

Status S3Service::CreateMultipartUpload(Ctx& c) {
  auto doc = store_->GetBucketDocument(c.req.bucket, "encryption");
  auto opts = s3::PutOptionsFrom(c.http, "", s3::DefaultEncryption(doc.ok() ? *doc : std::nullopt));
  if (!opts.ok()) return opts.status();
  opts->checksums.clear();  // checksums of the whole object are not known yet
  auto upload = store_->CreateUpload(c.req.bucket, c.req.key, *opts);
  if (!upload.ok()) return upload.status();
  s3::XmlOut x;
  x.Open("InitiateMultipartUploadResult", true).Leaf("Bucket", c.req.bucket).Leaf("Key", c.req.key)
      .Leaf("UploadId", upload->upload_id).Close("InitiateMultipartUploadResult");
  c.res = http::Response{};
  c.res.Set("Content-Type", "application/xml");
  c.res.Set("x-amz-server-side-encryption", "AES256");
  c.res.body = x.Take();
  c.response_elements = boost::json::object{{"bucket", c.req.bucket}, {"key", c.req.key}, {"uploadId", upload->upload_id}};
  return Status::Ok();
}

Status S3Service::UploadPart(Ctx& c) {
  auto number = PartNumber(c.req.Get("partNumber"));
  if (!number.ok()) return number.status();
  auto upload = store_->GetUpload(c.req.bucket, c.req.Get("uploadId"));
  if (!upload.ok() || upload->key != c.req.key) return NoSuchUpload();
  auto opts = s3::PutOptionsFrom(c.http, c.http.body, {});  // verifies Content-MD5 / checksums
  if (!opts.ok()) return opts.status();
  auto part = store_->UploadPart(c.req.bucket, upload->upload_id, *number, c.http.body, opts->checksums);
  if (!part.ok()) return part.status();
  c.res = http::Response{};
  c.res.Set("ETag", part->etag);
  c.res.Set("x-amz-server-side-encryption", "AES256");
  for (auto& [name, value] : part->checksums) c.res.Set("x-amz-checksum-" + ToLower(name), value);
  return Status::Ok();
}

Status S3Service::CompleteMultipartUpload(Ctx& c) {
  auto upload = store_->GetUpload(c.req.bucket, c.req.Get("uploadId"));
  if (!upload.ok() || upload->key != c.req.key) return NoSuchUpload();
  auto doc = s3::ParseXmlBody(c.http.body, "CompleteMultipartUpload", 4 << 20);
  if (!doc.ok()) return doc.status();
  std::vector<std::pair<int, std::string>> parts;
  for (pugi::xml_node n = (*doc)->document_element().first_child(); n; n = n.next_sibling()) {
    if (n.type() != pugi::node_element) continue;
    std::string_view name = n.name();
    if (name.substr(name.find(':') == std::string_view::npos ? 0 : name.find(':') + 1) != "Part") continue;
    auto number = PartNumber(s3::ChildText(n, "PartNumber"));
    if (!number.ok()) return MalformedXml();
    std::string etag = s3::ChildText(n, "ETag");
    if (etag.empty()) return MalformedXml();
    if (etag.front() != '"') etag = "\"" + etag + "\"";
    parts.emplace_back(*number, etag);
  }
  if (parts.empty()) return MalformedXml();
  auto info = store_->CompleteUpload(c.req.bucket, upload->upload_id, parts);
  if (!info.ok()) return info.status();
  s3::XmlOut x;
  x.Open("CompleteMultipartUploadResult", true)
      .Leaf("Location", "http://" + std::string(c.http.Header("host")) + "/" + c.req.bucket + "/" + c.req.key)
      .Leaf("Bucket", c.req.bucket).Leaf("Key", c.req.key).Leaf("ETag", info->etag)
      .Close("CompleteMultipartUploadResult");
  c.res = http::Response{};
  c.res.Set("Content-Type", "application/xml");
  c.res.Set("x-amz-server-side-encryption", "AES256");
  c.res.body = x.Take();
  c.response_elements = boost::json::object{{"bucket", c.req.bucket}, {"key", c.req.key}};
  return Status::Ok();
}

Status S3Service::AbortMultipartUpload(Ctx& c) {
  auto upload = store_->GetUpload(c.req.bucket, c.req.Get("uploadId"));
  if (!upload.ok() || upload->key != c.req.key) return NoSuchUpload();
  OT_RETURN_IF_ERROR(store_->AbortUpload(c.req.bucket, upload->upload_id));
  c.res = http::Response{};
  c.res.status = 204;
  return Status::Ok();
}

Status S3Service::ListParts(Ctx& c) {
  auto upload = store_->GetUpload(c.req.bucket, c.req.Get("uploadId"));
  if (!upload.ok() || upload->key != c.req.key) return NoSuchUpload();
  auto parts = store_->ListParts(c.req.bucket, upload->upload_id);
  if (!parts.ok()) return parts.status();
  s3::XmlOut x;
  x.Open("ListPartsResult", true).Leaf("Bucket", c.req.bucket).Leaf("Key", c.req.key)
      .Leaf("UploadId", upload->upload_id).Leaf("PartNumberMarker", 0)
      .Leaf("NextPartNumberMarker", parts->empty() ? 0 : parts->back().number).Leaf("MaxParts", 1000)
      .Leaf("IsTruncated", "false");
  for (auto& p : *parts)
    x.Open("Part").Leaf("PartNumber", p.number).Leaf("LastModified", s3::S3Time(p.last_modified_ms))
        .Leaf("ETag", p.etag).Leaf("Size", static_cast<int64_t>(p.size)).Close("Part");
  x.Leaf("StorageClass", "STANDARD").Close("ListPartsResult");
  c.res = http::Response{};
  c.res.Set("Content-Type", "application/xml");
  c.res.body = x.Take();
  return Status::Ok();
}

}  // namespace ot::services
