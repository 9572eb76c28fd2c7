// integrity/signing_keys.cc — per-region RSA-2048 signing keys (integrity.md §5, §6).
//
// Each key is one KV entry "signing-key/<region>/<fingerprint>" in the given family, a JSON
// document holding the public half (PKCS#1 DER, base64), the validity window and the
// private half as PKCS#8 DER sealed with AES-256-GCM under a fresh data key from the
// wrapping KeyProvider (SSE-S3 mode); the wrapped data key, nonce, ciphertext and tag are
// stored, the plaintext data key never is. Decrypted keys live in memory only.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

#include <boost/json.hpp>

#include "common/crypto.h"
#include "integrity/integrity.h"

namespace ot::integrity {

namespace json = boost::json;

namespace {

constexpr std::string_view kKeyPrefix = "signing-key/";
constexpr int kRsaBits = 2048;
constexpr size_t kDataKeySize = 32;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;
constexpr int64_t kMaxGraceMs = 86'400'000;  // one day

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using SharedPkey = std::shared_ptr<EVP_PKEY>;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

// A string whose contents are wiped when it goes away (plaintext key material).
struct SecretString {
  std::string s;
  SecretString() = default;
  explicit SecretString(std::string v) : s(std::move(v)) {}
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  ~SecretString() {
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  }
};

Status CryptoError(const std::string& what) { return Status::Internal("signing keys: " + what); }

const unsigned char* U(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// PKCS#1 RSAPublicKey DER of an RSA key.
std::string PublicDer(EVP_PKEY* pkey) {
  unsigned char* buf = nullptr;
  int n = i2d_PublicKey(pkey, &buf);
  if (n <= 0) return {};
  std::string der(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
  OPENSSL_free(buf);
  return der;
}

// Loads a PKCS#1 RSAPublicKey DER (the whole input, nothing else).
PkeyPtr LoadPublicDer(std::string_view der) {
  if (der.empty()) return nullptr;
  const unsigned char* p = U(der);
  EVP_PKEY* pkey = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der.size()));
  if (pkey == nullptr) return nullptr;
  PkeyPtr out(pkey);
  if (p != U(der) + der.size()) return nullptr;
  return out;
}

// PKCS#8 PrivateKeyInfo DER of a private key.
bool PrivateDer(EVP_PKEY* pkey, SecretString* out) {
  PKCS8_PRIV_KEY_INFO* p8 = EVP_PKEY2PKCS8(pkey);
  if (p8 == nullptr) return false;
  unsigned char* buf = nullptr;
  int n = i2d_PKCS8_PRIV_KEY_INFO(p8, &buf);
  PKCS8_PRIV_KEY_INFO_free(p8);
  if (n <= 0) return false;
  out->s.assign(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
  OPENSSL_clear_free(buf, static_cast<size_t>(n));
  return true;
}

PkeyPtr LoadPrivateDer(std::string_view der) {
  const unsigned char* p = U(der);
  PKCS8_PRIV_KEY_INFO* p8 = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size()));
  if (p8 == nullptr) return nullptr;
  EVP_PKEY* pkey = EVP_PKCS82PKEY(p8);
  PKCS8_PRIV_KEY_INFO_free(p8);
  return PkeyPtr(pkey);
}

PkeyPtr GenerateRsa() {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) return nullptr;
  unsigned int bits = kRsaBits;
  unsigned int e = 65537;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_uint(OSSL_PKEY_PARAM_RSA_BITS, &bits),
      OSSL_PARAM_construct_uint(OSSL_PKEY_PARAM_RSA_E, &e),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_PKEY_CTX_set_params(ctx.get(), params) != 1) return nullptr;
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &pkey) != 1) return nullptr;
  return PkeyPtr(pkey);
}

// AES-256-GCM, single shot.
bool GcmSeal(std::string_view key, std::string_view nonce, std::string_view aad, std::string_view plaintext,
          std::string* ciphertext, std::string* tag) {
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
  if (!ctx || key.size() != kDataKeySize || nonce.size() != kNonceSize) return false;
  ciphertext->assign(plaintext.size(), '\0');
  tag->assign(kTagSize, '\0');
  int len = 0, fin = 0;
  auto* out = reinterpret_cast<unsigned char*>(ciphertext->data());
  return EVP_EncryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), U(key), U(nonce), nullptr) == 1 &&
         EVP_EncryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) == 1 &&
         EVP_EncryptUpdate(ctx.get(), out, &len, U(plaintext), static_cast<int>(plaintext.size())) == 1 &&
         EVP_EncryptFinal_ex(ctx.get(), out + len, &fin) == 1 &&
         static_cast<size_t>(len + fin) == plaintext.size() &&
         EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                             reinterpret_cast<unsigned char*>(tag->data())) == 1;
}

