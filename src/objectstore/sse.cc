// objectstore/sse.cc — AES-256-GCM chunks, data-key wrapping and the master-key provider.
#include "objectstore/sse.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "common/crypto.h"
#include "objectstore/object_store.h"

namespace ot::objectstore {
namespace sse {

namespace {
const EVP_CIPHER* Aes256Gcm() {
  static const EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

Status CryptoError(const char* what) { return Status::Error("InternalError", std::string("encryption: ") + what, 500); }
}  // namespace

ChunkCipher::ChunkCipher() : ctx_(EVP_CIPHER_CTX_new()) {}
ChunkCipher::~ChunkCipher() { EVP_CIPHER_CTX_free(ctx_); }

Status ChunkCipher::Init(bool encrypt, std::string_view key, std::string_view nonce_prefix, uint64_t file_size) {
  if (ctx_ == nullptr || Aes256Gcm() == nullptr) return CryptoError("AES-256-GCM unavailable");
  if (key.size() != kKeySize || nonce_prefix.size() != kNoncePrefixSize) return CryptoError("bad key or nonce size");
  encrypt_ = encrypt;
  std::memcpy(prefix_, nonce_prefix.data(), kNoncePrefixSize);
  for (int i = 0; i < 8; ++i) aad_[i] = static_cast<unsigned char>(file_size >> (56 - 8 * i));
  const auto* k = reinterpret_cast<const unsigned char*>(key.data());
  int ok = encrypt ? EVP_EncryptInit_ex2(ctx_, Aes256Gcm(), k, nullptr, nullptr)
                   : EVP_DecryptInit_ex2(ctx_, Aes256Gcm(), k, nullptr, nullptr);
  return ok == 1 ? Status::Ok() : CryptoError("cipher init failed");
}

void ChunkCipher::Nonce(uint64_t index, unsigned char* nonce) const {
  std::memcpy(nonce, prefix_, kNoncePrefixSize);
  for (int i = 0; i < 8; ++i) nonce[kNoncePrefixSize + i] = static_cast<unsigned char>(index >> (56 - 8 * i));
}

Status ChunkCipher::Seal(uint64_t index, const char* plaintext, size_t n, char* out) {
  unsigned char nonce[kNonceSize];
  Nonce(index, nonce);
  int len = 0;
  auto* o = reinterpret_cast<unsigned char*>(out);
  if (EVP_EncryptInit_ex2(ctx_, nullptr, nullptr, nonce, nullptr) != 1 ||
      EVP_EncryptUpdate(ctx_, nullptr, &len, aad_, sizeof aad_) != 1)
    return CryptoError("seal init failed");
  size_t done = 0;
  while (done < n) {  // EVP lengths are int; chunks are far smaller, but stay correct anyway
    int step = static_cast<int>(std::min<size_t>(n - done, 1 << 30));
    if (EVP_EncryptUpdate(ctx_, o + done, &len, reinterpret_cast<const unsigned char*>(plaintext) + done, step) != 1)
      return CryptoError("seal failed");
    done += static_cast<size_t>(len);
  }
  if (EVP_EncryptFinal_ex(ctx_, o + done, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize), o + n) != 1)
    return CryptoError("seal final failed");
  return Status::Ok();
}

Status ChunkCipher::Open(uint64_t index, const char* sealed, size_t sealed_size, char* out) {
  if (sealed_size < kTagSize) return CryptoError("object data is corrupt (short chunk)");
  size_t n = sealed_size - kTagSize;
  unsigned char nonce[kNonceSize];
  Nonce(index, nonce);
  int len = 0;
  auto* o = reinterpret_cast<unsigned char*>(out);
  if (EVP_DecryptInit_ex2(ctx_, nullptr, nullptr, nonce, nullptr) != 1 ||
      EVP_DecryptUpdate(ctx_, nullptr, &len, aad_, sizeof aad_) != 1)
    return CryptoError("open init failed");
  size_t done = 0;
  while (done < n) {
    int step = static_cast<int>(std::min<size_t>(n - done, 1 << 30));
    if (EVP_DecryptUpdate(ctx_, o + done, &len, reinterpret_cast<const unsigned char*>(sealed) + done, step) != 1)
      return CryptoError("open failed");
    done += static_cast<size_t>(len);
  }
  unsigned char tag[kTagSize];
  std::memcpy(tag, sealed + n, kTagSize);
  if (EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize), tag) != 1)
    return CryptoError("open tag failed");
  if (EVP_DecryptFinal_ex(ctx_, o + done, &len) != 1) {
    OPENSSL_cleanse(out, n);  // never hand out unauthenticated plaintext
    return CryptoError("object data failed authentication (corrupt or tampered)");
  }
  return Status::Ok();
}

