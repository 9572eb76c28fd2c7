// integrity/merkle.cc — RFC 6962 trees over a digest interval's events, the signed tree
// root and inclusion proofs (integrity.md §12).
#include "integrity/merkle.h"

#include <openssl/evp.h>

#include <boost/json.hpp>

#include <bit>
#include <memory>

#include "common/crypto.h"
#include "common/json_writer.h"
#include "common/time.h"

namespace ot::integrity {

namespace json = boost::json;

namespace {

constexpr std::string_view kProofVersion = "opentrail-inclusion-proof-1";
constexpr std::string_view kTreeAlgorithm = "RFC6962-SHA-256";

std::string Sha256Of(std::initializer_list<std::string_view> parts) {
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::string out(kHashSize, '\0');
  unsigned int len = 0;
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  for (auto p : parts) EVP_DigestUpdate(ctx.get(), p.data(), p.size());
  EVP_DigestFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len);
  return out;
}

std::string_view Leaf(std::string_view leaves, uint64_t i) { return leaves.substr(i * kHashSize, kHashSize); }

// Largest power of two strictly below n (n >= 2).
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }


bool HexToBytes(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0 || !IsLowerHex(hex)) return false;
  out->resize(hex.size() / 2);
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i < out->size(); ++i) (*out)[i] = static_cast<char>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  return true;
}

std::string ReplaceDigestWord(std::string key) {
  static constexpr std::string_view kFrom = "CloudTrail-Digest";
  for (size_t at = key.find(kFrom); at != std::string::npos; at = key.find(kFrom, at + 1))
    key.replace(at, kFrom.size(), "CloudTrail-Merkle");
  return key;
}

// Field readers for the parsers: false when missing or of the wrong type.
struct Reader {
  const json::object& o;
  bool Str(const char* k, std::string* v) const {
    auto* x = o.if_contains(k);
    if (!x || !x->is_string()) return false;
    *v = std::string(x->get_string());
    return true;
  }
  bool U64(const char* k, uint64_t* v) const {
    auto* x = o.if_contains(k);
    if (!x) return false;
    if (x->is_uint64()) *v = x->get_uint64();
    else if (x->is_int64() && x->get_int64() >= 0) *v = static_cast<uint64_t>(x->get_int64());
    else return false;
    return true;
  }
  bool Time(const char* k, int64_t* ms) const {
    std::string s;
    if (!Str(k, &s)) return false;
    auto t = ParseIso8601Millis(s);
    if (!t) return false;
    *ms = *t;
    return true;
  }
};

void WriteRootFields(JsonWriter& w, const MerkleRoot& r) {
  w.Key("awsAccountId").String(r.account);
  w.Key("digestStartTime").String(DigestTime(r.start_ms));
  w.Key("digestEndTime").String(DigestTime(r.end_ms));
  w.Key("digestS3Bucket").String(r.digest_bucket);
  w.Key("digestS3Object").String(r.digest_key);
  w.Key("digestHashValue").String(r.digest_sha256_hex);
  w.Key("digestSignature").String(r.digest_signature_hex);
  w.Key("treeAlgorithm").String(kTreeAlgorithm);
  w.Key("treeSize").Int(static_cast<int64_t>(r.tree_size));
  w.Key("rootHash").String(r.root_hex);
  w.Key("publicKeyFingerprint").String(r.fingerprint);
  w.Key("signatureAlgorithm").String("SHA256withRSA");
  w.Key("signature").String(r.signature_hex);
}

