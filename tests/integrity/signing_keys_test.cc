// Signing keys (integrity.md §5–§6): creation, persistence, rotation, encryption at rest,
// signatures that verify with the ListPublicKeys Value; SignDigest end to end.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <atomic>
#include <set>
#include <thread>

#include <boost/json.hpp>

#include "common/crypto.h"
#include "integrity/integrity.h"
#include "test_util.h"

namespace ot::integrity {
namespace {

namespace json = boost::json;

constexpr const char* kFamily = "meta";
constexpr int64_t kHour = 3'600'000;
constexpr int64_t kT0 = 1'795'000'000'000;  // 2026-11-18

// Wraps the real master-key provider and remembers every plaintext data key it handed out.
class RecordingProvider : public objectstore::KeyProvider {
 public:
  explicit RecordingProvider(objectstore::KeyProvider* inner) : inner_(inner) {}
  Result<DataKey> NewDataKey(const objectstore::Encryption& e) override {
    auto k = inner_->NewDataKey(e);
    if (k.ok()) issued.push_back(*k);
    return k;
  }
  Result<std::string> UnwrapDataKey(const objectstore::Encryption& e, std::string_view wrapped) override {
    ++unwraps;
    return inner_->UnwrapDataKey(e, wrapped);
  }
  std::vector<DataKey> issued;
  std::atomic<int> unwraps{0};

 private:
  objectstore::KeyProvider* inner_;
};

class SigningKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OpenKv();
    auto p = objectstore::OpenMasterKeyProvider(dir_.path() + "/master.key");
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    master_ = std::move(*p);
    provider_ = std::make_unique<RecordingProvider>(master_.get());
  }

  void OpenKv() {
    auto kv = storage::OpenRocksDb(dir_.path() + "/db", std::vector<std::string>{kFamily, "other"});
    ASSERT_TRUE(kv.ok()) << kv.status().ToString();
    kv_ = std::move(*kv);
  }

  std::unique_ptr<SigningKeys> Open(int64_t rotation_ms = 30 * 24 * kHour, objectstore::KeyProvider* p = nullptr) {
    auto keys = SigningKeys::Open(kv_.get(), kFamily, p ? p : provider_.get(), rotation_ms);
    EXPECT_TRUE(keys.ok()) << keys.status().ToString();
    return keys.ok() ? std::move(*keys) : nullptr;
  }

  // Every (key, value) of the family.
  std::vector<std::pair<std::string, std::string>> Scan() {
    std::vector<std::pair<std::string, std::string>> out;
    auto it = kv_->NewIterator(kFamily);
    for (it->SeekToFirst(); it->Valid(); it->Next()) out.emplace_back(std::string(it->key()), std::string(it->value()));
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<storage::KvStore> kv_;
  std::unique_ptr<objectstore::KeyProvider> master_;
  std::unique_ptr<RecordingProvider> provider_;
};

const PublicKey* Find(const std::vector<PublicKey>& list, const std::string& fp) {
  for (const auto& k : list)
    if (k.fingerprint == fp) return &k;
  return nullptr;
}

TEST_F(SigningKeysTest, CreatesKeyWithPkcs1ValueAndMd5Fingerprint) {
  auto keys = Open();
  ASSERT_TRUE(keys);
  EXPECT_TRUE(keys->List(0, INT64_MAX).empty());
  auto fp = keys->Current("us-east-1", kT0);
  ASSERT_TRUE(fp.ok()) << fp.status().ToString();
  EXPECT_EQ(fp->size(), 32u);
  EXPECT_TRUE(IsLowerHex(*fp));

  auto list = keys->List(kT0, kT0);
  ASSERT_EQ(list.size(), 1u);
  const PublicKey& k = list[0];
  EXPECT_EQ(k.region, "us-east-1");
  EXPECT_EQ(k.fingerprint, *fp);
  EXPECT_EQ(k.valid_from_ms, kT0);
  EXPECT_GT(k.valid_until_ms, kT0 + 30 * 24 * kHour);
  EXPECT_EQ(k.value.substr(0, 12), "MIIBCgKCAQEA");
  std::string der;
  ASSERT_TRUE(Base64Decode(k.value, &der));
  EXPECT_EQ(Base64Encode(der), k.value) << "standard, padded base64";
  ASSERT_EQ(der.size(), 270u);
  EXPECT_EQ(static_cast<uint8_t>(der[0]), 0x30);
  EXPECT_EQ(static_cast<uint8_t>(der[1]), 0x82);
  EXPECT_EQ(static_cast<uint8_t>(der[2]), 0x01);
  EXPECT_EQ(static_cast<uint8_t>(der[3]), 0x0a);
  EXPECT_EQ(der.substr(der.size() - 5), std::string("\x02\x03\x01\x00\x01", 5)) << "e = 65537";
  EXPECT_EQ(Md5Hex(der), *fp);

  // OpenSSL reads it as an RSA-2048 PKCS#1 RSAPublicKey.
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  EVP_PKEY* pkey = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der.size()));
  ASSERT_NE(pkey, nullptr);
  EXPECT_EQ(EVP_PKEY_get_bits(pkey), 2048);
  EVP_PKEY_free(pkey);

  // Same key while it is current.
  auto again = keys->Current("us-east-1", kT0 + 10 * 24 * kHour);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *fp);
  EXPECT_EQ(keys->List(0, INT64_MAX).size(), 1u);
}

