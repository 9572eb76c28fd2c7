// Per-event inclusion proofs (integrity.md §12): RFC 6962 tree hashes against the
// certificate-transparency test vectors, audit paths for every leaf of many tree sizes,
// rejection of altered proofs, the signed root and a proof checked end to end.
#include "integrity/merkle.h"

#include <gtest/gtest.h>

#include "common/crypto.h"
#include "objectstore/object_store.h"
#include "test_util.h"

namespace ot::integrity {
namespace {

// The eight inputs of the certificate-transparency Merkle tree tests and the roots of their
// first 1..8 leaves (RFC 6962 hashing).
const std::vector<std::string> kInputs = {
    "", std::string("\x00", 1), "\x10", "\x20\x21", "\x30\x31", "\x40\x41\x42\x43",
    "\x50\x51\x52\x53\x54\x55\x56\x57", "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"};
const char* const kRoots[] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

std::string Leaves(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += MerkleLeafHash(i < kInputs.size() ? kInputs[i] : "leaf" + std::to_string(i));
  return out;
}

TEST(MerkleTest, RootsMatchTheRfc6962TestVectors) {
  EXPECT_EQ(HexEncode(MerkleTreeHash("")), Sha256Hex(""));
  for (size_t n = 1; n <= 8; ++n) EXPECT_EQ(HexEncode(MerkleTreeHash(Leaves(n))), kRoots[n - 1]) << n;
}

TEST(MerkleTest, EveryLeafOfEverySizeHasAPathThatVerifiesAndOnlyThere) {
  for (uint64_t n = 1; n <= 70; ++n) {
    std::string leaves = Leaves(n);
    std::string root = MerkleTreeHash(leaves);
    for (uint64_t i = 0; i < n; ++i) {
      auto path = MerkleAuditPath(leaves, i);
      std::string leaf = leaves.substr(i * kHashSize, kHashSize);
      ASSERT_TRUE(VerifyMerkleInclusion(leaf, i, n, path, root)) << i << "/" << n;
      EXPECT_LE(path.size(), 7u);
      // The same path proves nothing for another index, size, leaf or root.
      if (n > 1) {
        EXPECT_FALSE(VerifyMerkleInclusion(leaf, (i + 1) % n, n, path, root)) << i << "/" << n;
      }
      // (The size alone is not bound by the path: a signed root carries it.)
      EXPECT_FALSE(VerifyMerkleInclusion(MerkleLeafHash("other"), i, n, path, root));
      EXPECT_FALSE(VerifyMerkleInclusion(leaf, i, n, path, MerkleLeafHash("root")));
      if (!path.empty()) {
        auto altered = path;
        altered.back()[5] ^= 1;
        EXPECT_FALSE(VerifyMerkleInclusion(leaf, i, n, altered, root));
        altered = path;
        altered.pop_back();
        EXPECT_FALSE(VerifyMerkleInclusion(leaf, i, n, altered, root));
      }
      auto longer = path;
      longer.push_back(leaf);
      EXPECT_FALSE(VerifyMerkleInclusion(leaf, i, n, longer, root));
    }
    EXPECT_FALSE(VerifyMerkleInclusion(leaves.substr(0, kHashSize), n, n, {}, root));
  }
}

TEST(MerkleTest, LeafIsDomainSeparatedFromNode) {
  std::string a = MerkleLeafHash("a"), b = MerkleLeafHash("b");
  // A node's preimage presented as a leaf does not hash to the node.
  EXPECT_NE(MerkleLeafHash(a + b), MerkleNodeHash(a, b));
  EXPECT_EQ(MerkleTreeHash(a + b), MerkleNodeHash(a, b));
}

class MerkleSigningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kv = storage::OpenRocksDb(dir_.path() + "/db", std::vector<std::string>{"meta"});
    ASSERT_TRUE(kv.ok()) << kv.status().ToString();
    kv_ = std::move(*kv);
    auto p = objectstore::OpenMasterKeyProvider(dir_.path() + "/master.key");
    ASSERT_TRUE(p.ok());
    provider_ = std::move(*p);
    auto keys = SigningKeys::Open(kv_.get(), "meta", provider_.get(), 30LL * 24 * 3'600'000);
    ASSERT_TRUE(keys.ok());
    keys_ = std::move(*keys);
  }
  testing::TempDir dir_;
  std::unique_ptr<storage::KvStore> kv_;
  std::unique_ptr<objectstore::KeyProvider> provider_;
  std::unique_ptr<SigningKeys> keys_;
};

