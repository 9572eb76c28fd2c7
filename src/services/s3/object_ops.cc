// services/s3/object_ops.cc — object-level S3 calls (data events).
#include <spdlog/spdlog.h>

#include "auth/sigv4.h"
#include "common/time.h"
#include "services/s3/object_headers.h"
#include "services/s3/s3_context.h"
#include "services/s3/s3_xml.h"

namespace ot::services {

namespace {

// Bodies above this are streamed from the store instead of read whole into memory.
constexpr uint64_t kStreamedGetBytes = 8u << 20;

class ObjectBodyStream final : public http::BodyStream {
 public:
  explicit ObjectBodyStream(std::unique_ptr<objectstore::ObjectReader> reader) : reader_(std::move(reader)) {}
  uint64_t Size() const override { return reader_->length(); }
  bool Next(size_t max_bytes, std::string* out) override {
    Status s = reader_->Read(max_bytes, out);
    if (!s.ok()) spdlog::warn("s3: GetObject {}: body cut short: {}", reader_->info().key, s.ToString());
    return s.ok();
  }

 private:
  std::unique_ptr<objectstore::ObjectReader> reader_;
};

objectstore::Encryption BucketDefault(objectstore::ObjectStore* store, const std::string& bucket) {
  auto doc = store->GetBucketDocument(bucket, "encryption");
  return s3::DefaultEncryption(doc.ok() ? *doc : std::nullopt);
}

// If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since (RFC 7232 order).
Status Preconditions(const http::Request& r, const objectstore::ObjectInfo& info, bool* not_modified) {
  *not_modified = false;
  auto etag_matches = [&](std::string_view list) {
    while (!list.empty()) {
      auto comma = list.find(',');
      std::string_view one = list.substr(0, comma);
      while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
      while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
      if (one == "*" || one == info.etag || "\"" + std::string(one) + "\"" == info.etag) return true;
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
    return false;
  };
  auto http_time = [](std::string_view s) -> std::optional<int64_t> {
    // "Mon, 24 Nov 2026 10:14:03 GMT"
    static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (s.size() != 29) return std::nullopt;
    int d = 0, y = 0, h = 0, mi = 0, sec = 0;
    if (std::sscanf(std::string(s.substr(5, 2)).c_str(), "%d", &d) != 1) return std::nullopt;
    std::string mon(s.substr(8, 3));
    unsigned m = 0;
    for (unsigned i = 0; i < 12; ++i)
      if (mon == months[i]) m = i + 1;
    if (m == 0 || std::sscanf(std::string(s.substr(12)).c_str(), "%d %d:%d:%d", &y, &h, &mi, &sec) != 4)
      return std::nullopt;
    return DaysFromCivil(y, m, static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + sec;
  };
  int64_t modified = info.last_modified_ms / 1000;
  std::string_view if_match = r.Header("if-match");
  std::string_view if_none = r.Header("if-none-match");
  if (!if_match.empty() && !etag_matches(if_match))
    return Status::Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412);
  if (if_match.empty()) {
    if (auto t = http_time(r.Header("if-unmodified-since")); t && modified > *t)
      return Status::Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412);
  }
  if (!if_none.empty()) {
    if (etag_matches(if_none)) *not_modified = true;
  } else if (auto t = http_time(r.Header("if-modified-since")); t && modified <= *t) {
    *not_modified = true;
  }
  return Status::Ok();
}

}  // namespace

Status S3Service::PutObject(Ctx& c) {
  auto opts = s3::PutOptionsFrom(c.http, c.http.body, BucketDefault(store_, c.req.bucket));
  if (!opts.ok()) return opts.status();
  auto info = store_->PutObject(c.req.bucket, c.req.key, c.http.body, *opts);
  if (!info.ok()) return info.status();
  c.res = http::Response{};
  c.res.Set("ETag", info->etag);
  c.res.Set("x-amz-server-side-encryption",
            info->encryption.mode == objectstore::Encryption::Mode::kSseKms ? "aws:kms" : "AES256");
  for (auto& [name, value] : info->checksums) c.res.Set("x-amz-checksum-" + ToLower(name), value);
  c.response_elements["x-amz-server-side-encryption"] =
      info->encryption.mode == objectstore::Encryption::Mode::kSseKms ? "aws:kms" : "AES256";
  return Status::Ok();
}

Status S3Service::GetObject(Ctx& c) {
  auto head = store_->HeadObject(c.req.bucket, c.req.key);
  if (!head.ok()) return head.status();
  bool not_modified = false;
  OT_RETURN_IF_ERROR(Preconditions(c.http, *head, &not_modified));
  c.res = http::Response{};
  if (not_modified) {
    c.res.status = 304;
    c.res.Set("ETag", head->etag);
    c.res.Set("Last-Modified", FormatHttpDate(head->last_modified_ms / 1000));
    return Status::Ok();
  }
  auto range = s3::ParseRange(c.http.Header("range"), head->size);
  if (!range.ok()) return range.status();
  uint64_t wanted = *range ? std::min((*range)->last, head->size - 1) - (*range)->first + 1 : head->size;
  std::string data;
  std::shared_ptr<ObjectBodyStream> stream;
  Result<objectstore::ObjectInfo> info = Status::Ok();
  uint64_t first = 0, length = 0;
  if (wanted > kStreamedGetBytes) {
    // Large bodies are read and sent piece by piece: memory stays bounded whatever the size.
    auto reader = store_->OpenObject(c.req.bucket, c.req.key, *range);
    if (!reader.ok()) return reader.status();
    info = (*reader)->info();
    first = (*reader)->first();
    length = (*reader)->length();
    stream = std::make_shared<ObjectBodyStream>(std::move(*reader));
  } else {
    info = store_->GetObject(c.req.bucket, c.req.key, *range, &data);
    if (!info.ok()) return info.status();
    first = *range ? (*range)->first : 0;
    length = data.size();
  }
  bool checksums = !*range && EqualsIgnoreCase(c.http.Header("x-amz-checksum-mode"), "ENABLED");
  s3::SetObjectHeaders(*info, &c.res, checksums);
  if (*range) {
    c.res.status = 206;
    c.res.Set("Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(first + length - 1) + "/" +
                                   std::to_string(info->size));
  }
  // Presigned links may override response headers.
  static const std::pair<const char*, const char*> kOverrides[] = {
      {"response-content-type", "Content-Type"}, {"response-content-disposition", "Content-Disposition"},
      {"response-content-encoding", "Content-Encoding"}, {"response-content-language", "Content-Language"},
      {"response-cache-control", "Cache-Control"}, {"response-expires", "Expires"}};
  for (auto& [param, header] : kOverrides) {
    if (!c.req.Has(param)) continue;
    std::erase_if(c.res.headers, [&](const Header& h) { return EqualsIgnoreCase(h.name, header); });
    c.res.Set(header, c.req.Get(param));
  }
  c.res.body = std::move(data);
  c.res.stream = std::move(stream);
  return Status::Ok();
}

Status S3Service::HeadObject(Ctx& c) {
  auto info = store_->HeadObject(c.req.bucket, c.req.key);
  if (!info.ok()) return info.status();
  bool not_modified = false;
  OT_RETURN_IF_ERROR(Preconditions(c.http, *info, &not_modified));
  c.res = http::Response{};
  if (not_modified) {
    c.res.status = 304;
    c.res.Set("ETag", info->etag);
    return Status::Ok();
  }
  s3::SetObjectHeaders(*info, &c.res, EqualsIgnoreCase(c.http.Header("x-amz-checksum-mode"), "ENABLED"));
  uint64_t length = info->size;
  auto range = s3::ParseRange(c.http.Header("range"), info->size);
  if (!range.ok()) return range.status();
  if (*range) {
    c.res.status = 206;
    length = (*range)->last - (*range)->first + 1;
    c.res.Set("Content-Range", "bytes " + std::to_string((*range)->first) + "-" +
                                   std::to_string((*range)->last) + "/" + std::to_string(info->size));
  }
  c.res.Set("Content-Length", std::to_string(length));  // HEAD: the length a GET would send
  return Status::Ok();
}

Status S3Service::DeleteObject(Ctx& c) {
  OT_RETURN_IF_ERROR(store_->DeleteObject(c.req.bucket, c.req.key));
  c.res = http::Response{};
  c.res.status = 204;
  return Status::Ok();
}

Status S3Service::CopyObject(Ctx& c) {
  std::string_view source = c.http.Header("x-amz-copy-source");
  auto q = source.find('?');
  if (q != std::string_view::npos) source = source.substr(0, q);
  if (!source.empty() && source.front() == '/') source.remove_prefix(1);
  std::string decoded;
  if (!auth::UriDecode(source, &decoded))
    return Status::Error("InvalidArgument", "Invalid copy source encoding", 400);
  auto slash = decoded.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == decoded.size())
    return Status::Error("InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey", 400);
  std::string src_bucket = decoded.substr(0, slash), src_key = decoded.substr(slash + 1);
  c.params["x-amz-copy-source"] = std::string(c.http.Header("x-amz-copy-source"));