TEST_F(SigningKeysTest, SignaturesVerifyWithListedValueAndAreFullLength) {
  auto keys = Open();
  auto fp = keys->Current("us-east-1", kT0);
  ASSERT_TRUE(fp.ok());
  std::string value = keys->List(kT0, kT0)[0].value;
  std::set<std::string> seen;
  for (int i = 0; i < 64; ++i) {
    std::string data = "message " + std::to_string(i);
    std::string sig;
    ASSERT_TRUE(keys->Sign(*fp, data, &sig).ok());
    ASSERT_EQ(sig.size(), 512u) << i;
    EXPECT_TRUE(IsLowerHex(sig));
    EXPECT_TRUE(VerifySignature(value, data, sig)) << i;
    EXPECT_FALSE(VerifySignature(value, data + "x", sig));
    seen.insert(sig);
    // Deterministic (PKCS#1 v1.5).
    std::string sig2;
    ASSERT_TRUE(keys->Sign(*fp, data, &sig2).ok());
    EXPECT_EQ(sig, sig2);
  }
  EXPECT_EQ(seen.size(), 64u);
  std::string sig;
  EXPECT_FALSE(keys->Sign("00000000000000000000000000000000", "x", &sig).ok());
}

TEST_F(SigningKeysTest, PersistsAndReopensWithTheSameKey) {
  std::string fp, value, sig;
  {
    auto keys = Open();
    auto r = keys->Current("eu-west-1", kT0);
    ASSERT_TRUE(r.ok());
    fp = *r;
    value = keys->List(kT0, kT0)[0].value;
    ASSERT_TRUE(keys->Sign(fp, "before", &sig).ok());
  }
  kv_.reset();
  OpenKv();
  provider_->unwraps = 0;
  auto keys = Open();
  auto list = keys->List(0, INT64_MAX);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].fingerprint, fp);
  EXPECT_EQ(list[0].value, value);
  EXPECT_EQ(list[0].region, "eu-west-1");
  EXPECT_EQ(provider_->unwraps, 0) << "listing never decrypts";
  auto r = keys->Current("eu-west-1", kT0 + kHour);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, fp);
  std::string sig2;
  ASSERT_TRUE(keys->Sign(fp, "before", &sig2).ok());
  EXPECT_EQ(sig2, sig);
  ASSERT_TRUE(keys->Sign(fp, "after", &sig2).ok());
  EXPECT_TRUE(VerifySignature(value, "after", sig2));
  ASSERT_TRUE(keys->Sign(fp, "again", &sig2).ok());
  EXPECT_EQ(provider_->unwraps, 1) << "decrypted once, then cached";
}

