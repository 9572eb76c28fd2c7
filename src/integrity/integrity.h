// integrity/integrity.h — digest files and the keys that sign them (integrity.md).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "objectstore/object_store.h"
#include "storage/kv_store.h"

namespace ot::integrity {

// ---- Signing keys -------------------------------------------------------------------

struct PublicKey {
  std::string region;
  std::string value;        // base64 of the PKCS#1 DER RSAPublicKey (ListPublicKeys Value)
  std::string fingerprint;  // lowercase hex MD5 of that DER
  int64_t valid_from_ms = 0;
  int64_t valid_until_ms = 0;
};

// RSA-2048 key pairs, one current pair per region, rotated every `rotation_ms` (windows of
// successive keys overlap by the rotation's grace so digests signed just before a rotation
// still verify). Private keys are stored encrypted (a data key from `wrapping`, AES-256-GCM)
// in the KV store's "meta" family; never logged.
class SigningKeys {
 public:
  static Result<std::unique_ptr<SigningKeys>> Open(storage::KvStore* kv, std::string family,
                                                   objectstore::KeyProvider* wrapping, int64_t rotation_ms);
  // As above with an explicit grace: a key made at t is valid [t, t + rotation_ms + grace_ms]
  // and signs until it is rotated at t + rotation_ms (the first Current() call after that).
  // The four-argument Open uses DefaultRotationGraceMs(rotation_ms).
  static Result<std::unique_ptr<SigningKeys>> Open(storage::KvStore* kv, std::string family,
                                                   objectstore::KeyProvider* wrapping, int64_t rotation_ms,
                                                   int64_t grace_ms);
  virtual ~SigningKeys() = default;

  // The fingerprint of the region's current key, creating or rotating it as needed.
  virtual Result<std::string> Current(const std::string& region, int64_t now_ms) = 0;
  // Signs `data` (SHA256withRSA, PKCS#1 v1.5) with the key of that fingerprint. Returns the
  // lowercase hex signature, full modulus length (leading zero bytes kept).
  virtual Status Sign(std::string_view fingerprint, std::string_view data, std::string* signature_hex) = 0;
  // Every key (any region) whose validity window overlaps [from_ms, to_ms].
  virtual std::vector<PublicKey> List(int64_t from_ms, int64_t to_ms) = 0;
};

// min(rotation_ms, 1 day).
int64_t DefaultRotationGraceMs(int64_t rotation_ms);

// SHA256withRSA verification with a ListPublicKeys Value. False on any failure.
bool VerifySignature(std::string_view public_key_value, std::string_view data, std::string_view signature_hex);

// ---- Digest files -------------------------------------------------------------------

struct LogFileEntry {
  std::string bucket;
  std::string key;
  std::string sha256_hex;        // of the uncompressed log file
  int64_t oldest_event_ms = 0;
  int64_t newest_event_ms = 0;
};

struct PreviousDigest {
  std::string bucket;
  std::string key;
  std::string sha256_hex;        // of the previous digest's uncompressed bytes
  std::string signature_hex;
};

struct Digest {
  std::string account;
  std::string source_region;
  std::string trail_name;
  std::string home_region;
  std::string prefix;            // trail's S3KeyPrefix ("" = none)
  std::string bucket;
  int64_t start_ms = 0;          // window [start, end) of delivery times
  int64_t end_ms = 0;
  std::vector<LogFileEntry> log_files;
  std::optional<PreviousDigest> previous;  // nullopt: a starting digest
  bool backfill = false;
  std::string organization_id;   // "o-…" for organization trails ("" = none): AWSLogs/ORG/ACCOUNT/
};

// A digest's time field: "YYYY-MM-DDTHH:MM:SSZ", milliseconds floored to the second
// (integrity.md §3, pitfall 12).
std::string DigestTime(int64_t ms);

// [PREFIX/]AWSLogs/ACCOUNT/CloudTrail-Digest/SRC/YYYY/MM/DD/ACCOUNT_CloudTrail-Digest_SRC_NAME_HOME_YYYYMMDDTHHMMSSZ[_backfill].json.gz
std::string DigestKey(const Digest& digest);

// The uncompressed JSON of the digest, fields in AWS's order (integrity.md §3).
std::string DigestJson(const Digest& digest, std::string_view fingerprint);

// The four-line string to sign (integrity.md §5.1).
std::string StringToSign(const Digest& digest, std::string_view digest_sha256_hex);

// A signed digest ready to store: uncompressed JSON, its hash and the signature.
struct SignedDigest {
  std::string key;
  std::string json;
  std::string sha256_hex;
  std::string signature_hex;
  std::string fingerprint;
};
Result<SignedDigest> SignDigest(const Digest& digest, SigningKeys* keys, int64_t now_ms);

}  // namespace ot::integrity