  // Reading the source needs s3:GetObject on it, under its own bucket's rules.
  auto src = store_->GetBucket(src_bucket);
  if (!src.ok()) return src.status();
  {
    auth::policy::RequestContext rc;
    rc.action = "s3:GetObject";
    rc.resource = "arn:aws:s3:::" + src_bucket + "/" + src_key;
    rc.principal = s3::S3Access::PrincipalOf(*c.call.principal);
    rc.keys["aws:SourceIp"] = {c.http.remote_ip};
    rc.keys["aws:SecureTransport"] = {"false"};
    rc.keys["aws:PrincipalAccount"] = {c.call.principal->account_id};
    OT_RETURN_IF_ERROR(access_.Authorize(*src, rc));
  }
  bool replace = EqualsIgnoreCase(c.http.Header("x-amz-metadata-directive"), "REPLACE");
  if (src_bucket == c.req.bucket && src_key == c.req.key && !replace)
    return Status::Error("InvalidRequest",
                         "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.", 400);
  std::optional<objectstore::PutOptions> options;
  if (replace) {
    auto opts = s3::PutOptionsFrom(c.http, "", BucketDefault(store_, c.req.bucket));
    if (!opts.ok()) return opts.status();
    options = std::move(*opts);
  }
  auto info = store_->CopyObject(src_bucket, src_key, c.req.bucket, c.req.key, options);
  if (!info.ok()) return info.status();
  s3::XmlOut x;
  x.Open("CopyObjectResult", true).Leaf("LastModified", s3::S3Time(info->last_modified_ms))
      .Leaf("ETag", info->etag).Close("CopyObjectResult");
  c.res = http::Response{};
  c.res.Set("Content-Type", "application/xml");
  c.res.Set("x-amz-server-side-encryption", "AES256");
  c.res.body = x.Take();
  return Status::Ok();
}

Status S3Service::PutObjectTagging(Ctx& c) {
  auto tags = s3::ParseTaggingXml(c.http.body);
  if (!tags.ok()) return tags.status();
  OT_RETURN_IF_ERROR(store_->PutObjectTags(c.req.bucket, c.req.key, *tags));
  c.res = http::Response{};
  return Status::Ok();
}

Status S3Service::GetObjectTagging(Ctx& c) {
  auto info = store_->HeadObject(c.req.bucket, c.req.key);
  if (!info.ok()) return info.status();
  s3::XmlOut x;
  x.Open("Tagging", true).Open("TagSet");
  for (auto& [k, v] : info->tags) x.Open("Tag").Leaf("Key", k).Leaf("Value", v).Close("Tag");
  x.Close("TagSet").Close("Tagging");
  c.res = http::Response{};
  c.res.Set("Content-Type", "application/xml");
  c.res.body = x.Take();
  return Status::Ok();
}

Status S3Service::DeleteObjectTagging(Ctx& c) {
  OT_RETURN_IF_ERROR(store_->PutObjectTags(c.req.bucket, c.req.key, {}));
  c.res = http::Response{};
  c.res.status = 204;
  return Status::Ok();
}

}  // namespace ot::services