TEST_F(SigningKeysTest, RotatesWithOverlappingWindows) {
  auto keys = Open(/*rotation_ms=*/24 * kHour);
  auto a = keys->Current("us-east-1", kT0);
  ASSERT_TRUE(a.ok());
  auto same = keys->Current("us-east-1", kT0 + 24 * kHour - 1);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, *a);
  auto b = keys->Current("us-east-1", kT0 + 24 * kHour);
  ASSERT_TRUE(b.ok());
  EXPECT_NE(*b, *a);
  EXPECT_EQ(*keys->Current("us-east-1", kT0 + 25 * kHour), *b);

  auto list = keys->List(kT0, kT0 + 48 * kHour);
  ASSERT_EQ(list.size(), 2u);
  const PublicKey* ka = Find(list, *a);
  const PublicKey* kb = Find(list, *b);
  ASSERT_TRUE(ka && kb);
  int64_t grace = DefaultRotationGraceMs(24 * kHour);
  EXPECT_EQ(ka->valid_from_ms, kT0);
  EXPECT_EQ(ka->valid_until_ms, kT0 + 24 * kHour + grace) << "the old window stays as it was";
  EXPECT_EQ(kb->valid_from_ms, kT0 + 24 * kHour);
  EXPECT_EQ(kb->valid_until_ms, kT0 + 48 * kHour + grace);
  EXPECT_LT(kb->valid_from_ms, ka->valid_until_ms) << "windows overlap";

  // Range queries: only the old key before the rotation, both during the overlap, only the
  // new one after the old window ends.
  auto before = keys->List(kT0 + kHour, kT0 + 2 * kHour);
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0].fingerprint, *a);
  EXPECT_EQ(keys->List(kT0 + 24 * kHour + 1, kT0 + 24 * kHour + 2).size(), 2u);
  auto after = keys->List(kT0 + 24 * kHour + grace + 1, kT0 + 100 * kHour);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].fingerprint, *b);
  EXPECT_TRUE(keys->List(kT0 - 10 * kHour, kT0 - 1).empty());

  // The old key still signs (for digests signed just before the rotation) and verifies.
  std::string sig;
  ASSERT_TRUE(keys->Sign(*a, "old", &sig).ok());
  EXPECT_TRUE(VerifySignature(ka->value, "old", sig));
  EXPECT_FALSE(VerifySignature(kb->value, "old", sig));

  // A long idle period: the next call rotates again.
  auto c = keys->Current("us-east-1", kT0 + 1000 * kHour);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(*c, *b);
  EXPECT_EQ(keys->List(0, INT64_MAX).size(), 3u);
}

TEST_F(SigningKeysTest, ExplicitGraceAndRegionsAreIndependent) {
  auto opened = SigningKeys::Open(kv_.get(), kFamily, provider_.get(), kHour, 2 * kHour);
  ASSERT_TRUE(opened.ok());
  auto& keys = *opened;
  auto east = keys->Current("us-east-1", kT0);
  auto west = keys->Current("us-west-2", kT0 + 1000);
  ASSERT_TRUE(east.ok() && west.ok());
  EXPECT_NE(*east, *west);
  EXPECT_EQ(keys->List(kT0, kT0 + 999).size(), 1u);
  auto list = keys->List(kT0, kT0 + 1000);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].region, "us-east-1");
  EXPECT_EQ(list[1].region, "us-west-2");
  EXPECT_EQ(list[0].valid_until_ms, kT0 + 3 * kHour);
  // Rotating one region leaves the other alone.
  auto east2 = keys->Current("us-east-1", kT0 + kHour);
  ASSERT_TRUE(east2.ok());
  EXPECT_NE(*east2, *east);
  EXPECT_EQ(*keys->Current("us-west-2", kT0 + kHour), *west);

  EXPECT_FALSE(SigningKeys::Open(kv_.get(), kFamily, provider_.get(), 0).ok());
  EXPECT_FALSE(SigningKeys::Open(kv_.get(), kFamily, provider_.get(), kHour, -1).ok());
}