bool GcmOpen(std::string_view key, std::string_view nonce, std::string_view aad, std::string_view ciphertext,
          std::string_view tag, SecretString* plaintext) {
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
  if (!ctx || key.size() != kDataKeySize || nonce.size() != kNonceSize || tag.size() != kTagSize) return false;
  plaintext->s.assign(ciphertext.size(), '\0');
  std::string tag_copy(tag);
  int len = 0, fin = 0;
  auto* out = reinterpret_cast<unsigned char*>(plaintext->s.data());
  bool ok = EVP_DecryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), U(key), U(nonce), nullptr) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), out, &len, U(ciphertext), static_cast<int>(ciphertext.size())) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize),
                                reinterpret_cast<unsigned char*>(tag_copy.data())) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), out + len, &fin) == 1;
  if (!ok) {
    OPENSSL_cleanse(plaintext->s.data(), plaintext->s.size());
    plaintext->s.clear();
  }
  return ok;
}

// Binds a sealed private key to its entry: it cannot be moved to another region or key.
std::string Aad(const std::string& region, const std::string& fingerprint) {
  return "opentrail/signing-key/v1\n" + region + "\n" + fingerprint;
}

std::string StorageKey(const std::string& region, const std::string& fingerprint) {
  return std::string(kKeyPrefix) + region + "/" + fingerprint;
}

bool HexDecode(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out->clear();
  out->reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>((hi << 4) | lo));
  }
  return true;
}

bool VerifyWith(EVP_PKEY* pkey, std::string_view data, std::string_view signature) {
  if (EVP_PKEY_get_size(pkey) <= 0 || signature.size() != static_cast<size_t>(EVP_PKEY_get_size(pkey))) return false;
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), &pctx, "SHA256", nullptr, nullptr, pkey, nullptr) != 1)
    return false;
  if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) return false;
  return EVP_DigestVerify(ctx.get(), U(signature), signature.size(), U(data), data.size()) == 1;
}

// One stored key pair.
struct Entry {
  PublicKey pub;
  std::string der;            // PKCS#1 public DER
  std::string stored;         // the KV value (for lazy decryption)
  SharedPkey private_key;     // decrypted on first use
};

class SigningKeysImpl final : public SigningKeys {
 public:
  SigningKeysImpl(storage::KvStore* kv, std::string family, objectstore::KeyProvider* wrapping,
                  int64_t rotation_ms, int64_t grace_ms)
      : kv_(kv), family_(std::move(family)), wrapping_(wrapping), rotation_ms_(rotation_ms), grace_ms_(grace_ms) {}

  Result<std::string> Current(const std::string& region, int64_t now_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    OT_RETURN_IF_ERROR(LoadLocked());
    const Entry* best = nullptr;
    for (const auto& [fp, e] : entries_) {
      if (e.pub.region != region) continue;
      if (e.pub.valid_from_ms > now_ms || e.pub.valid_until_ms <= now_ms) continue;
      if (best == nullptr || e.pub.valid_from_ms > best->pub.valid_from_ms ||
          (e.pub.valid_from_ms == best->pub.valid_from_ms && fp > best->pub.fingerprint))
        best = &e;
    }
    if (best != nullptr && now_ms - best->pub.valid_from_ms < rotation_ms_) return best->pub.fingerprint;
    return CreateLocked(region, now_ms);
  }