Status ReadRootFields(const Reader& in, MerkleRoot* r, const char* error_code) {
  std::string algorithm, signature_algorithm;
  if (!in.Str("awsAccountId", &r->account) || !in.Time("digestStartTime", &r->start_ms) ||
      !in.Time("digestEndTime", &r->end_ms) || !in.Str("digestS3Bucket", &r->digest_bucket) ||
      !in.Str("digestS3Object", &r->digest_key) || !in.Str("digestHashValue", &r->digest_sha256_hex) ||
      !in.Str("digestSignature", &r->digest_signature_hex) || !in.Str("treeAlgorithm", &algorithm) ||
      !in.U64("treeSize", &r->tree_size) || !in.Str("rootHash", &r->root_hex) ||
      !in.Str("publicKeyFingerprint", &r->fingerprint) || !in.Str("signatureAlgorithm", &signature_algorithm) ||
      !in.Str("signature", &r->signature_hex)) {
    return Status::Error(error_code, "a tree root field is missing or of the wrong type", 400);
  }
  if (algorithm != kTreeAlgorithm || signature_algorithm != "SHA256withRSA")
    return Status::Error(error_code, "unsupported tree or signature algorithm", 400);
  if (r->root_hex.size() != 2 * kHashSize || !IsLowerHex(r->root_hex))
    return Status::Error(error_code, "rootHash is not 64 lowercase hex digits", 400);
  return Status::Ok();
}

Result<json::object> ParseObject(std::string_view text, const char* error_code) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Status::Error(error_code, "not a JSON object", 400);
  return std::move(v.get_object());
}

}  // namespace

std::string MerkleLeafHash(std::string_view record) { return Sha256Of({std::string_view("\0", 1), record}); }

std::string MerkleNodeHash(std::string_view left, std::string_view right) {
  return Sha256Of({std::string_view("\1", 1), left, right});
}

std::string MerkleTreeHash(std::string_view leaves) {
  uint64_t n = leaves.size() / kHashSize;
  if (n == 0) return Sha256Of({});
  // Perfect subtrees of strictly decreasing size (n's binary decomposition, left to right).
  std::vector<std::pair<std::string, uint64_t>> stack;
  for (uint64_t i = 0; i < n; ++i) {
    std::string h(Leaf(leaves, i));
    uint64_t size = 1;
    while (!stack.empty() && stack.back().second == size) {
      h = MerkleNodeHash(stack.back().first, h);
      size *= 2;
      stack.pop_back();
    }
    stack.emplace_back(std::move(h), size);
  }
  // RFC 6962 splits at the largest power of two: fold the decomposition from the right.
  std::string root = stack.back().first;
  for (size_t j = stack.size() - 1; j-- > 0;) root = MerkleNodeHash(stack[j].first, root);
  return root;
}

std::vector<std::string> MerkleAuditPath(std::string_view leaves, uint64_t index) {
  std::vector<std::string> path;
  uint64_t n = leaves.size() / kHashSize;
  if (index >= n) return path;
  // Descend from the root, collecting the sibling subtree's hash at each level; the path
  // lists them leaf level first.
  std::vector<std::string> top_down;
  uint64_t begin = 0, size = n, m = index;
  while (size > 1) {
    uint64_t k = SplitPoint(size);
    if (m < k) {
      top_down.push_back(MerkleTreeHash(leaves.substr((begin + k) * kHashSize, (size - k) * kHashSize)));
      size = k;
    } else {
      top_down.push_back(MerkleTreeHash(leaves.substr(begin * kHashSize, k * kHashSize)));
      begin += k;
      size -= k;
      m -= k;
    }
  }
  path.assign(top_down.rbegin(), top_down.rend());
  return path;
}