TEST_F(SigningKeysTest, PrivateKeyIsEncryptedAtRest) {
  auto keys = Open();
  auto fp = keys->Current("us-east-1", kT0);
  ASSERT_TRUE(fp.ok());
  ASSERT_EQ(provider_->issued.size(), 1u);
  const auto& data_key = provider_->issued[0];

  auto entries = Scan();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].first, "signing-key/us-east-1/" + *fp);
  const std::string& value = entries[0].second;
  json::value doc = json::parse(value);
  const auto& o = doc.as_object();

  // Recover the private key with the data key (AES-256-GCM) to know what must not appear.
  std::string wrapped, nonce, ct, tag;
  ASSERT_TRUE(Base64Decode(o.at("wrappedDataKey").as_string(), &wrapped));
  ASSERT_TRUE(Base64Decode(o.at("nonce").as_string(), &nonce));
  ASSERT_TRUE(Base64Decode(o.at("ciphertext").as_string(), &ct));
  ASSERT_TRUE(Base64Decode(o.at("tag").as_string(), &tag));
  EXPECT_EQ(wrapped, data_key.wrapped);
  EXPECT_EQ(nonce.size(), 12u);
  EXPECT_EQ(tag.size(), 16u);
  std::string aad = "opentrail/signing-key/v1\nus-east-1\n" + *fp;
  std::string der(ct.size(), '\0');
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int len = 0, fin = 0;
  auto U = [](const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); };
  ASSERT_EQ(EVP_DecryptInit_ex2(ctx, EVP_aes_256_gcm(), U(data_key.plaintext), U(nonce), nullptr), 1);
  ASSERT_EQ(EVP_DecryptUpdate(ctx, nullptr, &len, U(aad), static_cast<int>(aad.size())), 1);
  ASSERT_EQ(EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(der.data()), &len, U(ct), static_cast<int>(ct.size())), 1);
  ASSERT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag.data()), 1);
  ASSERT_EQ(EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(der.data()) + len, &fin), 1);
  EVP_CIPHER_CTX_free(ctx);

  // It is a PKCS#8 RSA private key whose public half is the listed key.
  const unsigned char* p = U(der);
  PKCS8_PRIV_KEY_INFO* p8 = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size()));
  ASSERT_NE(p8, nullptr);
  EVP_PKEY* pkey = EVP_PKCS82PKEY(p8);
  PKCS8_PRIV_KEY_INFO_free(p8);
  ASSERT_NE(pkey, nullptr);
  unsigned char* pub = nullptr;
  int n = i2d_PublicKey(pkey, &pub);
  ASSERT_GT(n, 0);
  std::string pub_der(reinterpret_cast<char*>(pub), n);
  OPENSSL_free(pub);
  EVP_PKEY_free(pkey);
  EXPECT_EQ(Md5Hex(pub_der), *fp);

  // Neither the private DER, nor a 32-byte piece of it, nor the data key appears in any
  // value, raw or under one layer of base64 (any alignment), in any family.
  auto absent = [&](const std::string& haystack, const std::string& where) {
    EXPECT_EQ(haystack.find(der), std::string::npos) << where;
    EXPECT_EQ(haystack.find(data_key.plaintext), std::string::npos) << where;
    // (Pieces of the modulus are public: they are in the listed key as well.)
    for (size_t off = 0; off + 32 <= der.size(); off += 97) {
      std::string piece = der.substr(off, 32);
      if (pub_der.find(piece) != std::string::npos) continue;
      EXPECT_EQ(haystack.find(piece), std::string::npos) << where << " offset " << off;
    }
  };
  for (const auto& [k, v] : entries) {
    absent(v, k);
    for (const auto& [name, field] : o) {
      if (!field.is_string()) continue;
      std::string decoded;
      if (Base64Decode(field.as_string(), &decoded)) absent(decoded, k + ":" + std::string(name));
    }
  }
  // The private exponent onwards (past the modulus, which is public) in base64 at any alignment.
  size_t tail = der.size() - 600;
  for (int shift = 0; shift < 3; ++shift) {
    std::string b64 = Base64Encode(der.substr(tail + shift, 300));
    EXPECT_EQ(value.find(b64.substr(4, 40)), std::string::npos);
  }
  int checked = 0;
  for (size_t off = 0; off + 32 <= der.size(); off += 97) checked += pub_der.find(der.substr(off, 32)) == std::string::npos;
  EXPECT_GT(checked, 8);
  EXPECT_EQ(Scan().size(), 1u);
  auto other = kv_->NewIterator("other");
  other->SeekToFirst();
  EXPECT_FALSE(other->Valid()) << "only the given family is used";
}

