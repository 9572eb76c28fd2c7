// objectstore/local_store.cc — the embedded backend: metadata in the KV store, encrypted
// object bytes in files named by random ids.
//
// Write path (PutObject, UploadPart, CopyObject): seal the plaintext chunk by chunk into
// tmp/<id>.tmp, fdatasync, rename to data/<id[0:2]>/<id>, fsync that directory, and only
// then switch the metadata in one synced batch; the replaced object's files are unlinked
// after the switch. A crash anywhere leaves the old object or the whole new one; files the
// crash orphaned (temporaries, renamed-but-uncommitted, replaced-but-not-yet-deleted) are
// removed when the store is next opened.
//
// Read path: lock-free. A reader loads the record and opens its files; a concurrent
// replacement may unlink a file first, in which case the reader reloads the record and
// starts again (an open descriptor keeps reading an unlinked file).
//
// Locking: buckets_mu_ (shared by every metadata commit, exclusive for bucket create and
// delete, so DeleteBucket's emptiness check cannot race a put), then per-upload stripes,
// then per-key stripes, always in that order. Data is written before any lock is taken.
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "common/crypto.h"
#include "common/time.h"
#include "objectstore/local_store.h"
#include "objectstore/meta.h"
#include "objectstore/object_store.h"
#include "objectstore/sse.h"

namespace ot::objectstore {

namespace {

using meta::ObjectRecord;
using meta::PartRecord;
using meta::Segment;
using meta::UploadRecord;

constexpr uint64_t kMaxObjectSize = 5ULL << 30;   // single PUT / part limit
constexpr uint64_t kMinPartSize = 5ULL << 20;     // all parts but the last
constexpr int kMaxPartNumber = 10000;
constexpr size_t kMaxKeyBytes = 1024;
constexpr size_t kIoChunks = 16;                  // sealed chunks per write/read syscall
constexpr const char* kFamily = kObjectsFamily;
constexpr uint64_t kParallelMd5Bytes = 4 << 20;
constexpr uint64_t kWritebackBytes = 8 << 20;

Status StorageFull(const std::string& what, int err) {
  return Status::Error("ServiceUnavailable",
                       "insufficient storage: " + what + " (" + std::strerror(err) +
                           "); the object was not stored",
                       503);
}

Status IoError(const std::string& what, int err) {
  if (err == ENOSPC || err == EDQUOT || err == EIO) return StorageFull(what, err);
  return Status::Error("InternalError", what + ": " + std::strerror(err), 500);
}

Status InternalError(const std::string& what) { return Status::Error("InternalError", what, 500); }

Status SimulatedCrash() { return Status::Error("SimulatedCrash", "operation abandoned by a test hook", 500); }

// KV failures: a full disk under RocksDB is as unavailable as one under the object files.
Status FromKv(const Status& s) {
  if (s.ok()) return s;
  const std::string& m = s.message();
  if (m.find("No space left") != std::string::npos || m.find("NoSpace") != std::string::npos ||
      m.find("Disk quota") != std::string::npos)
    return Status::Error("ServiceUnavailable", "insufficient storage for metadata: " + m, 503);
  return Status::Error("InternalError", m, 500);
}

Status NoSuchBucket() { return Status::Error("NoSuchBucket", "The specified bucket does not exist", 404); }
Status NoSuchKey() { return Status::Error("NoSuchKey", "The specified key does not exist.", 404); }
Status NoSuchUpload() {
  return Status::Error("NoSuchUpload",
                       "The specified multipart upload does not exist. The upload ID may be invalid, or the "
                       "upload may have been aborted or completed.",
                       404);
}

Status CheckKey(std::string_view key) {
  if (key.empty()) return Status::Error("InvalidArgument", "Object key must not be empty", 400);
  if (key.size() > kMaxKeyBytes) return Status::Error("KeyTooLongError", "Your key is too long", 400);
  return Status::Ok();
}

bool ValidUploadId(std::string_view id) { return id.size() == 32 && IsLowerHex(id); }

std::string Quote(std::string_view hex) { return "\"" + std::string(hex) + "\""; }

std::string NormalizeEtag(std::string_view e) {
  if (e.size() >= 2 && e.front() == '"' && e.back() == '"') e = e.substr(1, e.size() - 2);
  std::string out(e);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string HexDecode(std::string_view hex) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  return out;
}

size_t KeyHash(std::string_view a, std::string_view b) {
  return std::hash<std::string_view>()(a) * 31 + std::hash<std::string_view>()(b);
}

ObjectInfo InfoFromOptions(const PutOptions& o) {
  ObjectInfo i;
  i.content_type = o.content_type.empty() ? "binary/octet-stream" : o.content_type;
  i.content_encoding = o.content_encoding;
  i.content_disposition = o.content_disposition;
  i.content_language = o.content_language;
  i.cache_control = o.cache_control;
  i.user_metadata = o.user_metadata;
  i.checksums = o.checksums;
  i.tags = o.tags;
  i.encryption = o.encryption;
  return i;
}

PutOptions OptionsFromInfo(const ObjectInfo& i) {
  PutOptions o;
  o.content_type = i.content_type;
  o.content_encoding = i.content_encoding;
  o.content_disposition = i.content_disposition;
  o.content_language = i.content_language;
  o.cache_control = i.cache_control;
  o.user_metadata = i.user_metadata;
  o.checksums = i.checksums;
  o.tags = i.tags;
  o.encryption = i.encryption;
  return o;
}

// MD5 for ETags, streamed alongside encryption.
class Md5 {
 public:
  Md5() : ctx_(EVP_MD_CTX_new()) {
    static const EVP_MD* md = EVP_MD_fetch(nullptr, "MD5", nullptr);
    EVP_DigestInit_ex(ctx_, md, nullptr);
  }
  ~Md5() { EVP_MD_CTX_free(ctx_); }
  void Update(const char* p, size_t n) { EVP_DigestUpdate(ctx_, p, n); }
  std::string Digest() {  // 16 raw bytes
    std::string out(16, '\0');
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, reinterpret_cast<unsigned char*>(out.data()), &len);
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(other.Release()) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = other.Release();
    }
    return *this;
  }
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// ---------------------------------------------------------------------------------------
// Files: the encrypted data of segments.

class FileStore {
 public:
  FileStore(std::string dir, const LocalStoreHooks* hooks) : dir_(std::move(dir)), hooks_(hooks) {}

  std::string TmpDir() const { return dir_ + "/tmp"; }
  std::string DataDir() const { return dir_ + "/data"; }
  std::string ShardDir(std::string_view id) const { return DataDir() + "/" + std::string(id.substr(0, 2)); }
  std::string PathOf(std::string_view id) const { return ShardDir(id) + "/" + std::string(id); }