bool VerifyMerkleInclusion(std::string_view leaf_hash, uint64_t index, uint64_t tree_size,
                           const std::vector<std::string>& path, std::string_view root) {
  if (index >= tree_size || leaf_hash.size() != kHashSize || root.size() != kHashSize) return false;
  uint64_t fn = index, sn = tree_size - 1;
  std::string r(leaf_hash);
  for (const auto& p : path) {
    if (p.size() != kHashSize || sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      r = MerkleNodeHash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = MerkleNodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && ConstantTimeEquals(r, root);
}

std::string MerkleRootKey(const Digest& digest) { return ReplaceDigestWord(DigestKey(digest)); }

std::string MerkleLeavesKey(const Digest& digest) {
  std::string key = MerkleRootKey(digest);
  key.resize(key.size() - std::string_view(".json.gz").size());
  return key + ".leaves";
}

std::string MerkleStringToSign(const MerkleRoot& r) {
  return "opentrail-merkle-v1\n" + DigestTime(r.end_ms) + "\n" + r.digest_bucket + "/" + r.digest_key + "\n" +
         r.digest_sha256_hex + "\n" + std::to_string(r.tree_size) + "\n" + r.root_hex;
}

std::string MerkleRootJson(const MerkleRoot& r) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  WriteRootFields(w, r);
  w.Key("leavesS3Object").String(r.leaves_key);
  w.Key("logFiles").BeginArray();
  for (const auto& f : r.files) {
    w.BeginObject();
    w.Key("s3Bucket").String(f.bucket);
    w.Key("s3Object").String(f.key);
    w.Key("firstLeaf").Int(static_cast<int64_t>(f.first_leaf));
    w.Key("leafCount").Int(static_cast<int64_t>(f.leaf_count));
    w.Key("newestEventTime").String(DigestTime(f.newest_event_ms));
    w.Key("oldestEventTime").String(DigestTime(f.oldest_event_ms));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return out;
}

Result<MerkleRoot> ParseMerkleRootJson(std::string_view text) {
  static constexpr const char* kCode = "InvalidMerkleRoot";
  auto o = ParseObject(text, kCode);
  if (!o.ok()) return o.status();
  Reader in{*o};
  MerkleRoot r;
  OT_RETURN_IF_ERROR(ReadRootFields(in, &r, kCode));
  if (!in.Str("leavesS3Object", &r.leaves_key)) return Status::Error(kCode, "leavesS3Object missing", 400);
  auto* files = o->if_contains("logFiles");
  if (!files || !files->is_array()) return Status::Error(kCode, "logFiles missing", 400);
  uint64_t next = 0;
  for (const auto& v : files->get_array()) {
    if (!v.is_object()) return Status::Error(kCode, "logFiles entry is not an object", 400);
    Reader f{v.get_object()};
    MerkleFileRange range;
    if (!f.Str("s3Bucket", &range.bucket) || !f.Str("s3Object", &range.key) || !f.U64("firstLeaf", &range.first_leaf) ||
        !f.U64("leafCount", &range.leaf_count) || !f.Time("newestEventTime", &range.newest_event_ms) ||
        !f.Time("oldestEventTime", &range.oldest_event_ms) || range.first_leaf != next) {
      return Status::Error(kCode, "logFiles entry is malformed", 400);
    }
    next += range.leaf_count;
    r.files.push_back(std::move(range));
  }
  if (next != r.tree_size) return Status::Error(kCode, "logFiles do not cover treeSize leaves", 400);
  return r;
}

Result<MerkleRoot> SignMerkleRoot(const Digest& digest, const SignedDigest& signed_digest, std::string_view leaf_hashes,
                                  const std::vector<uint64_t>& leaf_counts, SigningKeys* keys) {
  if (keys == nullptr) return Status::Internal("SignMerkleRoot: no signing keys");
  if (leaf_counts.size() != digest.log_files.size() || leaf_hashes.size() % kHashSize != 0)
    return Status::Internal("SignMerkleRoot: leaf counts do not match the digest's files");
  MerkleRoot r;
  r.account = digest.account;
  r.digest_bucket = digest.bucket;
  r.digest_key = signed_digest.key;
  r.digest_sha256_hex = signed_digest.sha256_hex;
  r.digest_signature_hex = signed_digest.signature_hex;
  r.start_ms = digest.start_ms;
  r.end_ms = digest.end_ms;
  r.tree_size = leaf_hashes.size() / kHashSize;
  r.root_hex = HexEncode(MerkleTreeHash(leaf_hashes));
  r.leaves_key = MerkleLeavesKey(digest);
  uint64_t next = 0;
  for (size_t i = 0; i < leaf_counts.size(); ++i) {
    const auto& f = digest.log_files[i];
    r.files.push_back({f.bucket, f.key, next, leaf_counts[i], f.oldest_event_ms, f.newest_event_ms});
    next += leaf_counts[i];
  }
  if (next != r.tree_size) return Status::Internal("SignMerkleRoot: leaf counts do not add up to the leaves");
  r.fingerprint = signed_digest.fingerprint;
  OT_RETURN_IF_ERROR(keys->Sign(r.fingerprint, MerkleStringToSign(r), &r.signature_hex));
  return r;
}

std::string InclusionProofJson(const InclusionProof& p) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("proofVersion").String(kProofVersion);
  w.Key("eventID").String(p.event_id);
  w.Key("record").String(p.record);
  w.Key("logFileS3Bucket").String(p.log_bucket);
  w.Key("logFileS3Object").String(p.log_key);
  w.Key("leafIndex").Int(static_cast<int64_t>(p.leaf_index));
  w.Key("auditPath").BeginArray();
  for (const auto& h : p.audit_path) w.String(HexEncode(h));
  w.EndArray();
  w.Key("treeRootS3Object").String(p.merkle_key);
  WriteRootFields(w, p.root);
  w.Key("publicKey").String(p.public_key);
  w.EndObject();
  out += '\n';
  return out;
}

Result<InclusionProof> ParseInclusionProofJson(std::string_view text) {
  static constexpr const char* kCode = "InvalidProof";
  auto o = ParseObject(text, kCode);
  if (!o.ok()) return o.status();
  Reader in{*o};
  InclusionProof p;
  std::string version;
  if (!in.Str("proofVersion", &version) || version != kProofVersion)
    return Status::Error(kCode, "not an opentrail inclusion proof (proofVersion)", 400);
  if (!in.Str("eventID", &p.event_id) || !in.Str("record", &p.record) || !in.Str("logFileS3Bucket", &p.log_bucket) ||
      !in.Str("logFileS3Object", &p.log_key) || !in.U64("leafIndex", &p.leaf_index) ||
      !in.Str("treeRootS3Object", &p.merkle_key) || !in.Str("publicKey", &p.public_key)) {
    return Status::Error(kCode, "a proof field is missing or of the wrong type", 400);
  }
  OT_RETURN_IF_ERROR(ReadRootFields(in, &p.root, kCode));
  auto* path = o->if_contains("auditPath");
  if (!path || !path->is_array() || path->get_array().size() > 64)
    return Status::Error(kCode, "auditPath is missing or too long", 400);
  for (const auto& h : path->get_array()) {
    std::string raw;
    if (!h.is_string() || !HexToBytes(h.get_string(), &raw) || raw.size() != kHashSize)
      return Status::Error(kCode, "auditPath entries must be 64 lowercase hex digits", 400);
    p.audit_path.push_back(std::move(raw));
  }
  return p;
}

Status VerifyInclusionProof(const InclusionProof& p, std::string_view public_key_value) {
  auto invalid = [](std::string why) { return Status::Error("InvalidProof", std::move(why), 400); };
  boost::system::error_code ec;
  json::value record = json::parse(p.record, ec);
  if (ec || !record.is_object()) return invalid("the record is not a JSON object");
  auto* id = record.get_object().if_contains("eventID");
  if (!id || !id->is_string() || id->get_string() != p.event_id)
    return invalid("the record's eventID is not " + p.event_id);
  std::string root;
  HexToBytes(p.root.root_hex, &root);
  if (!VerifyMerkleInclusion(MerkleLeafHash(p.record), p.leaf_index, p.root.tree_size, p.audit_path, root))
    return invalid("the audit path does not lead from the record to rootHash");
  std::string der;
  if (!Base64Decode(public_key_value, &der) || der.empty()) return invalid("the public key is not base64");
  if (Md5Hex(der) != p.root.fingerprint)
    return invalid("the public key's fingerprint " + Md5Hex(der) + " is not the root's " + p.root.fingerprint);
  if (!VerifySignature(public_key_value, MerkleStringToSign(p.root), p.root.signature_hex))
    return invalid("the tree root's signature does not verify with the public key");
  return Status::Ok();
}

}  // namespace ot::integrity