TEST_F(SigningKeysTest, TamperedOrForeignEntriesDoNotSign) {
  std::string fp;
  {
    auto keys = Open();
    auto r = keys->Current("us-east-1", kT0);
    ASSERT_TRUE(r.ok());
    fp = *r;
  }
  auto entries = Scan();
  ASSERT_EQ(entries.size(), 1u);
  json::object o = json::parse(entries[0].second).as_object();
  std::string ct;
  ASSERT_TRUE(Base64Decode(o["ciphertext"].as_string(), &ct));
  ct[10] ^= 1;
  o["ciphertext"] = Base64Encode(ct);
  ASSERT_TRUE(kv_->Put(kFamily, entries[0].first, json::serialize(o), true).ok());
  {
    auto keys = Open();
    std::string sig;
    Status st = keys->Sign(fp, "x", &sig);
    EXPECT_FALSE(st.ok());
    EXPECT_TRUE(sig.empty());
  }
  // The original entry under another master key: cannot be unwrapped.
  ASSERT_TRUE(kv_->Put(kFamily, entries[0].first, entries[0].second, true).ok());
  auto foreign = objectstore::OpenMasterKeyProvider(dir_.path() + "/other.key");
  ASSERT_TRUE(foreign.ok());
  {
    auto keys = Open(30 * 24 * kHour, foreign->get());
    std::string sig;
    EXPECT_FALSE(keys->Sign(fp, "x", &sig).ok());
    // The public part still lists.
    EXPECT_EQ(keys->List(0, INT64_MAX).size(), 1u);
  }
  // And with the right master key again it signs.
  auto keys = Open();
  std::string sig;
  EXPECT_TRUE(keys->Sign(fp, "x", &sig).ok());
}

TEST_F(SigningKeysTest, ConcurrentCallersShareOneKey) {
  auto keys = Open();
  std::vector<std::thread> threads;
  std::vector<std::string> fps(8);
  std::atomic<int> bad{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto fp = keys->Current("ap-south-1", kT0);
      if (!fp.ok()) {
        ++bad;
        return;
      }
      fps[i] = *fp;
      for (int j = 0; j < 10; ++j) {
        std::string sig;
        if (!keys->Sign(*fp, "t" + std::to_string(j), &sig).ok() || sig.size() != 512) ++bad;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad, 0);
  for (auto& fp : fps) EXPECT_EQ(fp, fps[0]);
  EXPECT_EQ(keys->List(0, INT64_MAX).size(), 1u);
}

TEST_F(SigningKeysTest, SignDigestEndToEnd) {
  auto keys = Open();
  Digest d;
  d.account = "111122223333";
  d.source_region = "us-west-2";
  d.trail_name = "org.trail_1";
  d.home_region = "us-east-1";
  d.bucket = "b";
  d.start_ms = kT0 - kHour;
  d.end_ms = kT0;
  auto s = SignDigest(d, keys.get(), kT0 + 60'000);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->key, DigestKey(d));
  EXPECT_EQ(s->json, DigestJson(d, s->fingerprint));
  EXPECT_EQ(s->sha256_hex, Sha256Hex(s->json));
  EXPECT_EQ(s->signature_hex.size(), 512u);
  auto list = keys->List(kT0, kT0 + 2 * kHour);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].region, "us-west-2");
  EXPECT_EQ(list[0].fingerprint, s->fingerprint);
  EXPECT_TRUE(VerifySignature(list[0].value, StringToSign(d, s->sha256_hex), s->signature_hex));
  EXPECT_NE(s->json.find("\"digestPublicKeyFingerprint\":\"" + s->fingerprint + "\""), std::string::npos);

  // The next digest chains to it.
  Digest next = d;
  next.start_ms = d.end_ms;
  next.end_ms = d.end_ms + kHour;
  next.previous = PreviousDigest{d.bucket, s->key, s->sha256_hex, s->signature_hex};
  auto s2 = SignDigest(next, keys.get(), kT0 + kHour + 60'000);
  ASSERT_TRUE(s2.ok());
  std::string sts = StringToSign(next, s2->sha256_hex);
  EXPECT_EQ(sts.substr(sts.rfind('\n') + 1), s->signature_hex);
  EXPECT_TRUE(VerifySignature(list[0].value, sts, s2->signature_hex));

  EXPECT_FALSE(SignDigest(d, nullptr, kT0).ok());
}

}  // namespace
}  // namespace ot::integrity