  int Fault(std::string_view point) const { return hooks_ && hooks_->fault ? hooks_->fault(point) : 0; }

  ~FileStore() {
    if (lock_fd_ >= 0) ::close(lock_fd_);
  }

  Status Init() {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) return InternalError("cannot create " + dir_ + ": " + ec.message());
    // One store per directory: open-time reconciliation deletes files no record knows, which
    // would include another live store's in-flight writes.
    std::string lock_path = dir_ + "/LOCK";
    lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (lock_fd_ < 0) return IoError("cannot open " + lock_path, errno);
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0)
      return InternalError("object directory " + dir_ + " is in use by another object store");
    std::filesystem::create_directories(TmpDir(), ec);
    if (ec) return InternalError("cannot create " + TmpDir() + ": " + ec.message());
    std::filesystem::create_directories(DataDir(), ec);
    if (ec) return InternalError("cannot create " + DataDir() + ": " + ec.message());
    for (const std::string& d : {TmpDir(), DataDir()}) ::chmod(d.c_str(), 0700);  // ours alone
    bool created = false;
    for (int i = 0; i < 256; ++i) {
      char shard[3];
      std::snprintf(shard, sizeof shard, "%02x", i);
      created |= std::filesystem::create_directories(DataDir() + "/" + shard, ec);
      if (ec) return InternalError("cannot create " + DataDir() + ": " + ec.message());
    }
    if (created) {
      OT_RETURN_IF_ERROR(SyncDir(DataDir()));
      OT_RETURN_IF_ERROR(SyncDir(dir_));
    }
    return Status::Ok();
  }

  static Status SyncDir(const std::string& dir) {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return IoError("cannot open directory", errno);
    if (::fsync(fd.get()) != 0) return IoError("cannot sync directory", errno);
    return Status::Ok();
  }

  // Encrypts `data` into a new file; on success the file is durable under data/ (but not
  // referenced by anything yet). Feeds the plaintext to `md5`. Nothing is left behind on
  // failure (except after a simulated crash).
  Result<Segment> Write(std::string_view data, KeyProvider* provider, const Encryption& encryption, Md5* md5) {
    Segment seg;
    seg.size = data.size();
    seg.chunk_size = sse::kChunkSize;
    uint8_t id[16];
    RandomBytes(id, sizeof id);
    seg.file_id = HexEncode(id, sizeof id);
    seg.nonce_prefix = std::string(sse::kNoncePrefixSize, '\0');
    RandomBytes(reinterpret_cast<uint8_t*>(seg.nonce_prefix.data()), sse::kNoncePrefixSize);

    auto key = provider->NewDataKey(encryption);
    if (!key.ok()) return key.status();
    seg.wrapped_key = std::move(key->wrapped);
    sse::ChunkCipher cipher;
    Status init = cipher.Init(true, key->plaintext, seg.nonce_prefix, seg.size);
    sse::Wipe(&key->plaintext);
    OT_RETURN_IF_ERROR(init);

    std::string tmp = TmpDir() + "/" + seg.file_id + ".tmp";
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() < 0) return IoError("cannot create object file", errno);
    auto fail = [&](Status s) {
      fd.Reset();
      ::unlink(tmp.c_str());
      return s;
    };
    uint64_t sealed_size = sse::SealedSize(seg.size, seg.chunk_size);
    // Reserve the space first: a full disk fails here, before any work.
    // (fallocate(2), not posix_fallocate: no slow emulation where it is unsupported.)
    if (::fallocate(fd.get(), 0, 0, static_cast<off_t>(sealed_size)) != 0 && errno != EOPNOTSUPP && errno != ENOSYS &&
        errno != EINVAL)
      return fail(IoError("cannot allocate object file", errno));

    // MD5 (~0.8 GB/s) is the slowest step and cannot be split; for large objects it runs
    // on its own thread while this one encrypts and writes. (Joined on every return.)
    std::jthread md5_thread;
    if (md5 && data.size() >= kParallelMd5Bytes) {
      md5_thread = std::jthread([md5, data] { md5->Update(data.data(), data.size()); });
      md5 = nullptr;
    }
    uint64_t chunks = sse::ChunkCount(seg.size, seg.chunk_size);
    // Sized for what this object needs and not zeroed: a 1 MiB zeroed buffer per small
    // object was a tenth of a small PUT's or GET's CPU.
    const size_t buf_size = std::min<uint64_t>(kIoChunks, std::max<uint64_t>(chunks, 1)) *
                            (seg.chunk_size + sse::kTagSize);
    auto buf_owner = std::make_unique_for_overwrite<char[]>(buf_size);
    std::span<char> buf(buf_owner.get(), buf_size);
    uint64_t written = 0, flushed = 0;
    for (uint64_t c = 0; c < chunks;) {
      size_t fill = 0;
      for (size_t k = 0; k < kIoChunks && c < chunks; ++k, ++c) {
        uint64_t off = c * seg.chunk_size;
        size_t n = static_cast<size_t>(std::min<uint64_t>(seg.chunk_size, seg.size - off));
        if (md5) md5->Update(data.data() + off, n);
        Status s = cipher.Seal(c, data.data() + off, n, buf.data() + fill);
        if (!s.ok()) return fail(s);
        fill += n + sse::kTagSize;
      }
      Status s = WriteAll(fd.get(), buf.data(), fill);
      if (!s.ok()) return fail(s);
      written += fill;
      // Start write-back early so the final fdatasync has little left to wait for.
      if (written - flushed >= kWritebackBytes) {
        ::sync_file_range(fd.get(), static_cast<off_t>(flushed), static_cast<off_t>(written - flushed),
                          SYNC_FILE_RANGE_WRITE);
        flushed = written;
      }
    }
    if (int err = Fault("fsync"); err > 0) return fail(IoError("cannot sync object file", err));
    if (::fdatasync(fd.get()) != 0) return fail(IoError("cannot sync object file", errno));
    if (::close(fd.Release()) != 0) return fail(IoError("cannot close object file", errno));
    if (Fault("before_rename") == kSimulateCrash) return SimulatedCrash();
    if (::rename(tmp.c_str(), PathOf(seg.file_id).c_str()) != 0) return fail(IoError("cannot rename object file", errno));
    Status s = SyncDir(ShardDir(seg.file_id));
    if (!s.ok()) {
      Remove(seg.file_id);
      return s;
    }
    return seg;
  }

  void Remove(std::string_view file_id) {
    if (file_id.empty()) return;
    if (::unlink(PathOf(file_id).c_str()) != 0 && errno != ENOENT)
      spdlog::warn("objectstore: cannot remove object file {}: {}", file_id, std::strerror(errno));
  }
  void Remove(const std::vector<Segment>& segs) {
    for (auto& s : segs) Remove(s.file_id);
  }

  // Reads plaintext bytes [first, first + len) of `seg` into `out`. Sets *missing (and
  // returns an error) when the file does not exist.
  Status Read(const Segment& seg, KeyProvider* provider, const Encryption& encryption, uint64_t first, uint64_t len,
              char* out, bool* missing) {
    *missing = false;
    if (len == 0) return Status::Ok();
    OpenedSegment opened;
    OT_RETURN_IF_ERROR(Open(seg, provider, encryption, &opened, missing));
    return ReadOpened(seg, opened, first, len, out);
  }

  // A segment's file and cipher, open: reads through it see that file even if the object
  // is replaced (and the file unlinked) meanwhile.
  struct OpenedSegment {
    Fd fd;
    std::unique_ptr<sse::ChunkCipher> cipher;
    void Close() {
      fd.Reset();
      cipher.reset();
    }
  };

  Status Open(const Segment& seg, KeyProvider* provider, const Encryption& encryption, OpenedSegment* opened,
              bool* missing) {
    *missing = false;
    if (seg.chunk_size < sse::kMinChunkSize || seg.chunk_size > sse::kMaxChunkSize || seg.file_id.size() != 32 ||
        !IsLowerHex(seg.file_id))
      return InternalError("object metadata is corrupt");
    Fd fd(::open(PathOf(seg.file_id).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (fd.get() < 0) {
      *missing = errno == ENOENT;
      return InternalError(std::string("cannot open object data: ") + std::strerror(errno));
    }
    auto key = provider->UnwrapDataKey(encryption, seg.wrapped_key);
    if (!key.ok()) return key.status();
    auto cipher = std::make_unique<sse::ChunkCipher>();
    Status init = cipher->Init(false, *key, seg.nonce_prefix, seg.size);
    sse::Wipe(&*key);
    OT_RETURN_IF_ERROR(init);
    opened->fd = std::move(fd);
    opened->cipher = std::move(cipher);
    return Status::Ok();
  }

  // Reads plaintext bytes [first, first + len) of an opened segment into `out`.
  Status ReadOpened(const Segment& seg, OpenedSegment& opened, uint64_t first, uint64_t len, char* out) {
    if (len == 0) return Status::Ok();
    if (first + len > seg.size) return InternalError("object metadata is corrupt");
    Fd& fd = opened.fd;
    sse::ChunkCipher& cipher = *opened.cipher;
    const uint64_t cs = seg.chunk_size;
    const uint64_t sealed_cs = cs + sse::kTagSize;
    uint64_t c = first / cs;
    const uint64_t c_last = (first + len - 1) / cs;
    const size_t sealed_size = std::min<uint64_t>(kIoChunks, c_last - c + 1) * sealed_cs;
    auto sealed_owner = std::make_unique_for_overwrite<char[]>(sealed_size);
    std::span<char> sealed(sealed_owner.get(), sealed_size);
    std::string scratch;
    while (c <= c_last) {
      uint64_t batch = std::min<uint64_t>(kIoChunks, c_last - c + 1);
      uint64_t span_end = std::min(seg.size, (c + batch) * cs);  // plaintext end of the batch
      uint64_t sealed_len = (span_end - c * cs) + batch * sse::kTagSize;
      OT_RETURN_IF_ERROR(ReadAll(fd.get(), c * sealed_cs, sealed.data(), sealed_len));
      const char* p = sealed.data();
      for (uint64_t k = 0; k < batch; ++k, ++c) {
        uint64_t plain_off = c * cs;
        uint64_t n = std::min(cs, seg.size - plain_off);
        // The part of this chunk the caller wants: [want_begin, want_end) in object space.
        uint64_t want_begin = std::max(first, plain_off), want_end = std::min(first + len, plain_off + n);
        char* dst = out + (want_begin - first);
        if (want_begin == plain_off && want_end == plain_off + n) {
          OT_RETURN_IF_ERROR(cipher.Open(c, p, n + sse::kTagSize, dst));
        } else {
          scratch.resize(n);
          OT_RETURN_IF_ERROR(cipher.Open(c, p, n + sse::kTagSize, scratch.data()));
          std::memcpy(dst, scratch.data() + (want_begin - plain_off), want_end - want_begin);
        }
        p += n + sse::kTagSize;
      }
    }
    return Status::Ok();
  }

  // Removes temporaries, and data files no record references (when `referenced` is known).
  void Reconcile(const std::unordered_set<std::string>* referenced) {
    std::error_code ec;
    size_t temps = 0, orphans = 0;
    for (auto& e : std::filesystem::directory_iterator(TmpDir(), ec)) {
      if (::unlink(e.path().c_str()) == 0) ++temps;
    }
    if (referenced) {
      for (auto& shard : std::filesystem::directory_iterator(DataDir(), ec)) {
        std::error_code ec2;
        for (auto& e : std::filesystem::directory_iterator(shard.path(), ec2)) {
          std::string name = e.path().filename().string();
          if (name.size() != 32 || !IsLowerHex(name) || referenced->count(name)) continue;
          if (::unlink(e.path().c_str()) == 0) ++orphans;
        }
      }
    }
    if (temps || orphans)
      spdlog::info("objectstore: removed {} temporary and {} orphaned object files left by an interrupted run",
                   temps, orphans);
  }

 private:
  Status WriteAll(int fd, const char* p, size_t n) {
    while (n > 0) {
      if (int err = Fault("write"); err > 0) return IoError("cannot write object file", err);
      ssize_t w = ::write(fd, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        return IoError("cannot write object file", errno);
      }
      if (w == 0) return IoError("cannot write object file", ENOSPC);
      p += w;
      n -= static_cast<size_t>(w);
    }
    return Status::Ok();
  }

  static Status ReadAll(int fd, uint64_t offset, char* p, uint64_t n) {
    while (n > 0) {
      ssize_t r = ::pread(fd, p, n, static_cast<off_t>(offset));
      if (r < 0) {
        if (errno == EINTR) continue;
        return InternalError(std::string("cannot read object data: ") + std::strerror(errno));
      }
      if (r == 0) return InternalError("object data is truncated");
      p += r;
      offset += static_cast<uint64_t>(r);
      n -= static_cast<uint64_t>(r);
    }
    return Status::Ok();
  }

  std::string dir_;
  const LocalStoreHooks* hooks_;
  int lock_fd_ = -1;
};

// The bytes [first, first + len) a read of an object of `size` bytes covers (the whole
// object, or the range clamped to it). InvalidRange when the range starts past the end.
Status Bytes(uint64_t size, const std::optional<ByteRange>& range, uint64_t* first, uint64_t* len) {
  *first = 0;
  *len = size;
  if (!range) return Status::Ok();
  if (range->first >= size || range->last < range->first)
    return Status::Error("InvalidRange", "The requested range is not satisfiable", 416);
  *first = range->first;
  *len = std::min(range->last, size - 1) - *first + 1;
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------

// Reads one object version piece by piece. Each segment's file stays open while it is
// read, so replacing the object does not change what a single-part read returns.
class LocalObjectReader final : public ObjectReader {
 public:
  LocalObjectReader(FileStore* files, KeyProvider* provider, ObjectRecord rec, ObjectInfo info, uint64_t first,
                    uint64_t length)
      : files_(files), provider_(provider), rec_(std::move(rec)), info_(std::move(info)), first_(first),
        length_(length) {}

  const ObjectInfo& info() const override { return info_; }
  uint64_t first() const override { return first_; }
  uint64_t length() const override { return length_; }

  Status Read(size_t max_bytes, std::string* out) override {
    out->clear();
    if (pos_ >= length_ || max_bytes == 0) return Status::Ok();
    uint64_t at = first_ + pos_;
    while (segment_ < rec_.segments.size() && segment_start_ + rec_.segments[segment_].size <= at) {
      segment_start_ += rec_.segments[segment_].size;
      ++segment_;
      opened_.Close();
    }
    if (segment_ >= rec_.segments.size()) return InternalError("object metadata is corrupt (segments shorter than the object)");
    const Segment& seg = rec_.segments[segment_];
    if (!opened_.cipher) {
      bool missing = false;
      Status s = files_->Open(seg, provider_, rec_.info.encryption, &opened_, &missing);
      if (!s.ok()) {
        opened_.Close();
        return missing ? Status::Error("InternalError", "the object was replaced while it was read", 500) : s;
      }
    }
    uint64_t in_segment = at - segment_start_;
    uint64_t n = std::min<uint64_t>({max_bytes, length_ - pos_, seg.size - in_segment});
    out->resize(n);
    Status s = files_->ReadOpened(seg, opened_, in_segment, n, out->data());
    if (!s.ok()) {
      out->clear();
      return s;
    }
    pos_ += n;
    return Status::Ok();
  }

 private:
  FileStore* files_;
  KeyProvider* provider_;
  ObjectRecord rec_;
  ObjectInfo info_;
  uint64_t first_, length_, pos_ = 0;
  size_t segment_ = 0;
  uint64_t segment_start_ = 0;
  FileStore::OpenedSegment opened_;
};

// ---------------------------------------------------------------------------------------

class LocalStore final : public ObjectStore {
 public:
  LocalStore(storage::KvStore* kv, const LocalStoreOptions& options, KeyProvider* sse_s3, KeyProvider* sse_kms,
             LocalStoreHooks hooks)
      : kv_(kv), hooks_(std::move(hooks)), files_(options.dir, &hooks_), sse_s3_(sse_s3), sse_kms_(sse_kms) {}

  Status Open() {
    OT_RETURN_IF_ERROR(files_.Init());
    // Buckets, cached: every operation checks its bucket.
    auto it = kv_->NewIterator(kFamily);
    for (it->Seek("b"); it->Valid() && it->key()[0] == 'b'; it->Next()) {
      BucketInfo b;
      if (!meta::Decode(it->value(), &b)) return InternalError("bucket metadata is corrupt");
      buckets_.emplace(b.name, b);
    }
    OT_RETURN_IF_ERROR(FromKv(it->status()));
    // Every file a record references; anything else on disk is left from a crash.
    std::unordered_set<std::string> referenced;
    bool complete = true;
    for (it->Seek("o"); it->Valid() && it->key()[0] == 'o'; it->Next()) {
      ObjectRecord r;
      if (!meta::Decode(it->value(), &r)) {
        complete = false;
        continue;
      }
      for (auto& s : r.segments) referenced.insert(s.file_id);
    }
    for (it->Seek("p"); it->Valid() && it->key()[0] == 'p'; it->Next()) {
      PartRecord r;
      if (!meta::Decode(it->value(), &r)) {
        complete = false;
        continue;
      }
      if (!r.segment.file_id.empty()) referenced.insert(r.segment.file_id);
    }
    OT_RETURN_IF_ERROR(FromKv(it->status()));
    if (!complete) spdlog::error("objectstore: undecodable metadata records; orphaned files are kept");
    files_.Reconcile(complete ? &referenced : nullptr);
    return Status::Ok();
  }

  // ----- buckets ------------------------------------------------------------------------

  Status CreateBucket(const BucketInfo& bucket) override {
    if (bucket.name.empty() || bucket.name.find('\0') != std::string::npos)
      return Status::Error("InvalidBucketName", "The specified bucket is not valid.", 400);
    std::unique_lock lock(buckets_mu_);
    if (auto it = buckets_.find(bucket.name); it != buckets_.end()) {
      if (it->second.owner_account == bucket.owner_account)
        return Status::Error("BucketAlreadyOwnedByYou",
                             "Your previous request to create the named bucket succeeded and you already own it.",
                             409);
      return Status::Error("BucketAlreadyExists",
                           "The requested bucket name is not available. The bucket namespace is shared by all "
                           "users of the system. Please select a different name and try again.",
                           409);
    }
    BucketInfo b = bucket;
    if (b.created_ms == 0) b.created_ms = NowMillis();
    auto batch = kv_->NewBatch();
    batch->Put(kFamily, meta::BucketKey(b.name), meta::Encode(b));
    OT_RETURN_IF_ERROR(FromKv(kv_->Write(*batch, true)));
    buckets_.emplace(b.name, b);
    return Status::Ok();
  }

  Status DeleteBucket(std::string_view bucket) override {
    std::unique_lock lock(buckets_mu_);
    auto found = buckets_.find(bucket);
    if (found == buckets_.end()) return NoSuchBucket();
    for (const std::string& prefix : {meta::ObjectPrefix(bucket), meta::UploadPrefix(bucket)}) {
      auto it = kv_->NewIterator(kFamily);
      it->Seek(prefix);
      OT_RETURN_IF_ERROR(FromKv(it->status()));
      if (it->Valid() && it->key().starts_with(prefix))
        return Status::Error("BucketNotEmpty", "The bucket you tried to delete is not empty", 409);
    }
    auto batch = kv_->NewBatch();
    batch->Delete(kFamily, meta::BucketKey(bucket));
    std::string docs = meta::DocPrefix(bucket);
    batch->DeleteRange(kFamily, docs, meta::PrefixEnd(docs));
    OT_RETURN_IF_ERROR(FromKv(kv_->Write(*batch, true)));
    buckets_.erase(found);
    return Status::Ok();
  }

  Result<BucketInfo> GetBucket(std::string_view bucket) override {
    std::shared_lock lock(buckets_mu_);
    auto it = buckets_.find(bucket);
    if (it == buckets_.end()) return NoSuchBucket();
    return it->second;
  }

  Result<std::vector<BucketInfo>> ListBuckets() override {
    std::shared_lock lock(buckets_mu_);
    std::vector<BucketInfo> out;
    out.reserve(buckets_.size());
    for (auto& [name, b] : buckets_) out.push_back(b);  // std::map: byte order of names
    return out;
  }

  Status PutBucketDocument(std::string_view bucket, std::string_view kind, std::string_view text) override {
    std::shared_lock lock(buckets_mu_);
    if (!buckets_.count(bucket)) return NoSuchBucket();
    auto batch = kv_->NewBatch();
    batch->Put(kFamily, meta::DocKey(bucket, kind), text);
    return FromKv(kv_->Write(*batch, true));
  }

  Result<std::optional<std::string>> GetBucketDocument(std::string_view bucket, std::string_view kind) override {
    std::shared_lock lock(buckets_mu_);
    if (!buckets_.count(bucket)) return NoSuchBucket();
    auto got = kv_->Get(kFamily, meta::DocKey(bucket, kind));
    if (!got.ok()) return FromKv(got.status());
    return std::move(*got);
  }

  Status DeleteBucketDocument(std::string_view bucket, std::string_view kind) override {
    std::shared_lock lock(buckets_mu_);
    if (!buckets_.count(bucket)) return NoSuchBucket();
    auto batch = kv_->NewBatch();
    batch->Delete(kFamily, meta::DocKey(bucket, kind));
    return FromKv(kv_->Write(*batch, true));
  }

  // ----- objects ------------------------------------------------------------------------

  Result<ObjectInfo> PutObject(std::string_view bucket, std::string_view key, std::string_view data,
                               const PutOptions& options) override {
    OT_RETURN_IF_ERROR(CheckKey(key));
    if (data.size() > kMaxObjectSize)
      return Status::Error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400);
    if (!BucketExists(bucket)) return NoSuchBucket();
    auto provider = Provider(options.encryption);
    if (!provider.ok()) return provider.status();

    ObjectRecord rec;
    rec.info = InfoFromOptions(options);
    rec.info.size = data.size();
    Md5 md5;
    if (!data.empty()) {
      auto seg = files_.Write(data, *provider, options.encryption, &md5);
      if (!seg.ok()) return seg.status();
      rec.segments.push_back(std::move(*seg));
    }
    rec.info.etag = Quote(HexEncode(md5.Digest()));
    rec.info.last_modified_ms = NowMillis();

    std::shared_lock lock(buckets_mu_);
    if (!buckets_.count(bucket)) {
      files_.Remove(rec.segments);
      return NoSuchBucket();
    }
    return CommitObjectLocked(bucket, key, std::move(rec), nullptr);
  }

  Result<ObjectInfo> HeadObject(std::string_view bucket, std::string_view key) override {
    if (!BucketExists(bucket)) return NoSuchBucket();
    auto rec = LoadObject(bucket, key, nullptr);
    if (!rec.ok()) return rec.status();
    return WithName(std::move(rec->info), bucket, key);
  }

  Result<ObjectInfo> GetObject(std::string_view bucket, std::string_view key, const std::optional<ByteRange>& range,
                               std::string* data) override {
    data->clear();
    if (!BucketExists(bucket)) return NoSuchBucket();
    std::string raw, previous_raw;
    for (int attempt = 0;; ++attempt) {
      auto rec = LoadObject(bucket, key, &raw);
      if (!rec.ok()) return rec.status();
      uint64_t first = 0, len = 0;
      OT_RETURN_IF_ERROR(Bytes(rec->info.size, range, &first, &len));
      bool missing = false;
      Status s = ReadRecord(*rec, first, len, data, &missing);
      if (s.ok()) return WithName(std::move(rec->info), bucket, key);
      data->clear();
      // A file vanished: the object was replaced or deleted while we read. Read it again,
      // unless the record did not change (then the file is really gone).
      if (!missing || raw == previous_raw || attempt >= 16) return s;
      previous_raw = std::move(raw);
    }
  }

  Result<std::unique_ptr<ObjectReader>> OpenObject(std::string_view bucket, std::string_view key,
                                                   const std::optional<ByteRange>& range) override {
    if (!BucketExists(bucket)) return NoSuchBucket();
    std::string raw;
    auto rec = LoadObject(bucket, key, &raw);
    if (!rec.ok()) return rec.status();
    uint64_t first = 0, len = 0;
    OT_RETURN_IF_ERROR(Bytes(rec->info.size, range, &first, &len));
    auto provider = Provider(rec->info.encryption);
    if (!provider.ok()) return provider.status();
    ObjectInfo info = WithName(rec->info, bucket, key);
    return std::unique_ptr<ObjectReader>(
        new LocalObjectReader(&files_, *provider, std::move(*rec), std::move(info), first, len));
  }

  Status DeleteObject(std::string_view bucket, std::string_view key) override {
    std::vector<Segment> old;
    {
      std::shared_lock lock(buckets_mu_);
      if (!buckets_.count(bucket)) return NoSuchBucket();
      std::lock_guard key_lock(KeyLock(bucket, key));
      std::string okey = meta::ObjectKey(bucket, key);
      auto got = kv_->Get(kFamily, okey);
      if (!got.ok()) return FromKv(got.status());
      if (!got->has_value()) return Status::Ok();
      ObjectRecord rec;
      if (meta::Decode(**got, &rec)) old = std::move(rec.segments);
      auto batch = kv_->NewBatch();
      batch->Delete(kFamily, okey);
      OT_RETURN_IF_ERROR(FromKv(kv_->Write(*batch, true)));
    }
    if (files_.Fault("after_commit") == kSimulateCrash) return SimulatedCrash();
    files_.Remove(old);
    return Status::Ok();
  }

  Result<ObjectInfo> CopyObject(std::string_view src_bucket, std::string_view src_key, std::string_view dst_bucket,
                                std::string_view dst_key,
                                const std::optional<PutOptions>& replace_metadata) override {
    OT_RETURN_IF_ERROR(CheckKey(dst_key));
    if (!BucketExists(dst_bucket)) return NoSuchBucket();
    // The copy gets its own file and data key (re-encrypted), so objects never share files
    // and deletes stay simple. Its ETag is the MD5 of the bytes, as for a single PUT.
    std::string data;
    auto src = GetObject(src_bucket, src_key, std::nullopt, &data);
    if (!src.ok()) return src.status();
    PutOptions options = replace_metadata ? *replace_metadata : OptionsFromInfo(*src);
    auto put = PutObject(dst_bucket, dst_key, data, options);
    OPENSSL_cleanse(data.data(), data.size());
    return put;
  }

  Result<ListResult> ListObjects(std::string_view bucket, const ListOptions& options) override {
    if (!BucketExists(bucket)) return NoSuchBucket();
    ListResult out;
    if (options.max_keys == 0) return out;
    const std::string base = meta::ObjectPrefix(bucket);
    const std::string scan_prefix = base + options.prefix;
    const std::string& after = options.start_after;
    auto it = kv_->NewIterator(kFamily);  // a consistent snapshot for the whole page
    if (after > options.prefix)
      it->Seek(base + after);
    else
      it->Seek(scan_prefix);
    size_t count = 0;
    while (it->Valid() && it->key().starts_with(scan_prefix)) {
      std::string_view key = it->key().substr(base.size());
      if (!after.empty() && key <= after) {
        it->Next();
        continue;
      }
      if (!options.delimiter.empty()) {
        size_t pos = key.find(options.delimiter, options.prefix.size());
        if (pos != std::string_view::npos) {
          std::string cp(key.substr(0, pos + options.delimiter.size()));
          std::string next = meta::PrefixEnd(base + cp);
          // A prefix at or before start_after was returned on an earlier page.
          if (cp > after) {
            if (count == options.max_keys) {
              out.truncated = true;
              break;
            }
            out.common_prefixes.push_back(cp);
            out.last_key = cp;
            ++count;
          }
          if (next.empty()) break;
          it->Seek(next);  // skip the rest of the group
          continue;
        }
      }
      if (count == options.max_keys) {
        out.truncated = true;
        break;
      }
      ObjectRecord rec;
      if (!meta::Decode(it->value(), &rec)) return InternalError("object metadata is corrupt");
      out.objects.push_back(WithName(std::move(rec.info), bucket, key));
      out.last_key = std::string(key);
      ++count;
      it->Next();
    }
    OT_RETURN_IF_ERROR(FromKv(it->status()));
    return out;
  }

  Status PutObjectTags(std::string_view bucket, std::string_view key,
                       const std::map<std::string, std::string>& tags) override {
    std::shared_lock lock(buckets_mu_);
    if (!buckets_.count(bucket)) return NoSuchBucket();
    std::lock_guard key_lock(KeyLock(bucket, key));
    std::string okey = meta::ObjectKey(bucket, key);
    auto got = kv_->Get(kFamily, okey);
    if (!got.ok()) return FromKv(got.status());
    if (!got->has_value()) return NoSuchKey();
    ObjectRecord rec;
    if (!meta::Decode(**got, &rec)) return InternalError("object metadata is corrupt");
    rec.info.tags = tags;
    auto batch = kv_->NewBatch();
    batch->Put(kFamily, okey, meta::Encode(rec));
    return FromKv(kv_->Write(*batch, true));
  }

  // ----- multipart ----------------------------------------------------------------------

  Result<UploadInfo> CreateUpload(std::string_view bucket, std::string_view key, const PutOptions& options) override {
    OT_RETURN_IF_ERROR(CheckKey(key));
    auto provider = Provider(options.encryption);
    if (!provider.ok()) return provider.status();
    UploadRecord rec;
    rec.info.bucket = std::string(bucket);
    rec.info.key = std::string(key);
    uint8_t id[16];
    RandomBytes(id, sizeof id);
    rec.info.upload_id = HexEncode(id, sizeof id);
    rec.info.initiated_ms = NowMillis();
    rec.info.options = options;
    std::shared_lock lock(buckets_mu_);
    if (!buckets_.count(bucket)) return NoSuchBucket();
    auto batch = kv_->NewBatch();
    batch->Put(kFamily, meta::UploadKey(bucket, rec.info.upload_id), meta::Encode(rec));
    OT_RETURN_IF_ERROR(FromKv(kv_->Write(*batch, true)));
    return rec.info;
  }

  Result<PartInfo> UploadPart(std::string_view bucket, std::string_view upload_id, int part_number,
                              std::string_view data, const std::map<std::string, std::string>& checksums) override {
    if (part_number < 1 || part_number > kMaxPartNumber)
      return Status::Error("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive", 400);
    if (data.size() > kMaxObjectSize)
      return Status::Error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400);
    auto upload = GetUpload(bucket, upload_id);
    if (!upload.ok()) return upload.status();
    const Encryption& enc = upload->options.encryption;
    auto provider = Provider(enc);
    if (!provider.ok()) return provider.status();

    PartRecord part;
    part.info.number = part_number;
    part.info.size = data.size();
    part.info.checksums = checksums;
    Md5 md5;
    if (!data.empty()) {
      auto seg = files_.Write(data, *provider, enc, &md5);
      if (!seg.ok()) return seg.status();
      part.segment = std::move(*seg);
    }
    part.info.etag = Quote(HexEncode(md5.Digest()));
    part.info.last_modified_ms = NowMillis();

    Segment old;
    {
      std::shared_lock lock(buckets_mu_);
      std::lock_guard upload_lock(UploadLock(bucket, upload_id));
      auto still = kv_->Get(kFamily, meta::UploadKey(bucket, upload_id));
      if (!buckets_.count(bucket) || !still.ok() || !still->has_value()) {
        files_.Remove(part.segment.file_id);
        if (!buckets_.count(bucket)) return NoSuchBucket();
        return still.ok() ? NoSuchUpload() : FromKv(still.status());
      }
      if (files_.Fault("before_commit") == kSimulateCrash) return SimulatedCrash();
      std::string pkey = meta::PartKey(bucket, upload_id, part_number);
      auto prev = kv_->Get(kFamily, pkey);
      if (!prev.ok()) {
        files_.Remove(part.segment.file_id);
        return FromKv(prev.status());
      }
      PartRecord prev_rec;
      if (prev->has_value() && meta::Decode(**prev, &prev_rec)) old = prev_rec.segment;
      auto batch = kv_->NewBatch();
      batch->Put(kFamily, pkey, meta::Encode(part));
      Status s = FromKv(kv_->Write(*batch, true));
      if (!s.ok()) {
        files_.Remove(part.segment.file_id);
        return s;
      }
    }
    if (files_.Fault("after_commit") == kSimulateCrash) return SimulatedCrash();
    files_.Remove(old.file_id);
    return part.info;
  }

  Result<ObjectInfo> CompleteUpload(std::string_view bucket, std::string_view upload_id,
                                    const std::vector<std::pair<int, std::string>>& parts) override {
    if (parts.empty())
      return Status::Error("MalformedXML", "The XML you provided was not well-formed or did not validate against "
                                           "our published schema (no parts)", 400);
    std::vector<Segment> unused;
    Result<ObjectInfo> result = Status::Ok();
    {
      std::shared_lock lock(buckets_mu_);
      if (!buckets_.count(bucket)) return NoSuchBucket();
      if (!ValidUploadId(upload_id)) return NoSuchUpload();
      std::lock_guard upload_lock(UploadLock(bucket, upload_id));
      auto upload = LoadUpload(bucket, upload_id);
      if (!upload.ok()) return upload.status();
      auto stored = LoadParts(bucket, upload_id);
      if (!stored.ok()) return stored.status();
      std::map<int, PartRecord> by_number;
      for (auto& p : *stored) by_number.emplace(p.info.number, std::move(p));

      ObjectRecord rec;
      rec.info = InfoFromOptions(upload->info.options);
      std::string md5s;
      int prev = 0;
      for (size_t i = 0; i < parts.size(); ++i) {
        auto [number, etag] = parts[i];
        if (number <= prev)
          return Status::Error("InvalidPartOrder",
                               "The list of parts was not in ascending order. Parts must be ordered by part number.",
                               400);
        prev = number;
        auto found = by_number.find(number);
        if (found == by_number.end() || NormalizeEtag(etag) != NormalizeEtag(found->second.info.etag))
          return Status::Error("InvalidPart",
                               "One or more of the specified parts could not be found. The part may not have been "
                               "uploaded, or the specified entity tag may not match the part's entity tag.",
                               400);
      }
      for (size_t i = 0; i < parts.size(); ++i) {
        const PartRecord& p = by_number.at(parts[i].first);
        if (i + 1 < parts.size() && p.info.size < kMinPartSize)
          return Status::Error("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size",
                               400);
        md5s += HexDecode(NormalizeEtag(p.info.etag));
        rec.info.size += p.info.size;
        if (!p.segment.file_id.empty()) rec.segments.push_back(p.segment);
      }
      rec.info.etag = Quote(Md5Hex(md5s) + "-" + std::to_string(parts.size()));
      rec.info.parts_count = static_cast<int>(parts.size());
      rec.info.last_modified_ms = NowMillis();
      for (auto& [number, p] : by_number) {
        bool used = std::any_of(parts.begin(), parts.end(), [&](auto& x) { return x.first == number; });
        if (!used && !p.segment.file_id.empty()) unused.push_back(p.segment);
      }
      std::string ukey = meta::UploadKey(bucket, upload_id), pprefix = meta::PartPrefix(bucket, upload_id);
      result = CommitObjectLocked(bucket, upload->info.key, std::move(rec), [&](storage::WriteBatch& batch) {
        batch.Delete(kFamily, ukey);
        batch.DeleteRange(kFamily, pprefix, meta::PrefixEnd(pprefix));
      });
    }
    if (result.ok()) files_.Remove(unused);
    return result;
  }

  Status AbortUpload(std::string_view bucket, std::string_view upload_id) override {
    std::vector<PartRecord> parts;
    {
      std::shared_lock lock(buckets_mu_);
      if (!buckets_.count(bucket)) return NoSuchBucket();
      if (!ValidUploadId(upload_id)) return NoSuchUpload();
      std::lock_guard upload_lock(UploadLock(bucket, upload_id));
      auto upload = LoadUpload(bucket, upload_id);
      if (!upload.ok()) return upload.status();
      auto stored = LoadParts(bucket, upload_id);
      if (!stored.ok()) return stored.status();
      parts = std::move(*stored);
      auto batch = kv_->NewBatch();
      batch->Delete(kFamily, meta::UploadKey(bucket, upload_id));
      std::string pprefix = meta::PartPrefix(bucket, upload_id);
      batch->DeleteRange(kFamily, pprefix, meta::PrefixEnd(pprefix));
      OT_RETURN_IF_ERROR(FromKv(kv_->Write(*batch, true)));
    }
    if (files_.Fault("after_commit") == kSimulateCrash) return SimulatedCrash();
    for (auto& p : parts) files_.Remove(p.segment.file_id);
    return Status::Ok();
  }

  Result<UploadInfo> GetUpload(std::string_view bucket, std::string_view upload_id) override {
    if (!BucketExists(bucket)) return NoSuchBucket();
    if (!ValidUploadId(upload_id)) return NoSuchUpload();
    auto rec = LoadUpload(bucket, upload_id);
    if (!rec.ok()) return rec.status();
    return rec->info;
  }

  Result<std::vector<PartInfo>> ListParts(std::string_view bucket, std::string_view upload_id) override {
    auto upload = GetUpload(bucket, upload_id);
    if (!upload.ok()) return upload.status();
    auto parts = LoadParts(bucket, upload_id);
    if (!parts.ok()) return parts.status();
    std::vector<PartInfo> out;
    for (auto& p : *parts) out.push_back(std::move(p.info));
    return out;
  }

  Result<std::vector<UploadInfo>> ListUploads(std::string_view bucket, std::string_view prefix) override {
    if (!BucketExists(bucket)) return NoSuchBucket();
    std::vector<UploadInfo> out;
    std::string uprefix = meta::UploadPrefix(bucket);
    auto it = kv_->NewIterator(kFamily);
    for (it->Seek(uprefix); it->Valid() && it->key().starts_with(uprefix); it->Next()) {
      UploadRecord rec;
      if (!meta::Decode(it->value(), &rec)) return InternalError("upload metadata is corrupt");
      if (!std::string_view(rec.info.key).starts_with(prefix)) continue;
      rec.info.bucket = std::string(bucket);
      out.push_back(std::move(rec.info));
    }
    OT_RETURN_IF_ERROR(FromKv(it->status()));
    std::sort(out.begin(), out.end(), [](const UploadInfo& a, const UploadInfo& b) {
      return std::tie(a.key, a.initiated_ms, a.upload_id) < std::tie(b.key, b.initiated_ms, b.upload_id);
    });
    return out;
  }

 private:
  bool BucketExists(std::string_view bucket) {
    std::shared_lock lock(buckets_mu_);
    return buckets_.count(bucket) > 0;
  }

  Result<KeyProvider*> Provider(const Encryption& e) {
    if (e.mode == Encryption::Mode::kSseKms) {
      if (sse_kms_ == nullptr)
        return Status::Error("KMS.NotFoundException", "SSE-KMS is not available: no KMS key provider is configured",
                             400);
      return sse_kms_;
    }
    if (sse_s3_ == nullptr) return InternalError("no SSE-S3 key provider is configured");
    return sse_s3_;
  }

  static ObjectInfo WithName(ObjectInfo info, std::string_view bucket, std::string_view key) {
    info.bucket = std::string(bucket);
    info.key = std::string(key);
    return info;
  }

  std::mutex& KeyLock(std::string_view bucket, std::string_view key) {
    return key_locks_[KeyHash(bucket, key) % key_locks_.size()];
  }
  std::mutex& UploadLock(std::string_view bucket, std::string_view upload_id) {
    return upload_locks_[KeyHash(bucket, upload_id) % upload_locks_.size()];
  }

  Result<ObjectRecord> LoadObject(std::string_view bucket, std::string_view key, std::string* raw) {
    if (key.empty() || key.size() > kMaxKeyBytes) return NoSuchKey();
    auto got = kv_->Get(kFamily, meta::ObjectKey(bucket, key));
    if (!got.ok()) return FromKv(got.status());
    if (!got->has_value()) return NoSuchKey();
    ObjectRecord rec;
    if (!meta::Decode(**got, &rec)) return InternalError("object metadata is corrupt");
    if (raw) *raw = std::move(**got);
    return rec;
  }

  Result<UploadRecord> LoadUpload(std::string_view bucket, std::string_view upload_id) {
    auto got = kv_->Get(kFamily, meta::UploadKey(bucket, upload_id));
    if (!got.ok()) return FromKv(got.status());
    if (!got->has_value()) return NoSuchUpload();
    UploadRecord rec;
    if (!meta::Decode(**got, &rec)) return InternalError("upload metadata is corrupt");
    rec.info.bucket = std::string(bucket);
    return rec;
  }

  Result<std::vector<PartRecord>> LoadParts(std::string_view bucket, std::string_view upload_id) {
    std::vector<PartRecord> out;
    std::string prefix = meta::PartPrefix(bucket, upload_id);
    auto it = kv_->NewIterator(kFamily);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      PartRecord rec;
      if (!meta::Decode(it->value(), &rec)) return InternalError("part metadata is corrupt");
      out.push_back(std::move(rec));
    }
    OT_RETURN_IF_ERROR(FromKv(it->status()));
    return out;
  }

  // Reads object bytes [first, first + len) across the record's segments into `data`.
  Status ReadRecord(const ObjectRecord& rec, uint64_t first, uint64_t len, std::string* data, bool* missing) {
    auto provider = Provider(rec.info.encryption);
    if (!provider.ok()) return provider.status();
    data->resize(len);
    uint64_t seg_start = 0, end = first + len;
    for (const Segment& seg : rec.segments) {
      uint64_t seg_end = seg_start + seg.size;
      if (seg_end > first && seg_start < end) {
        uint64_t b = std::max(first, seg_start), e = std::min(end, seg_end);
        OT_RETURN_IF_ERROR(files_.Read(seg, *provider, rec.info.encryption, b - seg_start, e - b,
                                       data->data() + (b - first), missing));
      }
      seg_start = seg_end;
      if (seg_start >= end) break;
    }
    if (seg_start < end) return InternalError("object metadata is corrupt (segments shorter than the object)");
    return Status::Ok();
  }

  // Switches `key` to `rec` in one synced batch (plus whatever `extra` adds), then removes
  // the replaced object's files. The caller holds buckets_mu_ shared and has checked the
  // bucket; on failure the new record's files are removed unless `extra` is set (then they
  // belong to an upload that stays).
  Result<ObjectInfo> CommitObjectLocked(std::string_view bucket, std::string_view key, ObjectRecord rec,
                                        const std::function<void(storage::WriteBatch&)>& extra) {
    std::vector<Segment> old;
    {
      if (files_.Fault("before_commit") == kSimulateCrash) return SimulatedCrash();
      std::lock_guard key_lock(KeyLock(bucket, key));
      std::string okey = meta::ObjectKey(bucket, key);
      auto got = kv_->Get(kFamily, okey);
      Status s = got.ok() ? Status::Ok() : FromKv(got.status());
      if (s.ok()) {
        ObjectRecord prev;
        if (got->has_value() && meta::Decode(**got, &prev)) old = std::move(prev.segments);
        auto batch = kv_->NewBatch();
        batch->Put(kFamily, okey, meta::Encode(rec));
        if (extra) extra(*batch);
        s = FromKv(kv_->Write(*batch, true));
      }
      if (!s.ok()) {
        if (!extra) files_.Remove(rec.segments);
        return s;
      }
    }
    if (files_.Fault("after_commit") == kSimulateCrash) return SimulatedCrash();
    files_.Remove(old);
    return WithName(std::move(rec.info), bucket, key);
  }

  storage::KvStore* kv_;
  LocalStoreHooks hooks_;
  FileStore files_;
  KeyProvider* sse_s3_;
  KeyProvider* sse_kms_;
  std::shared_mutex buckets_mu_;
  std::map<std::string, BucketInfo, std::less<>> buckets_;
  std::array<std::mutex, 64> key_locks_;
  std::array<std::mutex, 64> upload_locks_;
};

}  // namespace

Result<std::unique_ptr<ObjectStore>> OpenLocalStoreWithHooks(storage::KvStore* kv, const LocalStoreOptions& options,
                                                             KeyProvider* sse_s3, KeyProvider* sse_kms,
                                                             LocalStoreHooks hooks) {
  if (kv == nullptr || options.dir.empty()) return InternalError("object store needs a KV store and a directory");
  try {
    kv->NewIterator(kObjectsFamily);  // the RocksDB store throws for a family it was not opened with
  } catch (const std::exception&) {
    return InternalError(std::string("the KV store was opened without the \"") + kObjectsFamily + "\" family");
  }
  auto store = std::make_unique<LocalStore>(kv, options, sse_s3, sse_kms, std::move(hooks));
  OT_RETURN_IF_ERROR(store->Open());
  return std::unique_ptr<ObjectStore>(std::move(store));
}

Result<std::unique_ptr<ObjectStore>> OpenLocalStore(storage::KvStore* kv, const LocalStoreOptions& options,
                                                    KeyProvider* sse_s3, KeyProvider* sse_kms) {
  return OpenLocalStoreWithHooks(kv, options, sse_s3, sse_kms, {});
}

}  // namespace ot::objectstore
