// integrity/merkle.h — per-event inclusion proofs, opentrail's extension beyond AWS
// (integrity.md §12).
//
// For every digest interval the events of the log files the digest lists, in the digest's
// order and in file order, are the leaves of an RFC 6962 Merkle tree (leaf = SHA-256(0x00 ‖
// record bytes as delivered), node = SHA-256(0x01 ‖ left ‖ right)). Next to the digest, in
// the sibling folder CloudTrail-Merkle/ (which the AWS CLI's digest key regex never
// matches), two objects are written:
//   ..._STAMP.json.gz  the "tree root": the root hash and size, the files' leaf ranges, and
//                      a SHA256withRSA signature by the digest's key over MerkleStringToSign
//                      — which binds the root to the digest file's own hash;
//   ..._STAMP.leaves   the raw 32-byte leaf hashes, so a prover needs only this and the one
//                      log file holding the event, never the whole interval's logs.
// An inclusion proof (RFC 9162 §2.1.3) is the record's bytes, its leaf index, the audit
// path and the signed root: about log2(n) hashes, checkable offline with the public key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "integrity/integrity.h"

namespace ot::integrity {

inline constexpr size_t kHashSize = 32;

// SHA-256(0x00 ‖ record): 32 raw bytes.
std::string MerkleLeafHash(std::string_view record);
// SHA-256(0x01 ‖ left ‖ right): 32 raw bytes.
std::string MerkleNodeHash(std::string_view left, std::string_view right);

// MTH(D[n]) of RFC 6962 over leaf hashes given as one string of n × 32 bytes (the empty
// tree's root is SHA-256 of nothing). Linear time, O(log n) memory.
std::string MerkleTreeHash(std::string_view leaf_hashes);

// PATH(m, D[n]) of RFC 6962: the audit path of leaf `index` (sibling hashes, leaf level
// first). `leaf_hashes` as above; index < n.
std::vector<std::string> MerkleAuditPath(std::string_view leaf_hashes, uint64_t index);

// RFC 9162 §2.1.3.2: true when `path` proves `leaf_hash` is leaf `index` of the tree of
// `tree_size` leaves whose root is `root`. All hashes raw 32 bytes.
bool VerifyMerkleInclusion(std::string_view leaf_hash, uint64_t index, uint64_t tree_size,
                           const std::vector<std::string>& path, std::string_view root);

// ---- The signed tree root ------------------------------------------------------------

struct MerkleFileRange {
  std::string bucket;
  std::string key;
  uint64_t first_leaf = 0;
  uint64_t leaf_count = 0;
  int64_t oldest_event_ms = 0;
  int64_t newest_event_ms = 0;
};

struct MerkleRoot {
  std::string account;
  std::string digest_bucket;
  std::string digest_key;
  std::string digest_sha256_hex;  // of the digest file's uncompressed JSON
  std::string digest_signature_hex;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  uint64_t tree_size = 0;
  std::string root_hex;
  std::string leaves_key;
  std::vector<MerkleFileRange> files;
  std::string fingerprint;        // of the signing key (the digest's)
  std::string signature_hex;
};

// Keys of the two objects: the digest key with "CloudTrail-Digest" (folder and file name)
// replaced by "CloudTrail-Merkle", ending ".json.gz" (root) and ".leaves".
std::string MerkleRootKey(const Digest& digest);
std::string MerkleLeavesKey(const Digest& digest);

// "opentrail-merkle-v1\nDIGEST_END\nDIGEST_BUCKET/DIGEST_KEY\nDIGEST_SHA256\nTREE_SIZE\nROOT_HEX"
// (DIGEST_END as in the digest, "YYYY-MM-DDTHH:MM:SSZ").
std::string MerkleStringToSign(const MerkleRoot& root);

// The root object's JSON (uncompressed) and its parser (InvalidMerkleRoot on bad input).
std::string MerkleRootJson(const MerkleRoot& root);
Result<MerkleRoot> ParseMerkleRootJson(std::string_view json);

// Builds and signs the root of a signed digest. `leaf_hashes` holds every listed file's
// leaves in order; `leaf_counts[i]` is the number of leaves of digest.log_files[i].
Result<MerkleRoot> SignMerkleRoot(const Digest& digest, const SignedDigest& signed_digest,
                                  std::string_view leaf_hashes, const std::vector<uint64_t>& leaf_counts,
                                  SigningKeys* keys);

// ---- Inclusion proofs ----------------------------------------------------------------

struct InclusionProof {
  std::string event_id;
  std::string record;             // the record's exact bytes as delivered
  std::string log_bucket, log_key;
  uint64_t leaf_index = 0;
  std::vector<std::string> audit_path;  // raw hashes
  MerkleRoot root;                // files left empty in proofs
  std::string merkle_key;         // where the root object is
  std::string public_key;         // ListPublicKeys Value, "" when unknown
};

std::string InclusionProofJson(const InclusionProof& proof);
Result<InclusionProof> ParseInclusionProofJson(std::string_view json);

// Checks a proof offline: the record's eventID, its leaf hash, the path to the root, the
// root's signature with `public_key_value` (a ListPublicKeys Value) and that key's
// fingerprint. Ok, or InvalidProof with the first failing check as message.
Status VerifyInclusionProof(const InclusionProof& proof, std::string_view public_key_value);

}  // namespace ot::integrity