  Status Sign(std::string_view fingerprint, std::string_view data, std::string* signature_hex) override {
    SharedPkey key;
    {
      std::lock_guard<std::mutex> lock(mu_);
      OT_RETURN_IF_ERROR(LoadLocked());
      auto it = entries_.find(std::string(fingerprint));
      if (it == entries_.end()) {  // perhaps created through another handle on the same store
        loaded_ = false;
        entries_.clear();
        OT_RETURN_IF_ERROR(LoadLocked());
        it = entries_.find(std::string(fingerprint));
      }
      if (it == entries_.end())
        return Status::Internal("signing keys: no key with fingerprint " + std::string(fingerprint));
      if (!it->second.private_key) OT_RETURN_IF_ERROR(DecryptLocked(it->second));
      key = it->second.private_key;
    }
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!ctx || EVP_DigestSignInit_ex(ctx.get(), &pctx, "SHA256", nullptr, nullptr, key.get(), nullptr) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
      return CryptoError("cannot initialize signing");
    size_t modulus = static_cast<size_t>(EVP_PKEY_get_size(key.get()));
    std::string sig(modulus, '\0');
    size_t len = sig.size();
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, U(data), data.size()) != 1)
      return CryptoError("signing failed");
    // RSA signatures are always the modulus length; keep leading zero bytes regardless.
    if (len < modulus) sig.insert(0, modulus - len, '\0');
    sig.resize(modulus);
    *signature_hex = HexEncode(sig);
    return Status::Ok();
  }

  std::vector<PublicKey> List(int64_t from_ms, int64_t to_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<PublicKey> out;
    if (!LoadLocked().ok()) return out;
    for (const auto& [fp, e] : entries_) {
      if (e.pub.valid_from_ms <= to_ms && e.pub.valid_until_ms >= from_ms) out.push_back(e.pub);
    }
    std::sort(out.begin(), out.end(), [](const PublicKey& a, const PublicKey& b) {
      if (a.region != b.region) return a.region < b.region;
      if (a.valid_from_ms != b.valid_from_ms) return a.valid_from_ms < b.valid_from_ms;
      return a.fingerprint < b.fingerprint;
    });
    return out;
  }

 private:
  // Reads every stored key's public part once (private halves stay sealed until used).
  Status LoadLocked() {
    if (loaded_) return Status::Ok();
    auto it = kv_->NewIterator(family_);
    for (it->Seek(kKeyPrefix); it->Valid(); it->Next()) {
      std::string_view k = it->key();
      if (k.substr(0, kKeyPrefix.size()) != kKeyPrefix) break;
      Entry e;
      if (!ParseEntry(it->value(), &e)) continue;  // unreadable entry: never used
      if (StorageKey(e.pub.region, e.pub.fingerprint) != k) continue;
      entries_[e.pub.fingerprint] = std::move(e);
    }
    Status st = it->status();
    if (!st.ok()) {
      entries_.clear();
      return st;
    }
    loaded_ = true;
    return Status::Ok();
  }

  static bool ParseEntry(std::string_view value, Entry* e) {
    boost::system::error_code ec;
    json::value v = json::parse(value, ec);
    if (ec || !v.is_object()) return false;
    const auto& o = v.get_object();
    auto str = [&](const char* name, std::string* out) {
      auto* m = o.if_contains(name);
      if (!m || !m->is_string()) return false;
      *out = std::string(m->get_string());
      return true;
    };
    auto num = [&](const char* name, int64_t* out) {
      auto* m = o.if_contains(name);
      if (!m || !m->is_int64()) return false;
      *out = m->get_int64();
      return true;
    };
    std::string public_b64;
    if (!str("region", &e->pub.region) || !str("fingerprint", &e->pub.fingerprint) ||
        !str("publicKey", &public_b64) || !num("validFromMs", &e->pub.valid_from_ms) ||
        !num("validUntilMs", &e->pub.valid_until_ms))
      return false;
    if (!Base64Decode(public_b64, &e->der) || Md5Hex(e->der) != e->pub.fingerprint) return false;
    e->pub.value = Base64Encode(e->der);
    e->stored = std::string(value);
    return true;
  }

  Status DecryptLocked(Entry& e) {
    boost::system::error_code ec;
    json::value v = json::parse(e.stored, ec);
    if (ec || !v.is_object()) return CryptoError("corrupt key entry " + e.pub.fingerprint);
    const auto& o = v.get_object();
    std::string fields[4];
    const char* names[4] = {"wrappedDataKey", "nonce", "ciphertext", "tag"};
    for (int i = 0; i < 4; ++i) {
      auto* m = o.if_contains(names[i]);
      if (!m || !m->is_string() || !Base64Decode(m->get_string(), &fields[i]))
        return CryptoError("corrupt key entry " + e.pub.fingerprint);
    }
    auto data_key = wrapping_->UnwrapDataKey(objectstore::Encryption{}, fields[0]);
    if (!data_key.ok()) return data_key.status();
    SecretString dk(std::move(*data_key));
    SecretString der;
    if (!GcmOpen(dk.s, fields[1], Aad(e.pub.region, e.pub.fingerprint), fields[2], fields[3], &der))
      return CryptoError("cannot decrypt private key " + e.pub.fingerprint);
    PkeyPtr pkey = LoadPrivateDer(der.s);
    if (!pkey || PublicDer(pkey.get()) != e.der)
      return CryptoError("private key " + e.pub.fingerprint + " does not match its public key");
    e.private_key = SharedPkey(pkey.release(), PkeyFree());
    return Status::Ok();
  }

  Result<std::string> CreateLocked(const std::string& region, int64_t now_ms) {
    if (wrapping_ == nullptr) return CryptoError("no key provider to protect a new key");
    PkeyPtr pkey = GenerateRsa();
    if (!pkey) return CryptoError("RSA key generation failed");
    Entry e;
    e.der = PublicDer(pkey.get());
    if (e.der.empty()) return CryptoError("cannot encode the public key");
    e.pub.region = region;
    e.pub.fingerprint = Md5Hex(e.der);
    e.pub.value = Base64Encode(e.der);
    e.pub.valid_from_ms = now_ms;
    e.pub.valid_until_ms = now_ms + rotation_ms_ + grace_ms_;

    SecretString der;
    if (!PrivateDer(pkey.get(), &der)) return CryptoError("cannot encode the private key");
    auto data_key = wrapping_->NewDataKey(objectstore::Encryption{});
    if (!data_key.ok()) return data_key.status();
    SecretString dk(std::move(data_key->plaintext));
    std::string nonce(kNonceSize, '\0');
    RandomBytes(reinterpret_cast<uint8_t*>(nonce.data()), nonce.size());
    std::string ciphertext, tag;
    if (!GcmSeal(dk.s, nonce, Aad(region, e.pub.fingerprint), der.s, &ciphertext, &tag))
      return CryptoError("cannot encrypt the private key");

    json::object o;
    o["version"] = 1;
    o["region"] = region;
    o["fingerprint"] = e.pub.fingerprint;
    o["publicKey"] = e.pub.value;
    o["validFromMs"] = e.pub.valid_from_ms;
    o["validUntilMs"] = e.pub.valid_until_ms;
    o["algorithm"] = "RSA-2048";
    o["encryption"] = "AES-256-GCM";
    o["wrappedDataKey"] = Base64Encode(data_key->wrapped);
    o["nonce"] = Base64Encode(nonce);
    o["ciphertext"] = Base64Encode(ciphertext);
    o["tag"] = Base64Encode(tag);
    e.stored = json::serialize(o);
    OT_RETURN_IF_ERROR(kv_->Put(family_, StorageKey(region, e.pub.fingerprint), e.stored, /*sync=*/true));
    e.private_key = SharedPkey(pkey.release(), PkeyFree());
    std::string fp = e.pub.fingerprint;
    entries_[fp] = std::move(e);
    return fp;
  }

  storage::KvStore* kv_;
  std::string family_;
  objectstore::KeyProvider* wrapping_;
  int64_t rotation_ms_;
  int64_t grace_ms_;

  std::mutex mu_;
  bool loaded_ = false;
  std::map<std::string, Entry> entries_;  // by fingerprint
};

}  // namespace