std::string WrapKey(std::string_view master, std::string_view aad, std::string_view plaintext) {
  std::string out(kNonceSize + plaintext.size() + kTagSize, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  RandomBytes(o, kNonceSize);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int len = 0;
  bool ok = ctx != nullptr && Aes256Gcm() != nullptr &&
            EVP_EncryptInit_ex2(ctx, Aes256Gcm(), reinterpret_cast<const unsigned char*>(master.data()), o,
                                nullptr) == 1 &&
            EVP_EncryptUpdate(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_EncryptUpdate(ctx, o + kNonceSize, &len, reinterpret_cast<const unsigned char*>(plaintext.data()),
                              static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx, o + kNonceSize + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                                o + kNonceSize + plaintext.size()) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) out.clear();
  return out;
}

bool UnwrapKey(std::string_view master, std::string_view aad, std::string_view wrapped, std::string* plaintext) {
  if (master.size() != kKeySize || wrapped.size() < kNonceSize + kTagSize) return false;
  size_t n = wrapped.size() - kNonceSize - kTagSize;
  std::string out(n, '\0');
  const auto* w = reinterpret_cast<const unsigned char*>(wrapped.data());
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  unsigned char tag[kTagSize];
  std::memcpy(tag, w + kNonceSize + n, kTagSize);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int len = 0;
  bool ok = ctx != nullptr && Aes256Gcm() != nullptr &&
            EVP_DecryptInit_ex2(ctx, Aes256Gcm(), reinterpret_cast<const unsigned char*>(master.data()), w,
                                nullptr) == 1 &&
            EVP_DecryptUpdate(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                              static_cast<int>(aad.size())) == 1 &&
            EVP_DecryptUpdate(ctx, o, &len, w + kNonceSize, static_cast<int>(n)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize), tag) == 1 &&
            EVP_DecryptFinal_ex(ctx, o + len, &len) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) {
    Wipe(&out);
    return false;
  }
  *plaintext = std::move(out);
  return true;
}

std::string RandomSecret(size_t n) {
  std::string out(n, '\0');
  if (RAND_priv_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("RAND_priv_bytes failed");
  return out;
}

void Wipe(std::string* s) {
  if (!s->empty()) OPENSSL_cleanse(s->data(), s->size());
  s->clear();
}

}  // namespace sse

namespace {

// Wrapped data key: version byte, then WrapKey's nonce || ciphertext || tag.
constexpr char kWrapVersion = 1;
constexpr std::string_view kWrapAad = "opentrail/sse-s3/data-key/v1";

class MasterKeyProvider final : public KeyProvider {
 public:
  explicit MasterKeyProvider(std::string master) : master_(std::move(master)) {}
  ~MasterKeyProvider() override { sse::Wipe(&master_); }

  Result<DataKey> NewDataKey(const Encryption&) override {
    DataKey key;
    key.plaintext = sse::RandomSecret(sse::kKeySize);
    std::string wrapped = sse::WrapKey(master_, kWrapAad, key.plaintext);
    if (wrapped.empty()) {
      sse::Wipe(&key.plaintext);
      return Status::Error("InternalError", "cannot wrap data key", 500);
    }
    key.wrapped = std::string(1, kWrapVersion) + wrapped;
    return key;
  }

  Result<std::string> UnwrapDataKey(const Encryption&, std::string_view wrapped) override {
    std::string plaintext;
    if (wrapped.empty() || wrapped[0] != kWrapVersion ||
        !sse::UnwrapKey(master_, kWrapAad, wrapped.substr(1), &plaintext) || plaintext.size() != sse::kKeySize) {
      sse::Wipe(&plaintext);
      return Status::Error("InternalError", "cannot unwrap the object's data key (wrong master key or corrupt metadata)",
                           500);
    }
    return plaintext;
  }

 private:
  std::string master_;
};

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::Internal("cannot open directory " + dir + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Status::Internal("cannot fsync directory " + dir);
}

Status ReadKeyFile(const std::string& path, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return Status::Internal("cannot open master key " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::Internal("master key " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0)
    spdlog::warn("master key {} is accessible to group/others (mode {:o}); it should be 0600", path,
                 st.st_mode & 0777);
  std::string buf(sse::kKeySize + 1, '\0');
  size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = ::read(fd, buf.data() + got, buf.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (got != sse::kKeySize) {
    sse::Wipe(&buf);
    return Status::Internal("master key " + path + " is not exactly 32 bytes");
  }
  buf.resize(sse::kKeySize);
  *out = std::move(buf);
  return Status::Ok();
}

// Creates the key file without ever exposing a partial one: the key is written to a private
// temporary (O_CREAT|O_EXCL, 0600), fsync'd, then linked into place (link fails if another
// process won the race, in which case its key is used).
Status CreateKeyFile(const std::string& path) {
  std::filesystem::path p(path);
  std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string tmp = path + ".tmp-" + HexEncode(sse::RandomSecret(8));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Status::Internal("cannot create master key " + path + ": " + std::strerror(errno));
  std::string key = sse::RandomSecret(sse::kKeySize);
  size_t done = 0;
  bool ok = true;
  while (done < key.size()) {
    ssize_t n = ::write(fd, key.data() + done, key.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    done += static_cast<size_t>(n);
  }
  sse::Wipe(&key);
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok) {
    ::unlink(tmp.c_str());
    return Status::Internal("cannot write master key " + path);
  }
  int rc = ::link(tmp.c_str(), path.c_str());
  int err = errno;
  ::unlink(tmp.c_str());
  if (rc != 0 && err != EEXIST) return Status::Internal("cannot create master key " + path + ": " + std::strerror(err));
  return SyncDir(dir);
}

}  // namespace

Result<std::unique_ptr<KeyProvider>> OpenMasterKeyProvider(const std::string& master_key_path) {
  struct stat st {};
  if (::lstat(master_key_path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Status::Internal("cannot stat master key " + master_key_path + ": " + std::strerror(errno));
    OT_RETURN_IF_ERROR(CreateKeyFile(master_key_path));
    spdlog::info("created SSE-S3 master key {}", master_key_path);
  }
  std::string master;
  OT_RETURN_IF_ERROR(ReadKeyFile(master_key_path, &master));
  return std::unique_ptr<KeyProvider>(std::make_unique<MasterKeyProvider>(std::move(master)));
}

}  // namespace ot::objectstore