TEST_F(MerkleSigningTest, SignedRootRoundTripsAndProofVerifiesOffline) {
  const int64_t t0 = 1'795'000'000'000;
  Digest d;
  d.account = "123456789012";
  d.source_region = d.home_region = "us-east-1";
  d.trail_name = "t";
  d.bucket = "b";
  d.prefix = "p";
  d.start_ms = t0;
  d.end_ms = t0 + 3'600'000;
  std::vector<std::string> records;
  for (int i = 0; i < 5; ++i)
    records.push_back(R"({"eventVersion":"1.11","eventID":"e)" + std::to_string(i) + R"(","eventName":"X"})");
  d.log_files = {{"b", "p/AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/18/one.json.gz", "aa", t0, t0},
                 {"b", "p/AWSLogs/123456789012/CloudTrail/us-east-1/2026/11/18/two.json.gz", "bb", t0, t0}};
  std::string leaves;
  for (auto& r : records) leaves += MerkleLeafHash(r);
  auto signed_digest = SignDigest(d, keys_.get(), d.end_ms);
  ASSERT_TRUE(signed_digest.ok());
  auto root = SignMerkleRoot(d, *signed_digest, leaves, {2, 3}, keys_.get());
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(root->tree_size, 5u);
  EXPECT_EQ(root->fingerprint, signed_digest->fingerprint);
  EXPECT_EQ(MerkleRootKey(d),
            "p/AWSLogs/123456789012/CloudTrail-Merkle/us-east-1/2026/11/18/"
            "123456789012_CloudTrail-Merkle_us-east-1_t_us-east-1_20261118T120640Z.json.gz");
  EXPECT_EQ(root->leaves_key, "p/AWSLogs/123456789012/CloudTrail-Merkle/us-east-1/2026/11/18/"
                              "123456789012_CloudTrail-Merkle_us-east-1_t_us-east-1_20261118T120640Z.leaves");
  EXPECT_EQ(MerkleRootKey(d).find("CloudTrail-Digest"), std::string::npos);

  auto parsed = ParseMerkleRootJson(MerkleRootJson(*root));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(MerkleRootJson(*parsed), MerkleRootJson(*root));
  ASSERT_EQ(parsed->files.size(), 2u);
  EXPECT_EQ(parsed->files[1].first_leaf, 2u);
  EXPECT_EQ(parsed->files[1].leaf_count, 3u);

  auto keys = keys_->List(0, INT64_MAX);
  ASSERT_EQ(keys.size(), 1u);
  InclusionProof proof;
  proof.event_id = "e3";
  proof.record = records[3];
  proof.log_bucket = "b";
  proof.log_key = d.log_files[1].key;
  proof.leaf_index = 3;
  proof.audit_path = MerkleAuditPath(leaves, 3);
  proof.root = *parsed;
  proof.root.files.clear();
  proof.merkle_key = MerkleRootKey(d);
  proof.public_key = keys[0].value;
  auto round = ParseInclusionProofJson(InclusionProofJson(proof));
  ASSERT_TRUE(round.ok()) << round.status().ToString();
  EXPECT_TRUE(VerifyInclusionProof(*round, keys[0].value).ok());

  auto expect_invalid = [&](InclusionProof p, const char* what) {
    Status s = VerifyInclusionProof(p, keys[0].value);
    EXPECT_FALSE(s.ok()) << what;
    EXPECT_EQ(s.code(), "InvalidProof") << what;
  };
  { auto p = *round; p.record[p.record.size() - 3] = 'Y'; expect_invalid(p, "altered record"); }
  { auto p = *round; p.event_id = "e4"; expect_invalid(p, "other event id"); }
  { auto p = *round; p.leaf_index = 2; expect_invalid(p, "other index"); }
  { auto p = *round; p.root.tree_size = 6; expect_invalid(p, "other size"); }
  { auto p = *round; p.root.root_hex[0] = p.root.root_hex[0] == 'a' ? 'b' : 'a'; expect_invalid(p, "other root"); }
  { auto p = *round; p.root.digest_key += "x"; expect_invalid(p, "other digest"); }
  { auto p = *round; p.root.signature_hex[10] = p.root.signature_hex[10] == '0' ? '1' : '0'; expect_invalid(p, "signature"); }
  { auto p = *round; p.record = "not json"; expect_invalid(p, "bad record"); }
  // A key of another region (another fingerprint) is refused.
  ASSERT_TRUE(keys_->Current("eu-west-1", t0).ok());
  for (const auto& k : keys_->List(0, INT64_MAX)) {
    if (k.fingerprint == keys[0].fingerprint) continue;
    Status s = VerifyInclusionProof(*round, k.value);
    EXPECT_FALSE(s.ok());
  }
  // Leaf counts that do not add up are refused.
  EXPECT_FALSE(SignMerkleRoot(d, *signed_digest, leaves, {2, 2}, keys_.get()).ok());
  EXPECT_FALSE(SignMerkleRoot(d, *signed_digest, leaves, {5}, keys_.get()).ok());
}

TEST(MerkleParseTest, HostileInputIsRefusedWithoutCrashing) {
  for (std::string_view text : {"", "[]", "{", "{\"proofVersion\":1}", "{\"proofVersion\":\"opentrail-inclusion-proof-1\"}",
                                "null", "{\"treeSize\":-1}", "\xff\xfe"}) {
    EXPECT_FALSE(ParseInclusionProofJson(text).ok()) << text;
    EXPECT_FALSE(ParseMerkleRootJson(text).ok()) << text;
  }
}

}  // namespace
}  // namespace ot::integrity