int64_t DefaultRotationGraceMs(int64_t rotation_ms) { return std::min(std::max<int64_t>(rotation_ms, 0), kMaxGraceMs); }

Result<std::unique_ptr<SigningKeys>> SigningKeys::Open(storage::KvStore* kv, std::string family,
                                                       objectstore::KeyProvider* wrapping, int64_t rotation_ms) {
  return Open(kv, std::move(family), wrapping, rotation_ms, DefaultRotationGraceMs(rotation_ms));
}

Result<std::unique_ptr<SigningKeys>> SigningKeys::Open(storage::KvStore* kv, std::string family,
                                                       objectstore::KeyProvider* wrapping, int64_t rotation_ms,
                                                       int64_t grace_ms) {
  if (kv == nullptr) return Status::Internal("signing keys: no KV store");
  if (rotation_ms <= 0) return Status::Error("InvalidArgument", "signing key rotation must be positive", 400);
  if (grace_ms < 0) return Status::Error("InvalidArgument", "signing key grace must not be negative", 400);
  return std::unique_ptr<SigningKeys>(
      new SigningKeysImpl(kv, std::move(family), wrapping, rotation_ms, grace_ms));
}

bool VerifySignature(std::string_view public_key_value, std::string_view data, std::string_view signature_hex) {
  std::string der, sig;
  if (!Base64Decode(public_key_value, &der) || !HexDecode(signature_hex, &sig)) return false;
  PkeyPtr pkey = LoadPublicDer(der);
  if (!pkey) return false;
  return VerifyWith(pkey.get(), data, sig);
}

}  // namespace ot::integrity
