// integrity/digest.cc — digest file key, content, string to sign and signing
// (integrity.md §2–§5).
#include <algorithm>

#include "common/crypto.h"
#include "common/json_writer.h"
#include "common/time.h"
#include "integrity/integrity.h"

namespace ot::integrity {

namespace {

int64_t Seconds(int64_t ms) { return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); }

void StringOrNull(JsonWriter& w, const char* key, const std::string* value) {
  w.Key(key);
  if (value) w.String(*value);
  else w.Null();
}

}  // namespace

std::string DigestTime(int64_t ms) { return FormatIso8601(Seconds(ms)); }

std::string DigestKey(const Digest& d) {
  std::string stamp = FormatAmzDate(Seconds(d.end_ms));  // YYYYMMDDTHHMMSSZ
  std::string key;
  key.reserve(160 + d.prefix.size() + d.trail_name.size());
  if (!d.prefix.empty()) key += d.prefix + "/";  // literally, as the validator builds it
  key += "AWSLogs/";
  if (!d.organization_id.empty()) key += d.organization_id + "/";
  key += d.account + "/CloudTrail-Digest/" + d.source_region + "/";
  key += stamp.substr(0, 4) + "/" + stamp.substr(4, 2) + "/" + stamp.substr(6, 2) + "/";
  key += d.account + "_CloudTrail-Digest_" + d.source_region + "_" + d.trail_name + "_" + d.home_region + "_" + stamp;
  key += d.backfill ? "_backfill.json.gz" : ".json.gz";
  return key;
}

std::string DigestJson(const Digest& d, std::string_view fingerprint) {
  std::string out;
  out.reserve(700 + d.log_files.size() * 400);
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("awsAccountId").String(d.account);
  w.Key("digestStartTime").String(DigestTime(d.start_ms));
  w.Key("digestEndTime").String(DigestTime(d.end_ms));
  w.Key("digestS3Bucket").String(d.bucket);
  w.Key("digestS3Object").String(DigestKey(d));
  w.Key("digestPublicKeyFingerprint").String(fingerprint);
  w.Key("digestSignatureAlgorithm").String("SHA256withRSA");
  if (d.log_files.empty()) {
    w.Key("newestEventTime").Null();
    w.Key("oldestEventTime").Null();
  } else {
    int64_t newest = d.log_files.front().newest_event_ms, oldest = d.log_files.front().oldest_event_ms;
    for (const auto& f : d.log_files) {
      newest = std::max(newest, f.newest_event_ms);
      oldest = std::min(oldest, f.oldest_event_ms);
    }
    w.Key("newestEventTime").String(DigestTime(newest));
    w.Key("oldestEventTime").String(DigestTime(oldest));
  }
  const PreviousDigest* p = d.previous ? &*d.previous : nullptr;
  static const std::string kSha256 = "SHA-256";
  StringOrNull(w, "previousDigestS3Bucket", p ? &p->bucket : nullptr);
  StringOrNull(w, "previousDigestS3Object", p ? &p->key : nullptr);
  StringOrNull(w, "previousDigestHashValue", p ? &p->sha256_hex : nullptr);
  StringOrNull(w, "previousDigestHashAlgorithm", p ? &kSha256 : nullptr);
  StringOrNull(w, "previousDigestSignature", p ? &p->signature_hex : nullptr);
  w.Key("logFiles").BeginArray();
  for (const auto& f : d.log_files) {
    w.BeginObject();
    w.Key("s3Bucket").String(f.bucket);
    w.Key("s3Object").String(f.key);
    w.Key("hashValue").String(f.sha256_hex);
    w.Key("hashAlgorithm").String(kSha256);
    w.Key("newestEventTime").String(DigestTime(f.newest_event_ms));
    w.Key("oldestEventTime").String(DigestTime(f.oldest_event_ms));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return out;
}

std::string StringToSign(const Digest& d, std::string_view digest_sha256_hex) {
  std::string s = DigestTime(d.end_ms);
  s += '\n';
  s += d.bucket;
  s += '/';
  s += DigestKey(d);
  s += '\n';
  s += digest_sha256_hex;
  s += '\n';
  s += d.previous ? d.previous->signature_hex : std::string("null");
  return s;
}

Result<SignedDigest> SignDigest(const Digest& digest, SigningKeys* keys, int64_t now_ms) {
  if (keys == nullptr) return Status::Internal("SignDigest: no signing keys");
  auto fingerprint = keys->Current(digest.source_region, now_ms);
  if (!fingerprint.ok()) return fingerprint.status();
  SignedDigest out;
  out.fingerprint = std::move(*fingerprint);
  out.key = DigestKey(digest);
  out.json = DigestJson(digest, out.fingerprint);
  out.sha256_hex = Sha256Hex(out.json);
  OT_RETURN_IF_ERROR(keys->Sign(out.fingerprint, StringToSign(digest, out.sha256_hex), &out.signature_hex));
  return out;
}

}  // namespace ot::integrity
