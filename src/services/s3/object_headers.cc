#include "services/s3/object_headers.h"

#include <charconv>

#include "auth/checksums.h"
#include "auth/sigv4.h"
#include "common/crypto.h"
#include "common/time.h"
#include "services/s3/s3_xml.h"

namespace ot::services::s3 {

namespace {
Status InvalidTag(const std::string& msg) { return Status::Error("InvalidTag", msg, 400); }

Status CheckTags(const std::map<std::string, std::string>& tags) {
  if (tags.size() > 10) return InvalidTag("Object tags cannot be greater than 10");
  for (auto& [k, v] : tags) {
    if (k.empty() || k.size() > 128) return InvalidTag("The TagKey you have provided is invalid");
    if (v.size() > 256) return InvalidTag("The TagValue you have provided is too long");
  }
  return Status::Ok();
}
}  // namespace

Result<std::map<std::string, std::string>> ParseTaggingHeader(std::string_view header) {
  std::map<std::string, std::string> tags;
  while (!header.empty()) {
    auto amp = header.find('&');
    std::string_view pair = header.substr(0, amp);
    header = amp == std::string_view::npos ? std::string_view() : header.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string k, v;
    if (!auth::UriDecode(pair.substr(0, eq), &k, true) ||
        (eq != std::string_view::npos && !auth::UriDecode(pair.substr(eq + 1), &v, true)))
      return InvalidTag("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.");
    if (tags.count(k)) return InvalidTag("Cannot provide multiple Tags with the same key");
    tags[k] = v;
  }
  OT_RETURN_IF_ERROR(CheckTags(tags));
  return tags;
}

Result<std::map<std::string, std::string>> ParseTaggingXml(std::string_view body) {
  auto doc = ParseXmlBody(body, "Tagging");
  if (!doc.ok()) return doc.status();
  std::map<std::string, std::string> tags;
  pugi::xml_node set = Child((*doc)->document_element(), "TagSet");
  if (!set) return Status::Error("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema", 400);
  for (pugi::xml_node t = set.first_child(); t; t = t.next_sibling()) {
    if (t.type() != pugi::node_element) continue;
    std::string k = ChildText(t, "Key");
    if (tags.count(k)) return InvalidTag("Cannot provide multiple Tags with the same key");
    tags[k] = ChildText(t, "Value");
  }
  OT_RETURN_IF_ERROR(CheckTags(tags));
  return tags;
}

objectstore::Encryption DefaultEncryption(const std::optional<std::string>& document) {
  objectstore::Encryption e;
  if (!document) return e;
  auto doc = ParseXmlBody(*document, "ServerSideEncryptionConfiguration");
  if (!doc.ok()) return e;
  pugi::xml_node rule = Child((*doc)->document_element(), "Rule");
  pugi::xml_node def = Child(rule, "ApplyServerSideEncryptionByDefault");
  if (ChildText(def, "SSEAlgorithm") == "aws:kms") {
    e.mode = objectstore::Encryption::Mode::kSseKms;
    e.kms_key_id = ChildText(def, "KMSMasterKeyID");
  }
  return e;
}

Result<objectstore::PutOptions> PutOptionsFrom(const http::Request& r, std::string_view body,
                                               const objectstore::Encryption& bucket_default) {
  objectstore::PutOptions o;
  o.content_type = std::string(r.Header("content-type"));
  if (o.content_type.empty()) o.content_type = "binary/octet-stream";
  // aws-chunked is transfer framing (already removed), not the object's encoding.
  std::string enc;
  for (std::string_view v = r.Header("content-encoding"); !v.empty();) {
    auto comma = v.find(',');
    std::string_view part = v.substr(0, comma);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (!part.empty() && part != "aws-chunked") enc += (enc.empty() ? "" : ",") + std::string(part);
    v = comma == std::string_view::npos ? std::string_view() : v.substr(comma + 1);
  }
  o.content_encoding = enc;
  o.content_disposition = std::string(r.Header("content-disposition"));
  o.content_language = std::string(r.Header("content-language"));
  o.cache_control = std::string(r.Header("cache-control"));
  size_t meta_bytes = 0;
  for (auto& h : r.headers) {
    std::string name = ToLower(h.name);
    if (name.starts_with("x-amz-meta-")) {
      meta_bytes += name.size() - 11 + h.value.size();
      o.user_metadata[name.substr(11)] = h.value;
    }
  }
  if (meta_bytes > 2048)
    return Status::Error("MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.", 400);
  if (auto tagging = r.Header("x-amz-tagging"); !tagging.empty()) {
    auto tags = ParseTaggingHeader(tagging);
    if (!tags.ok()) return tags.status();
    o.tags = std::move(*tags);
  }
  o.encryption = bucket_default;
  std::string_view sse = r.Header("x-amz-server-side-encryption");
  if (sse == "AES256") {
    o.encryption = objectstore::Encryption{};
  } else if (sse == "aws:kms" || sse == "aws:kms:dsse") {
    o.encryption.mode = objectstore::Encryption::Mode::kSseKms;
    o.encryption.kms_key_id = std::string(r.Header("x-amz-server-side-encryption-aws-kms-key-id"));
  } else if (!sse.empty()) {
    return Status::Error("InvalidArgument", "The encryption method specified is not supported", 400);
  }
  if (auto md5 = r.Header("content-md5"); !md5.empty()) {
    std::string raw;
    if (!Base64Decode(md5, &raw) || raw.size() != 16)
      return Status::Error("InvalidDigest", "The Content-MD5 you specified was invalid.", 400);
    if (HexEncode(raw) != Md5Hex(body))
      return Status::Error("BadDigest", "The Content-MD5 you specified did not match what we received.", 400);
  }
  for (auto algorithm : {auth::ChecksumAlgorithm::kCrc32, auth::ChecksumAlgorithm::kCrc32c,
                         auth::ChecksumAlgorithm::kCrc64Nvme, auth::ChecksumAlgorithm::kSha1,
                         auth::ChecksumAlgorithm::kSha256}) {
    std::string_view given = r.Header(auth::ChecksumHeaderName(algorithm));
    if (given.empty()) continue;
    std::string actual = auth::ChecksumBase64(algorithm, body);
    if (given != actual)
      return Status::Error("BadDigest", "The " + std::string(auth::ChecksumAlgorithmName(algorithm)) +
                                            " you specified did not match the calculated checksum.", 400);
    o.checksums[std::string(auth::ChecksumAlgorithmName(algorithm))] = actual;
  }
  return o;
}

void SetObjectHeaders(const objectstore::ObjectInfo& info, http::Response* r, bool with_checksums) {
  r->Set("ETag", info.etag);
  r->Set("Last-Modified", FormatHttpDate(info.last_modified_ms / 1000));
  r->Set("Content-Type", info.content_type.empty() ? "binary/octet-stream" : info.content_type);
  r->Set("Accept-Ranges", "bytes");
  if (!info.content_encoding.empty()) r->Set("Content-Encoding", info.content_encoding);
  if (!info.content_disposition.empty()) r->Set("Content-Disposition", info.content_disposition);
  if (!info.content_language.empty()) r->Set("Content-Language", info.content_language);
  if (!info.cache_control.empty()) r->Set("Cache-Control", info.cache_control);
  for (auto& [k, v] : info.user_metadata) r->Set("x-amz-meta-" + k, v);
  if (info.encryption.mode == objectstore::Encryption::Mode::kSseKms) {
    r->Set("x-amz-server-side-encryption", "aws:kms");
    r->Set("x-amz-server-side-encryption-aws-kms-key-id", info.encryption.kms_key_id);
  } else {
    r->Set("x-amz-server-side-encryption", "AES256");
  }
  if (!info.tags.empty()) r->Set("x-amz-tagging-count", std::to_string(info.tags.size()));
  if (info.parts_count > 0) r->Set("x-amz-mp-parts-count", std::to_string(info.parts_count));
  if (with_checksums)
    for (auto& [name, value] : info.checksums) r->Set("x-amz-checksum-" + ToLower(name), value);
}

Result<std::optional<objectstore::ByteRange>> ParseRange(std::string_view h, uint64_t size) {
  std::optional<objectstore::ByteRange> none;
  if (!h.starts_with("bytes=")) return none;
  h.remove_prefix(6);
  if (h.find(',') != std::string_view::npos) return none;
  auto dash = h.find('-');
  if (dash == std::string_view::npos) return none;
  auto num = [](std::string_view s, uint64_t* out) {
    if (s.empty()) return false;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc() && p == s.data() + s.size();
  };
  uint64_t a = 0, b = 0;
  std::string_view first = h.substr(0, dash), last = h.substr(dash + 1);
  objectstore::ByteRange range;
  if (first.empty()) {
    if (!num(last, &b) || b == 0) return none;
    if (size == 0) return Status::Error("InvalidRange", "The requested range is not satisfiable", 416);
    range.first = b >= size ? 0 : size - b;
    range.last = size - 1;
  } else {
    if (!num(first, &a)) return none;
    if (!last.empty() && (!num(last, &b) || b < a)) return none;
    if (a >= size) return Status::Error("InvalidRange", "The requested range is not satisfiable", 416);
    range.first = a;
    range.last = last.empty() ? size - 1 : std::min(b, size - 1);
  }
  return std::optional<objectstore::ByteRange>(range);
}

}  // namespace ot::services::s3
