#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "common/crypto.h"
#include "objectstore/local_store.h"
#include "objectstore/object_store.h"
#include "storage/kv_store.h"
#include "test_util.h"

namespace ot::objectstore {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMiB = 1024 * 1024;
constexpr uint64_t kChunk = 64 * 1024;

std::string RandomData(size_t n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng();
    std::memcpy(s.data() + i, &v, std::min<size_t>(8, n - i));
  }
  return s;
}

ListOptions Opts(std::string prefix, std::string delimiter, std::string start_after, size_t max_keys) {
  ListOptions o;
  o.prefix = std::move(prefix);
  o.delimiter = std::move(delimiter);
  o.start_after = std::move(start_after);
  o.max_keys = max_keys;
  return o;
}

std::string Quoted(const std::string& hex) { return "\"" + hex + "\""; }

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFileBytes(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << data;
}

// Regular files under `dir`, recursively.
std::vector<fs::path> FilesUnder(const std::string& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (auto& e : fs::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

class ObjectStoreEnv {
 public:
  explicit ObjectStoreEnv(std::string objects_dir = "") {
    objects_dir_ = objects_dir.empty() ? dir_.path() + "/objects" : objects_dir;
    Reopen();
  }
  ~ObjectStoreEnv() { Close(); }

  void Close() {
    store.reset();
    kv.reset();
    keys.reset();
  }
  void Reopen(LocalStoreHooks hooks = {}) {
    Close();
    auto k = storage::OpenRocksDb(dir_.path() + "/db", std::vector<std::string>{kObjectsFamily});
    ASSERT_TRUE(k.ok()) << k.status().ToString();
    kv = std::move(*k);
    auto p = OpenMasterKeyProvider(dir_.path() + "/master.key");
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    keys = std::move(*p);
    auto s = OpenLocalStoreWithHooks(kv.get(), {objects_dir_}, keys.get(), kms, std::move(hooks));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store = std::move(*s);
  }

  const std::string& objects_dir() const { return objects_dir_; }
  std::string root() const { return dir_.path(); }
  std::vector<fs::path> DataFiles() const { return FilesUnder(objects_dir_ + "/data"); }
  std::vector<fs::path> TempFiles() const { return FilesUnder(objects_dir_ + "/tmp"); }

  void MakeBucket(const std::string& name, const std::string& owner = "111122223333") {
    BucketInfo b;
    b.name = name;
    b.owner_account = owner;
    b.region = "us-east-1";
    auto s = store->CreateBucket(b);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  ObjectInfo Put(const std::string& bucket, const std::string& key, const std::string& data, PutOptions o = {}) {
    auto r = store->PutObject(bucket, key, data, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ObjectInfo();
  }
  std::string Get(const std::string& bucket, const std::string& key, std::optional<ByteRange> range = {}) {
    std::string out;
    auto r = store->GetObject(bucket, key, range, &out);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return out;
  }

  KeyProvider* kms = nullptr;
  std::unique_ptr<storage::KvStore> kv;
  std::unique_ptr<KeyProvider> keys;
  std::unique_ptr<ObjectStore> store;

 private:
  testing::TempDir dir_;
  std::string objects_dir_;
};

// Uploads `sizes` as parts 1..n; returns the data and the (number, etag) list.
std::pair<std::string, std::vector<std::pair<int, std::string>>> UploadParts(ObjectStore& s, const std::string& bucket,
                                                                             const std::string& upload_id,
                                                                             const std::vector<size_t>& sizes) {
  std::string all;
  std::vector<std::pair<int, std::string>> parts;
  for (size_t i = 0; i < sizes.size(); ++i) {
    std::string d = RandomData(sizes[i], static_cast<uint32_t>(100 + i));
    auto p = s.UploadPart(bucket, upload_id, static_cast<int>(i + 1), d, {});
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    if (!p.ok()) continue;
    EXPECT_EQ(p->etag, Quoted(Md5Hex(d)));
    EXPECT_EQ(p->size, d.size());
    parts.emplace_back(static_cast<int>(i + 1), p->etag);
    all += d;
  }
  return {all, parts};
}

std::string MultipartEtag(const std::vector<std::string>& part_data) {
  std::string bins;
  for (auto& d : part_data) {
    std::string hex = Md5Hex(d);
    for (size_t i = 0; i < hex.size(); i += 2) bins.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return Quoted(Md5Hex(bins) + "-" + std::to_string(part_data.size()));
}

}  // namespace

// ---------------------------------------------------------------------------------------

TEST(ObjectStoreTest, RoundTripsObjectsOfEverySize) {
  ObjectStoreEnv env;
  env.MakeBucket("b");
  std::vector<size_t> sizes = {0, 1, 2, 15, 16, 17, kChunk - 1, kChunk, kChunk + 1, 2 * kChunk, 3 * kChunk + 7,
                               16 * kChunk, 16 * kChunk + 1, 17 * kChunk - 1, 5 * kMiB};
  std::mt19937 rng(7);
  for (int i = 0; i < 8; ++i) sizes.push_back(rng() % (3 * kMiB));
  for (size_t n : sizes) {
    std::string key = "obj-" + std::to_string(n);
    std::string data = RandomData(n, static_cast<uint32_t>(n));
    ObjectInfo put = env.Put("b", key, data);
    EXPECT_EQ(put.size, n);
    EXPECT_EQ(put.etag, Quoted(Md5Hex(data)));
    EXPECT_EQ(put.content_type, "binary/octet-stream");
    EXPECT_EQ(put.parts_count, 0);
    EXPECT_EQ(put.bucket, "b");
    EXPECT_EQ(put.key, key);
    EXPECT_GT(put.last_modified_ms, 1'600'000'000'000) << "milliseconds";
    std::string got = env.Get("b", key);
    EXPECT_EQ(got.size(), n);
    EXPECT_TRUE(got == data) << "size " << n;
    auto head = env.store->HeadObject("b", key);
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(head->size, n);
    EXPECT_EQ(head->etag, put.etag);
    EXPECT_EQ(head->last_modified_ms, put.last_modified_ms);
  }
  EXPECT_EQ(Quoted(Md5Hex("")), "\"d41d8cd98f00b204e9800998ecf8427e\"");
  // One file per non-empty object, sealed size = plaintext + one tag per 64 KiB chunk.
  size_t nonempty = 0;
  uint64_t expected_bytes = 0;
  for (size_t n : sizes)
    if (n) ++nonempty, expected_bytes += n + (n + kChunk - 1) / kChunk * 16;
  auto files = env.DataFiles();
  EXPECT_EQ(files.size(), nonempty);
  uint64_t on_disk = 0;
  for (auto& f : files) on_disk += fs::file_size(f);
  EXPECT_EQ(on_disk, expected_bytes);
}

TEST(ObjectStoreTest, MetadataIsStoredAndReturned) {
  ObjectStoreEnv env;
  env.MakeBucket("b");
  PutOptions o;
  o.content_type = "application/json";
  o.content_encoding = "gzip";
  o.content_disposition = "attachment";
  o.content_language = "en";
  o.cache_control = "no-cache";
  o.user_metadata = {{"color", "blue"}, {"x", ""}};
  o.checksums = {{"CRC32", "AAAAAA=="}};
  o.tags = {{"k", "v"}};
  env.Put("b", "k", "{}", o);
  auto h = env.store->HeadObject("b", "k");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->content_type, "application/json");
  EXPECT_EQ(h->content_encoding, "gzip");
  EXPECT_EQ(h->content_disposition, "attachment");
  EXPECT_EQ(h->content_language, "en");
  EXPECT_EQ(h->cache_control, "no-cache");
  EXPECT_EQ(h->user_metadata, o.user_metadata);
  EXPECT_EQ(h->checksums, o.checksums);
  EXPECT_EQ(h->tags, o.tags);
  EXPECT_EQ(h->encryption.mode, Encryption::Mode::kSseS3);
  ASSERT_TRUE(env.store->PutObjectTags("b", "k", {{"a", "1"}, {"b", "2"}}).ok());
  EXPECT_EQ(env.store->HeadObject("b", "k")->tags.size(), 2u);
  EXPECT_EQ(env.Get("b", "k"), "{}");
  EXPECT_EQ(env.store->PutObjectTags("b", "missing", {}).code(), "NoSuchKey");
  EXPECT_EQ(env.store->PutObjectTags("nobucket", "k", {}).code(), "NoSuchBucket");
}

TEST(ObjectStoreTest, RangesAtEveryChunkBoundary) {
  ObjectStoreEnv env;
  env.MakeBucket("b");
  const uint64_t size = 4 * kChunk + 123;
  std::string data = RandomData(size, 42);
  env.Put("b", "r", data);
  std::vector<uint64_t> points = {0, 1, size - 1, size - 2};
  for (uint64_t c = 1; c <= 4; ++c)
    for (int64_t d : {-2, -1, 0, 1, 2}) points.push_back(c * kChunk + d);
  for (uint64_t first : points) {
    for (uint64_t last : points) {
      if (last < first || first >= size) continue;
      std::string got = env.Get("b", "r", ByteRange{first, last});
      ASSERT_EQ(got, data.substr(first, last - first + 1)) << first << "-" << last;
    }
  }
  // last past the end is clamped; first at/after the end is unsatisfiable.
  EXPECT_EQ(env.Get("b", "r", ByteRange{size - 10, size + 1000}), data.substr(size - 10));
  EXPECT_EQ(env.Get("b", "r", ByteRange{0, UINT64_MAX}), data);
  std::string out = "junk";
  auto bad = env.store->GetObject("b", "r", ByteRange{size, size + 5}, &out);
  EXPECT_EQ(bad.status().code(), "InvalidRange");
  EXPECT_EQ(bad.status().http_status(), 416);
  EXPECT_TRUE(out.empty());
  auto ranged = env.store->GetObject("b", "r", ByteRange{5, 9}, &out);
  ASSERT_TRUE(ranged.ok());
  EXPECT_EQ(ranged->size, size) << "info carries the whole object's size";
  env.Put("b", "empty", "");
  EXPECT_EQ(env.store->GetObject("b", "empty", ByteRange{0, 0}, &out).status().code(), "InvalidRange");
  EXPECT_EQ(env.Get("b", "empty"), "");
}

TEST(ObjectStoreTest, ReaderYieldsTheObjectPieceByPieceAndKeepsItsVersion) {
  ObjectStoreEnv env;
  env.MakeBucket("b");
  auto read_all = [](ObjectReader& r, size_t piece) {
    std::string all, part;
    for (;;) {
      Status s = r.Read(piece, &part);
      EXPECT_TRUE(s.ok()) << s.ToString();
      if (!s.ok() || part.empty()) return all;
      EXPECT_LE(part.size(), piece);
      all += part;
    }
  };
  const uint64_t size = 3 * kChunk + 777;
  std::string data = RandomData(size, 7);
  env.Put("b", "one", data);
  for (size_t piece : {size_t{1000}, size_t{kChunk}, size_t{kChunk + 1}, size_t{10 * kChunk}}) {
    auto r = env.store->OpenObject("b", "one", std::nullopt);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ((*r)->length(), size);
    EXPECT_EQ((*r)->info().key, "one");
    EXPECT_EQ(read_all(**r, piece), data) << piece;
  }
  auto ranged = env.store->OpenObject("b", "one", ByteRange{kChunk - 3, 2 * kChunk + 5});
  ASSERT_TRUE(ranged.ok());
  EXPECT_EQ((*ranged)->first(), kChunk - 3);
  EXPECT_EQ(read_all(**ranged, 4096), data.substr(kChunk - 3, kChunk + 9));
  EXPECT_EQ(env.store->OpenObject("b", "one", ByteRange{size, size + 1}).status().code(), "InvalidRange");
  EXPECT_EQ(env.store->OpenObject("b", "none", std::nullopt).status().code(), "NoSuchKey");
  EXPECT_EQ(env.store->OpenObject("nobucket", "one", std::nullopt).status().code(), "NoSuchBucket");

  // Replaced (and its file unlinked) after the first piece: the reader keeps the old version.
  auto r = env.store->OpenObject("b", "one", std::nullopt);
  ASSERT_TRUE(r.ok());
  std::string first;
  ASSERT_TRUE((*r)->Read(1000, &first).ok());
  env.Put("b", "one", RandomData(size, 8));
  EXPECT_EQ(first + read_all(**r, 100000), data);

  // Multipart: pieces never straddle wrongly across parts.
  auto up = env.store->CreateUpload("b", "mp", {});
  ASSERT_TRUE(up.ok());
  std::string d1 = RandomData(5 * kMiB, 21), d2 = RandomData(12345, 22);
  auto e1 = env.store->UploadPart("b", up->upload_id, 1, d1, {});
  auto e2 = env.store->UploadPart("b", up->upload_id, 2, d2, {});
  ASSERT_TRUE(e1.ok() && e2.ok());
  ASSERT_TRUE(env.store->CompleteUpload("b", up->upload_id, {{1, e1->etag}, {2, e2->etag}}).ok());
  auto mp = env.store->OpenObject("b", "mp", std::nullopt);
  ASSERT_TRUE(mp.ok());
  EXPECT_EQ(read_all(**mp, 3 * kMiB), d1 + d2);
  auto mp_range = env.store->OpenObject("b", "mp", ByteRange{5 * kMiB - 10, 5 * kMiB + 10});
  ASSERT_TRUE(mp_range.ok());
  EXPECT_EQ(read_all(**mp_range, 7), (d1 + d2).substr(5 * kMiB - 10, 21));
}

TEST(ObjectStoreTest, BytesOnDiskAreCiphertext) {
  ObjectStoreEnv env;
  env.MakeBucket("b");
  std::string marker = "PLAINTEXT-MARKER-0123456789";
  std::string data;
  while (data.size() < 300 * 1024) data += marker;
  data += std::string(200 * 1024, '\0');  // zeros must not show through either
  env.Put("b", "secret.txt", data);
  env.Put("b", "small", marker);
  ASSERT_EQ(env.DataFiles().size(), 2u);
  for (auto& f : FilesUnder(env.objects_dir())) {
    std::string bytes = ReadFile(f);
    EXPECT_EQ(bytes.find(marker.substr(0, 16)), std::string::npos) << f;
    EXPECT_EQ(bytes.find(std::string(64, '\0')), std::string::npos) << f;
    EXPECT_EQ(fs::status(f).permissions() & (fs::perms::group_all | fs::perms::others_all), fs::perms::none) << f;
  }
  // The metadata (RocksDB) holds no object bytes and no plaintext data key either.
  for (auto& f : FilesUnder(env.root() + "/db")) EXPECT_EQ(ReadFile(f).find(marker), std::string::npos) << f;
  // Same content stored twice encrypts differently (fresh key and nonce per object).
  env.Put("b", "small2", marker);
  auto files = env.DataFiles();
  std::set<std::string> contents;
  for (auto& f : files)
    if (fs::file_size(f) == marker.size() + 16) contents.insert(ReadFile(f));
  EXPECT_EQ(contents.size(), 2u);
}

TEST(ObjectStoreTest, TamperingIsDetectedNeverGarbage) {
  ObjectStoreEnv env;
  env.MakeBucket("b");
  std::string data = RandomData(3 * kChunk + 100, 3);
  env.Put("b", "t", data);
  auto files = env.DataFiles();
  ASSERT_EQ(files.size(), 1u);
  std::string original = ReadFile(files[0]);

  // Flip one bit in chunk 1's ciphertext.
  std::string bad = original;
  bad[(kChunk + 16) + 500] ^= 0x01;
  WriteFileBytes(files[0], bad);
  std::string out;
  auto r = env.store->GetObject("b", "t", std::nullopt, &out);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), "InternalError");
  EXPECT_EQ(r.status().http_status(), 500);
  EXPECT_TRUE(out.empty()) << "no partial plaintext handed out";
  // Ranges that only need intact chunks still work; ranges touching chunk 1 fail.
  EXPECT_EQ(env.Get("b", "t", ByteRange{0, 100}), data.substr(0, 101));
  EXPECT_EQ(env.Get("b", "t", ByteRange{2 * kChunk, 2 * kChunk + 10}), data.substr(2 * kChunk, 11));
  EXPECT_FALSE(env.store->GetObject("b", "t", ByteRange{kChunk - 1, kChunk}, &out).ok());

  // A flipped tag byte.
  bad = original;
  bad[kChunk + 3] ^= 0x80;
  WriteFileBytes(files[0], bad);
  EXPECT_FALSE(env.store->GetObject("b", "t", ByteRange{0, 10}, &out).ok());

  // Swapped chunks (0 and 1 are both full): rejected by the nonce's chunk index.
  bad = original.substr(kChunk + 16, kChunk + 16) + original.substr(0, kChunk + 16) +
        original.substr(2 * (kChunk + 16));
  WriteFileBytes(files[0], bad);
  EXPECT_FALSE(env.store->GetObject("b", "t", std::nullopt, &out).ok());

  // Truncated file.
  WriteFileBytes(files[0], original.substr(0, original.size() - 50));
  r = env.store->GetObject("b", "t", std::nullopt, &out);
  EXPECT_EQ(r.status().http_status(), 500);

  // Another object's file in its place (valid ciphertext under another key).
  env.Put("b", "other", RandomData(data.size(), 9));
  for (auto& f : env.DataFiles())
    if (f != files[0]) fs::copy_file(f, files[0], fs::copy_options::overwrite_existing);
  EXPECT_FALSE(env.store->GetObject("b", "t", std::nullopt, &out).ok());

  WriteFileBytes(files[0], original);
  EXPECT_EQ(env.Get("b", "t"), data);
}

TEST(ObjectStoreTest, EverythingPersistsAcrossReopen) {
  ObjectStoreEnv env;
  env.MakeBucket("zeta", "111111111111");
  env.MakeBucket("alpha", "222222222222");
  ASSERT_TRUE(env.store->PutBucketDocument("alpha", "policy", "{\"Version\":\"2012-10-17\"}").ok());
  std::string big = RandomData(kMiB + 5, 1);
  auto put = env.Put("alpha", "dir/big.bin", big);
  env.Put("alpha", "empty", "");
  auto up = env.store->CreateUpload("alpha", "mp", {});
  ASSERT_TRUE(up.ok());
  ASSERT_TRUE(env.store->UploadPart("alpha", up->upload_id, 1, "part", {}).ok());

  env.Reopen();
  auto buckets = env.store->ListBuckets();
  ASSERT_TRUE(buckets.ok());
  ASSERT_EQ(buckets->size(), 2u);
  EXPECT_EQ((*buckets)[0].name, "alpha");
  EXPECT_EQ((*buckets)[0].owner_account, "222222222222");
  EXPECT_GT((*buckets)[0].created_ms, 0);
  EXPECT_EQ((*buckets)[1].name, "zeta");
  EXPECT_EQ(**env.store->GetBucketDocument("alpha", "policy"), "{\"Version\":\"2012-10-17\"}");
  EXPECT_EQ(env.Get("alpha", "dir/big.bin"), big);
  EXPECT_EQ(env.store->HeadObject("alpha", "dir/big.bin")->etag, put.etag);
  EXPECT_EQ(env.Get("alpha", "empty"), "");
  auto parts = env.store->ListParts("alpha", up->upload_id);
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ(env.DataFiles().size(), 2u) << "reconciliation keeps referenced files";
  auto done = env.store->CompleteUpload("alpha", up->upload_id, {{1, (*parts)[0].etag}});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(env.Get("alpha", "mp"), "part");
}

TEST(ObjectStoreTest, BucketsAndDocuments) {
  ObjectStoreEnv env;
  env.MakeBucket("b1", "111122223333");
  BucketInfo again{"b1", "111122223333", "us-east-1", 0};
  EXPECT_EQ(env.store->CreateBucket(again).code(), "BucketAlreadyOwnedByYou");
  EXPECT_EQ(env.store->CreateBucket(again).http_status(), 409);
  again.owner_account = "999988887777";
  EXPECT_EQ(env.store->CreateBucket(again).code(), "BucketAlreadyExists");
  EXPECT_EQ(env.store->CreateBucket({std::string("a\0b", 3), "1", "r", 0}).code(), "InvalidBucketName");
  auto g = env.store->GetBucket("b1");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->region, "us-east-1");
  EXPECT_EQ(env.store->GetBucket("nope").status().code(), "NoSuchBucket");
  EXPECT_EQ(env.store->GetBucket("nope").status().http_status(), 404);

  EXPECT_FALSE(env.store->GetBucketDocument("b1", "policy")->has_value());
  ASSERT_TRUE(env.store->PutBucketDocument("b1", "policy", "P").ok());
  ASSERT_TRUE(env.store->PutBucketDocument("b1", "lifecycle", "L").ok());
  EXPECT_EQ(**env.store->GetBucketDocument("b1", "policy"), "P");
  ASSERT_TRUE(env.store->DeleteBucketDocument("b1", "policy").ok());
  EXPECT_FALSE(env.store->GetBucketDocument("b1", "policy")->has_value());
  EXPECT_EQ(env.store->PutBucketDocument("nope", "policy", "P").code(), "NoSuchBucket");

  // Deleting a bucket drops its documents; a new bucket of that name starts clean.
  ASSERT_TRUE(env.store->DeleteBucket("b1").ok());
  EXPECT_EQ(env.store->DeleteBucket("b1").code(), "NoSuchBucket");
  env.MakeBucket("b1");
  EXPECT_FALSE(env.store->GetBucketDocument("b1", "lifecycle")->has_value());

  for (const char* n : {"c", "a", "b-x", "b.y", "ab"}) env.MakeBucket(n);
  auto all = env.store->ListBuckets();
  std::vector<std::string> names;
  for (auto& b : *all) names.push_back(b.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "ab", "b-x", "b.y", "b1", "c"}));
}

TEST(ObjectStoreTest, DeleteSemantics) {
  ObjectStoreEnv env;
  env.MakeBucket("b");
  EXPECT_TRUE(env.store->DeleteObject("b", "absent").ok());
  EXPECT_EQ(env.store->DeleteObject("nobucket", "k").code(), "NoSuchBucket");
  env.Put("b", "k", "data");
  ASSERT_EQ(env.DataFiles().size(), 1u);
  EXPECT_EQ(env.store->DeleteBucket("b").code(), "BucketNotEmpty");
  EXPECT_EQ(env.store->DeleteBucket("b").http_status(), 409);
  ASSERT_TRUE(env.store->DeleteObject("b", "k").ok());
  EXPECT_TRUE(env.DataFiles().empty()) << "the object's file is removed";
  std::string out;
  auto r = env.store->GetObject("b", "k", std::nullopt, &out);
  EXPECT_EQ(r.status().code(), "NoSuchKey");
  EXPECT_EQ(r.status().http_status(), 404);
  EXPECT_EQ(env.store->HeadObject("b", "k").status().code(), "NoSuchKey");
  EXPECT_EQ(env.store->GetObject("nobucket", "k", std::nullopt, &out).status().code(), "NoSuchBucket");

  // An in-progress upload also keeps the bucket.
  auto up = env.store->CreateUpload("b", "m", {});
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(env.store->DeleteBucket("b").code(), "BucketNotEmpty");
  ASSERT_TRUE(env.store->AbortUpload("b", up->upload_id).ok());
  ASSERT_TRUE(env.store->DeleteBucket("b").ok());
  EXPECT_EQ(env.store->PutObject("b", "k", "x", {}).status().code(), "NoSuchBucket");
  EXPECT_TRUE(env.DataFiles().empty()) << "a put to a missing bucket leaves no file";

  // Overwrite replaces the file.
  env.MakeBucket("b");
  env.Put("b", "k", "one");
  env.Put("b", "k", "two");
  EXPECT_EQ(env.DataFiles().size(), 1u);
  EXPECT_EQ(env.Get("b", "k"), "two");
}

TEST(ObjectStoreTest, ListSemantics) {
  ObjectStoreEnv env;
  env.MakeBucket("b");
  env.MakeBucket("b2");  // neighbour bucket: its keys must never leak into b's listing
  std::vector<std::string> keys = {"a",          "a/1",         "a/2",      "a/b/c",  "ab",     "b/x",
                                   "b/y/z",      "c",           "d/",       "d//e",   "e\xc3\xa9", "e\xe2\x82\xac",
                                   "e\xf0\x9f\x98\x80", std::string("f\0g", 3), "zz"};
  for (auto& k : keys) env.Put("b", k, "v:" + k);
  env.Put("b2", "a/1", "other bucket");
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());  // byte order == UTF-8 code point order

  auto list = [&](ListOptions o) {
    auto r = env.store->ListObjects("b", o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ListResult();
  };
  auto names = [](const ListResult& r) {
    std::vector<std::string> out;
    for (auto& o : r.objects) out.push_back(o.key);
    return out;
  };

  ListResult all = list({});
  EXPECT_EQ(names(all), sorted);
  EXPECT_FALSE(all.truncated);
  EXPECT_EQ(all.objects[0].size, 3u);
  EXPECT_EQ(all.objects[0].etag, Quoted(Md5Hex("v:a")));
  EXPECT_EQ(all.objects[0].bucket, "b");

  ListResult pre = list(Opts("a/", "", "", 1000));
  EXPECT_EQ(names(pre), (std::vector<std::string>{"a/1", "a/2", "a/b/c"}));

  ListResult top = list(Opts("", "/", "", 1000));
  EXPECT_EQ(names(top), (std::vector<std::string>{"a", "ab", "c", "e\xc3\xa9", "e\xe2\x82\xac", "e\xf0\x9f\x98\x80",
                                                  std::string("f\0g", 3), "zz"}));
  EXPECT_EQ(top.common_prefixes, (std::vector<std::string>{"a/", "b/", "d/"}));

  ListResult nested = list(Opts("a/", "/", "", 1000));
  EXPECT_EQ(names(nested), (std::vector<std::string>{"a/1", "a/2"}));
  EXPECT_EQ(nested.common_prefixes, (std::vector<std::string>{"a/b/"}));

  ListResult dd = list(Opts("d/", "/", "", 1000));
  EXPECT_EQ(names(dd), (std::vector<std::string>{"d/"}));
  EXPECT_EQ(dd.common_prefixes, (std::vector<std::string>{"d//"}));

  ListResult multi = list(Opts("", "/b", "", 1000));  // multi-byte delimiter
  EXPECT_EQ(multi.common_prefixes, (std::vector<std::string>{"a/b"}));

  ListResult after = list(Opts("", "", "a/2", 1000));
  EXPECT_EQ(names(after).front(), "a/b/c");
  EXPECT_EQ(names(after).size(), sorted.size() - 3);
  EXPECT_EQ(list(Opts("", "", "zz", 1000)).objects.size(), 0u);
  EXPECT_EQ(names(list(Opts("a/", "", "a", 1000))).size(), 3u) << "start_after before the prefix";
  EXPECT_EQ(names(list(Opts("a", "", "a/1", 1000))), (std::vector<std::string>{"a/2", "a/b/c", "ab"}));
  // A common prefix at or before start_after was on an earlier page.
  ListResult skip = list(Opts("", "/", "a/", 1000));
  EXPECT_EQ(skip.common_prefixes, (std::vector<std::string>{"b/", "d/"}));
  EXPECT_EQ(names(skip).front(), "ab");

  ListResult page = list(Opts("", "/", "", 3));
  EXPECT_TRUE(page.truncated);
  EXPECT_EQ(names(page), (std::vector<std::string>{"a", "ab"}));
  EXPECT_EQ(page.common_prefixes, (std::vector<std::string>{"a/"}));
  EXPECT_EQ(page.last_key, "ab");
  EXPECT_FALSE(list(Opts("", "", "", sorted.size())).truncated) << "exactly max_keys left: not truncated";
  EXPECT_TRUE(list(Opts("", "", "", sorted.size() - 1)).truncated);
  EXPECT_TRUE(list(Opts("", "", "", 0)).objects.empty());

  // Paging with last_key as start_after visits everything exactly once, for any page size.
  for (size_t max : {1, 2, 3, 5, 100}) {
    for (std::string delim : {"", "/"}) {
      std::vector<std::string> seen_keys, seen_prefixes;
      std::string start;
      for (int pages = 0; pages < 100; ++pages) {
        ListResult r = list(Opts("", delim, start, max));
        EXPECT_LE(r.objects.size() + r.common_prefixes.size(), max);
        for (auto& o : r.objects) seen_keys.push_back(o.key);
        for (auto& p : r.common_prefixes) seen_prefixes.push_back(p);
        if (!r.truncated) break;
        start = r.last_key;
      }
      ListResult full = list(Opts("", delim, "", 1000));
      EXPECT_EQ(seen_keys, names(full)) << max << " '" << delim << "'";
      EXPECT_EQ(seen_prefixes, full.common_prefixes) << max << " '" << delim << "'";
    }
  }
  EXPECT_EQ(env.store->ListObjects("nobucket", {}).status().code(), "NoSuchBucket");
}

TEST(ObjectStoreTest, MultipartUploadLifecycle) {
  ObjectStoreEnv env;
  env.MakeBucket("b");
  PutOptions o;
  o.content_type = "text/plain";
  o.user_metadata = {{"m", "1"}};
  auto up = env.store->CreateUpload("b", "big/object", o);
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  EXPECT_EQ(up->key, "big/object");
  EXPECT_EQ(up->bucket, "b");
  auto got_up = env.store->GetUpload("b", up->upload_id);
  ASSERT_TRUE(got_up.ok());
  EXPECT_EQ(got_up->options.content_type, "text/plain");

  const size_t p1 = 5 * kMiB, p2 = 5 * kMiB + 3, p3 = 12345;
  // Parts uploaded out of order; part 2 uploaded twice (the second replaces the first).
  std::string d1 = RandomData(p1, 11), d2 = RandomData(p2, 12), d3 = RandomData(p3, 13), d4 = RandomData(100, 14);
  ASSERT_TRUE(env.store->UploadPart("b", up->upload_id, 3, d3, {}).ok());
  ASSERT_TRUE(env.store->UploadPart("b", up->upload_id, 2, "to be replaced", {}).ok());
  ASSERT_TRUE(env.store->UploadPart("b", up->upload_id, 1, d1, {{"CRC32", "x"}}).ok());
  auto r2 = env.store->UploadPart("b", up->upload_id, 2, d2, {});
  ASSERT_TRUE(r2.ok());
  ASSERT_TRUE(env.store->UploadPart("b", up->upload_id, 4, d4, {}).ok());  // never completed
  EXPECT_EQ(env.DataFiles().size(), 4u) << "the replaced part's file is gone";
  auto parts = env.store->ListParts("b", up->upload_id);
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ((*parts)[i].number, i + 1);
  EXPECT_EQ((*parts)[1].etag, Quoted(Md5Hex(d2)));
  EXPECT_EQ((*parts)[0].checksums.at("CRC32"), "x");

  for (int bad : {0, -1, 10001})
    EXPECT_EQ(env.store->UploadPart("b", up->upload_id, bad, "x", {}).status().code(), "InvalidArgument");
  EXPECT_EQ(env.store->UploadPart("b", "0123456789abcdef0123456789abcdef", 1, "x", {}).status().code(),
            "NoSuchUpload");
  EXPECT_EQ(env.store->UploadPart("b", "../../etc", 1, "x", {}).status().code(), "NoSuchUpload");

  auto e = [&](int n) { return (*parts)[n - 1].etag; };
  auto complete = [&](std::vector<std::pair<int, std::string>> list) {
    return env.store->CompleteUpload("b", up->upload_id, list);
  };
  EXPECT_EQ(complete({{2, e(2)}, {1, e(1)}, {3, e(3)}}).status().code(), "InvalidPartOrder");
  EXPECT_EQ(complete({{1, e(1)}, {1, e(1)}, {3, e(3)}}).status().code(), "InvalidPartOrder");
  EXPECT_EQ(complete({{1, e(1)}, {2, e(3)}, {3, e(3)}}).status().code(), "InvalidPart");
  EXPECT_EQ(complete({{1, e(1)}, {5, e(3)}}).status().code(), "InvalidPart");
  EXPECT_EQ(complete({{1, e(1)}, {3, e(3)}, {4, e(4)}}).status().code(), "EntityTooSmall");
  EXPECT_EQ(complete({}).status().code(), "MalformedXML");
  EXPECT_TRUE(env.store->GetUpload("b", up->upload_id).ok()) << "failed completions keep the upload";

  // ETags are accepted with or without quotes.
  std::string unquoted = e(2).substr(1, e(2).size() - 2);
  auto done = complete({{1, e(1)}, {2, unquoted}, {3, e(3)}});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->etag, MultipartEtag({d1, d2, d3}));
  EXPECT_EQ(done->etag.substr(done->etag.size() - 3), "-3\"");
  EXPECT_EQ(done->parts_count, 3);
  EXPECT_EQ(done->size, p1 + p2 + p3);
  EXPECT_EQ(done->content_type, "text/plain");
  EXPECT_EQ(done->user_metadata.at("m"), "1");
  EXPECT_EQ(env.store->GetUpload("b", up->upload_id).status().code(), "NoSuchUpload");
  EXPECT_EQ(env.store->ListParts("b", up->upload_id).status().code(), "NoSuchUpload");
  EXPECT_EQ(complete({{1, e(1)}}).status().code(), "NoSuchUpload");
  EXPECT_EQ(env.DataFiles().size(), 3u) << "the unused part 4 is removed; parts are not copied";

  std::string all = d1 + d2 + d3;
  EXPECT_TRUE(env.Get("b", "big/object") == all);
  auto head = env.store->HeadObject("b", "big/object");
  EXPECT_EQ(head->etag, done->etag);
  // Ranges across part boundaries and chunk boundaries inside parts.
  for (auto [first, last] : std::vector<std::pair<uint64_t, uint64_t>>{{p1 - 1, p1},
                                                                      {p1 - 100, p1 + 100},
                                                                      {0, p1 + p2 + 10},
                                                                      {p1 + p2 - 1, p1 + p2},
                                                                      {p1 + p2 + p3 - 1, p1 + p2 + p3 + 10},
                                                                      {p1 - kChunk, p1 + kChunk},
                                                                      {p1 + p2 - kChunk - 1, p1 + p2 + 1},
                                                                      {p1 + 1, p1 + 1}}) {
    uint64_t l = std::min<uint64_t>(last, all.size() - 1);
    EXPECT_TRUE(env.Get("b", "big/object", ByteRange{first, last}) == all.substr(first, l - first + 1))
        << first << "-" << last;
  }
  auto listed = env.store->ListObjects("b", {});
  ASSERT_EQ(listed->objects.size(), 1u);
  EXPECT_EQ(listed->objects[0].etag, done->etag);

  // Survives reopen, and deleting it removes all part files.
  env.Reopen();
  EXPECT_TRUE(env.Get("b", "big/object", ByteRange{p1 - 5, p1 + 5}) == all.substr(p1 - 5, 11));
  ASSERT_TRUE(env.store->DeleteObject("b", "big/object").ok());
  EXPECT_TRUE(env.DataFiles().empty());
}

TEST(ObjectStoreTest, MultipartAbortAndListUploads) {
  ObjectStoreEnv env;
  env.MakeBucket("b");
  auto u1 = env.store->CreateUpload("b", "logs/x", {});
  auto u2 = env.store->CreateUpload("b", "logs/a", {});
  auto u3 = env.store->CreateUpload("b", "other", {});
  auto u4 = env.store->CreateUpload("b", "logs/a", {});
  ASSERT_TRUE(u1.ok() && u2.ok() && u3.ok() && u4.ok());
  EXPECT_NE(u2->upload_id, u4->upload_id);
  auto list = env.store->ListUploads("b", "logs/");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].key, "logs/a");
  EXPECT_EQ((*list)[1].key, "logs/a");
  EXPECT_EQ((*list)[2].key, "logs/x");
  EXPECT_EQ(env.store->ListUploads("b", "")->size(), 4u);

  UploadParts(*env.store, "b", u1->upload_id, {1000, 2000, 3000});
  UploadParts(*env.store, "b", u3->upload_id, {10});
  EXPECT_EQ(env.DataFiles().size(), 4u);
  ASSERT_TRUE(env.store->AbortUpload("b", u1->upload_id).ok());
  EXPECT_EQ(env.DataFiles().size(), 1u) << "abort deletes the part files";
  EXPECT_EQ(env.store->AbortUpload("b", u1->upload_id).code(), "NoSuchUpload");
  EXPECT_EQ(env.store->GetUpload("b", u1->upload_id).status().code(), "NoSuchUpload");
  EXPECT_EQ(env.store->UploadPart("b", u1->upload_id, 1, "late", {}).status().code(), "NoSuchUpload");
  EXPECT_EQ(env.DataFiles().size(), 1u);
  EXPECT_EQ(env.store->ListUploads("b", "")->size(), 3u);
  EXPECT_EQ(env.store->GetUpload("b2", u3->upload_id).status().code(), "NoSuchBucket");

  // A single-part upload (the last part may be any size, even empty).
  auto u5 = env.store->CreateUpload("b", "single", {});
  auto empty = env.store->UploadPart("b", u5->upload_id, 1, "", {});
  ASSERT_TRUE(empty.ok());
  auto done = env.store->CompleteUpload("b", u5->upload_id, {{1, empty->etag}});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->size, 0u);
  EXPECT_EQ(done->etag, MultipartEtag({""}));
  EXPECT_EQ(env.Get("b", "single"), "");
}

TEST(ObjectStoreTest, CopyObject) {
  ObjectStoreEnv env;
  env.MakeBucket("src");
  env.MakeBucket("dst");
  PutOptions o;
  o.content_type = "text/csv";
  o.user_metadata = {{"a", "1"}};
  o.tags = {{"t", "v"}};
  std::string data = RandomData(200 * 1024 + 3, 5);
  auto put = env.Put("src", "k", data, o);

  auto copy = env.store->CopyObject("src", "k", "dst", "copy", std::nullopt);
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  EXPECT_EQ(copy->etag, put.etag);
  EXPECT_EQ(copy->content_type, "text/csv");
  EXPECT_EQ(copy->user_metadata, o.user_metadata);
  EXPECT_EQ(copy->tags, o.tags);
  EXPECT_EQ(copy->bucket, "dst");
  EXPECT_EQ(copy->key, "copy");

  PutOptions replaced;
  replaced.user_metadata = {{"b", "2"}};
  auto copy2 = env.store->CopyObject("src", "k", "src", "k2", replaced);
  ASSERT_TRUE(copy2.ok());
  EXPECT_EQ(copy2->content_type, "binary/octet-stream");
  EXPECT_EQ(copy2->user_metadata, replaced.user_metadata);
  EXPECT_TRUE(copy2->tags.empty());

  // Copies are independent: deleting or overwriting the source leaves them intact.
  ASSERT_TRUE(env.store->DeleteObject("src", "k").ok());
  EXPECT_EQ(env.Get("dst", "copy"), data);
  EXPECT_EQ(env.Get("src", "k2"), data);
  EXPECT_EQ(env.DataFiles().size(), 2u);
  // Copy onto itself with new metadata.
  auto self = env.store->CopyObject("src", "k2", "src", "k2", o);
  ASSERT_TRUE(self.ok());
  EXPECT_EQ(self->content_type, "text/csv");
  EXPECT_EQ(env.Get("src", "k2"), data);
  EXPECT_EQ(env.DataFiles().size(), 2u);

  EXPECT_EQ(env.store->CopyObject("src", "missing", "dst", "x", std::nullopt).status().code(), "NoSuchKey");
  EXPECT_EQ(env.store->CopyObject("nob", "k", "dst", "x", std::nullopt).status().code(), "NoSuchBucket");
  EXPECT_EQ(env.store->CopyObject("dst", "copy", "nob", "x", std::nullopt).status().code(), "NoSuchBucket");

  // A multipart source copies to a single object whose ETag is the plain MD5.
  auto up = env.store->CreateUpload("src", "mp", {});
  auto [mp_data, parts] = UploadParts(*env.store, "src", up->upload_id, {5 * kMiB, 777});
  ASSERT_TRUE(env.store->CompleteUpload("src", up->upload_id, parts).ok());
  auto mp_copy = env.store->CopyObject("src", "mp", "dst", "mp", std::nullopt);
  ASSERT_TRUE(mp_copy.ok());
  EXPECT_EQ(mp_copy->etag, Quoted(Md5Hex(mp_data)));
  EXPECT_EQ(mp_copy->parts_count, 0);
  EXPECT_TRUE(env.Get("dst", "mp") == mp_data);
}

TEST(ObjectStoreTest, HostileKeysNeverReachThePathSystem) {
  testing::TempDir outer;  // the store lives two levels down; nothing may appear elsewhere
  std::string objects = outer.path() + "/a/b/objects";
  ObjectStoreEnv env(objects);
  env.MakeBucket("b");
  std::vector<std::string> keys = {"..",
                                   "../escape",
                                   "../../../../../../../../tmp/opentrail-escape",
                                   "/etc/passwd",
                                   "//double",
                                   "a/../../b",
                                   std::string("nul\0byte", 8),
                                   std::string("\0", 1),
                                   "%2F..%2F..%2Fescape",
                                   "..%2f..%2fescape",
                                   "a\\..\\..\\win",
                                   "./.",
                                   "\xff\xfe invalid utf8",
                                   std::string(1024, 'k'),
                                   std::string(1023, '/') + "x"};
  for (auto& k : keys) {
    std::string data = "data for " + std::to_string(k.size());
    auto r = env.store->PutObject("b", k, data, {});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(env.Get("b", k), data);
  }
  EXPECT_EQ(env.store->PutObject("b", std::string(1025, 'k'), "x", {}).status().code(), "KeyTooLongError");
  EXPECT_EQ(env.store->CreateUpload("b", std::string(1025, 'k'), {}).status().code(), "KeyTooLongError");
  EXPECT_EQ(env.store->PutObject("b", "", "x", {}).status().code(), "InvalidArgument");
  std::string out;
  EXPECT_EQ(env.store->GetObject("b", std::string(5000, 'k'), std::nullopt, &out).status().code(), "NoSuchKey");

  auto listed = env.store->ListObjects("b", {});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->objects.size(), keys.size());
  // Every file is a random-id file inside the store's data dir.
  auto files = FilesUnder(outer.path() + "/a");
  std::erase(files, fs::path(objects + "/LOCK"));  // the store's own lock file
  EXPECT_EQ(files.size(), keys.size());
  for (auto& f : files) {
    EXPECT_EQ(f.parent_path().parent_path(), fs::path(objects + "/data")) << f;
    std::string name = f.filename().string();
    EXPECT_EQ(name.size(), 32u);
    EXPECT_TRUE(IsLowerHex(name)) << name;
  }
  EXPECT_FALSE(fs::exists("/tmp/opentrail-escape"));
  EXPECT_FALSE(fs::exists(outer.path() + "/a/b/escape"));
  for (auto& k : keys) ASSERT_TRUE(env.store->DeleteObject("b", k).ok());
  EXPECT_TRUE(env.DataFiles().empty());
}

TEST(ObjectStoreTest, ConcurrentPutsToOneKeyLastWriterWins) {
  ObjectStoreEnv env;
  env.MakeBucket("b");
  constexpr int kThreads = 6, kPuts = 12;
  // Each version is filled with one byte value and has its own size, so any mix of
  // versions in one read is visible.
  auto version = [](int t, int i) {
    unsigned char fill = static_cast<unsigned char>(t * kPuts + i + 1);
    return std::string(70 * 1024 + fill * 97, static_cast<char>(fill));
  };
  env.Put("b", "hot", version(0, 0));
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0}, bad_reads{0};
  std::thread reader([&] {
    while (!stop) {
      std::string out;
      auto r = env.store->GetObject("b", "hot", std::nullopt, &out);
      if (!r.ok()) {
        ++bad_reads;
        continue;
      }
      ++reads;
      if (out.empty() || out.size() != r->size ||
          out.find_first_not_of(out[0]) != std::string::npos || r->etag != Quoted(Md5Hex(out)))
        ++bad_reads;
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t)
    writers.emplace_back([&, t] {
      for (int i = 0; i < kPuts; ++i) {
        auto r = env.store->PutObject("b", "hot", version(t, i), {});
        EXPECT_TRUE(r.ok()) << r.status().ToString();
        // Other keys concurrently, too.
        EXPECT_TRUE(env.store->PutObject("b", "k" + std::to_string(t), version(t, i), {}).ok());
      }
    });
  for (auto& w : writers) w.join();
  stop = true;
  reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(bad_reads.load(), 0);
  std::string final_data = env.Get("b", "hot");
  auto head = env.store->HeadObject("b", "hot");
  EXPECT_EQ(head->etag, Quoted(Md5Hex(final_data)));
  EXPECT_EQ(final_data.find_first_not_of(final_data[0]), std::string::npos);
  EXPECT_EQ(env.DataFiles().size(), 1u + kThreads) << "no leaked files";
  EXPECT_TRUE(env.TempFiles().empty());
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(env.Get("b", "k" + std::to_string(t)), version(t, kPuts - 1));
}

TEST(ObjectStoreTest, ConcurrentMixedOperations) {
  ObjectStoreEnv env;
  env.MakeBucket("b");
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        std::string key = "k" + std::to_string(i % 5);
        switch ((t + i) % 4) {
          case 0: if (!env.store->PutObject("b", key, RandomData(1000 + i, i), {}).ok()) ++failures; break;
          case 1: if (!env.store->DeleteObject("b", key).ok()) ++failures; break;
          case 2: {
            auto r = env.store->CopyObject("b", key, "b", key + "-copy", std::nullopt);
            if (!r.ok() && r.status().code() != "NoSuchKey") ++failures;
            break;
          }
          default: if (!env.store->ListObjects("b", {}).ok()) ++failures;
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto listed = env.store->ListObjects("b", {});
  size_t nonempty = 0;
  for (auto& o : listed->objects) nonempty += o.size > 0;
  EXPECT_EQ(env.DataFiles().size(), nonempty) << "exactly one file per live object";
}

TEST(ObjectStoreTest, CrashAtAnyPointLeavesOldOrNewObject) {
  struct Case {
    const char* point;
    bool new_visible;
  };
  for (Case c : {Case{"before_rename", false}, Case{"before_commit", false}, Case{"after_commit", true}}) {
    SCOPED_TRACE(c.point);
    ObjectStoreEnv env;
    env.MakeBucket("b");
    std::string v1 = RandomData(100 * 1024, 1), v2 = RandomData(150 * 1024, 2);
    env.Put("b", "k", v1);
    LocalStoreHooks hooks;
    std::string point = c.point;
    hooks.fault = [point](std::string_view p) { return p == point ? kSimulateCrash : 0; };
    env.Reopen(hooks);
    auto r = env.store->PutObject("b", "k", v2, {});
    ASSERT_EQ(r.status().code(), "SimulatedCrash");
    size_t leftovers = env.DataFiles().size() + env.TempFiles().size();
    EXPECT_EQ(leftovers, 2u) << "the crash left an extra file behind";
    env.Reopen();
    EXPECT_TRUE(env.Get("b", "k") == (c.new_visible ? v2 : v1));
    EXPECT_EQ(env.store->HeadObject("b", "k")->etag, Quoted(Md5Hex(c.new_visible ? v2 : v1)));
    EXPECT_EQ(env.DataFiles().size(), 1u) << "orphans removed at open";
    EXPECT_TRUE(env.TempFiles().empty()) << "temporaries removed at open";
  }
}

TEST(ObjectStoreTest, CrashDuringMultipartAndDelete) {
  for (const char* point : {"before_rename", "before_commit", "after_commit"}) {
    SCOPED_TRACE(point);
    ObjectStoreEnv env;
    env.MakeBucket("b");
    auto up = env.store->CreateUpload("b", "m", {});
    auto [data, parts] = UploadParts(*env.store, "b", up->upload_id, {5 * kMiB, 10});
    env.Put("b", "victim", "old");
    LocalStoreHooks hooks;
    std::string p = point;
    hooks.fault = [p](std::string_view at) { return at == p ? kSimulateCrash : 0; };
    env.Reopen(hooks);
    auto part = env.store->UploadPart("b", up->upload_id, 3, "extra", {});
    EXPECT_EQ(part.status().code(), "SimulatedCrash");
    if (p != "before_rename") {
      auto done = env.store->CompleteUpload("b", up->upload_id, parts);
      EXPECT_EQ(done.status().code(), "SimulatedCrash");
    }
    if (p == "after_commit") {
      EXPECT_EQ(env.store->DeleteObject("b", "victim").code(), "SimulatedCrash");
    }
    env.Reopen();
    if (p == "after_commit") {
      EXPECT_TRUE(env.Get("b", "m") == data);
      EXPECT_EQ(env.store->GetUpload("b", up->upload_id).status().code(), "NoSuchUpload");
      EXPECT_EQ(env.store->HeadObject("b", "victim").status().code(), "NoSuchKey");
      EXPECT_EQ(env.DataFiles().size(), 2u) << "the object's two part files; part 3 and victim are orphans";
    } else {
      auto listed = env.store->ListParts("b", up->upload_id);
      ASSERT_TRUE(listed.ok());
      EXPECT_EQ(listed->size(), 2u);
      EXPECT_EQ(env.DataFiles().size(), 3u);
      auto done = env.store->CompleteUpload("b", up->upload_id, parts);
      ASSERT_TRUE(done.ok()) << done.status().ToString();
      EXPECT_TRUE(env.Get("b", "m") == data);
    }
    EXPECT_TRUE(env.TempFiles().empty());
  }
}

TEST(ObjectStoreTest, InjectedDiskErrorsGiveServiceUnavailable) {
  struct Case {
    const char* point;
    int err;
  };
  for (Case c : {Case{"write", ENOSPC}, Case{"write", EDQUOT}, Case{"write", EIO}, Case{"fsync", EIO},
                 Case{"fsync", ENOSPC}}) {
    SCOPED_TRACE(std::string(c.point) + " " + std::strerror(c.err));
    ObjectStoreEnv env;
    env.MakeBucket("b");
    std::string v1 = RandomData(1000, 1);
    env.Put("b", "k", v1);
    auto up = env.store->CreateUpload("b", "m", {});
    LocalStoreHooks hooks;
    std::atomic<bool> armed{true};
    hooks.fault = [&, c](std::string_view p) { return armed && p == c.point ? c.err : 0; };
    env.Reopen(hooks);
    auto r = env.store->PutObject("b", "k", RandomData(3 * kMiB, 2), {});
    EXPECT_EQ(r.status().code(), "ServiceUnavailable");
    EXPECT_EQ(r.status().http_status(), 503);
    EXPECT_NE(r.status().message().find("insufficient storage"), std::string::npos) << r.status().message();
    auto part = env.store->UploadPart("b", up->upload_id, 1, "x", {});
    EXPECT_EQ(part.status().http_status(), 503);
    EXPECT_EQ(env.Get("b", "k"), v1);
    EXPECT_EQ(env.DataFiles().size(), 1u);
    EXPECT_TRUE(env.TempFiles().empty()) << "nothing half-written left behind";
    EXPECT_TRUE(env.store->ListParts("b", up->upload_id)->empty());
    armed = false;
    env.Put("b", "k", "recovered");
    EXPECT_EQ(env.Get("b", "k"), "recovered");
  }
}

TEST(ObjectStoreTest, FullDiskOnTmpfs) {
  testing::TempDir mount_point;
  if (::mount("tmpfs", mount_point.path().c_str(), "tmpfs", 0, "size=2m") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (" << std::strerror(errno) << ")";
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mount_point.path()};
  {
    ObjectStoreEnv env(mount_point.path() + "/objects");  // metadata on the real disk
    env.MakeBucket("b");
    std::string v1 = RandomData(300 * 1024, 1);
    env.Put("b", "k", v1);
    // Larger than the whole filesystem.
    auto r = env.store->PutObject("b", "k", RandomData(3 * kMiB, 2), {});
    EXPECT_EQ(r.status().code(), "ServiceUnavailable");
    EXPECT_EQ(r.status().http_status(), 503);
    EXPECT_NE(r.status().message().find("insufficient storage"), std::string::npos);
    EXPECT_EQ(env.Get("b", "k"), v1);
    EXPECT_TRUE(env.TempFiles().empty());
    EXPECT_EQ(env.DataFiles().size(), 1u);

    // Fill it up object by object: every acknowledged object reads back whole.
    std::vector<std::pair<std::string, std::string>> stored;
    Status last;
    for (int i = 0; i < 100; ++i) {
      std::string data = RandomData(150 * 1024 + i, 10 + i);
      auto p = env.store->PutObject("b", "fill" + std::to_string(i), data, {});
      if (!p.ok()) {
        last = p.status();
        break;
      }
      stored.emplace_back("fill" + std::to_string(i), data);
    }
    EXPECT_EQ(last.http_status(), 503) << last.ToString();
    EXPECT_FALSE(stored.empty());
    EXPECT_TRUE(env.TempFiles().empty());
    EXPECT_EQ(env.DataFiles().size(), stored.size() + 1);
    for (auto& [k, d] : stored) EXPECT_TRUE(env.Get("b", k) == d) << k;
    std::string out;
    EXPECT_EQ(env.store->GetObject("b", "fill" + std::to_string(stored.size()), std::nullopt, &out).status().code(),
              "NoSuchKey");
    // Space freed → writes work again.
    ASSERT_TRUE(env.store->DeleteObject("b", stored.back().first).ok());
    env.Put("b", "after", RandomData(100 * 1024, 99));
    env.Reopen();
    EXPECT_EQ(env.Get("b", "k"), v1);
  }
}

TEST(ObjectStoreTest, OpenNeedsTheObjectsFamily) {
  testing::TempDir dir;
  auto kv = storage::OpenRocksDb(dir.path() + "/db", std::vector<std::string>{"other"});
  ASSERT_TRUE(kv.ok());
  auto keys = OpenMasterKeyProvider(dir.path() + "/k");
  ASSERT_TRUE(keys.ok());
  auto s = OpenLocalStore(kv->get(), {dir.path() + "/objects"}, keys->get(), nullptr);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("objects"), std::string::npos);
}

TEST(ObjectStoreTest, OneStorePerDirectory) {
  ObjectStoreEnv env;
  env.MakeBucket("b");
  testing::TempDir other;
  auto kv = storage::OpenRocksDb(other.path() + "/db", std::vector<std::string>{kObjectsFamily});
  ASSERT_TRUE(kv.ok());
  auto second = OpenLocalStore(kv->get(), {env.objects_dir()}, env.keys.get(), nullptr);
  EXPECT_FALSE(second.ok()) << "a second store would reconcile away the first one's files";
  env.Put("b", "k", "still fine");
  env.Reopen();  // the lock goes with the store
  EXPECT_EQ(env.Get("b", "k"), "still fine");
}

TEST(ObjectStoreTest, KmsModeUsesTheKmsProvider) {
  ObjectStoreEnv env;
  env.MakeBucket("b");
  PutOptions kms;
  kms.encryption.mode = Encryption::Mode::kSseKms;
  kms.encryption.kms_key_id = "arn:aws:kms:us-east-1:111122223333:key/abc";
  kms.encryption.context = {{"aws:s3:arn", "arn:aws:s3:::b/k"}};
  auto r = env.store->PutObject("b", "k", "x", kms);
  EXPECT_EQ(r.status().code(), "KMS.NotFoundException");
  EXPECT_EQ(env.store->CreateUpload("b", "k", kms).status().code(), "KMS.NotFoundException");
  EXPECT_TRUE(env.DataFiles().empty());

  // A stand-in KMS provider (the master-key one under another file) serves kSseKms.
  auto fake = OpenMasterKeyProvider(env.root() + "/kms.key");
  ASSERT_TRUE(fake.ok());
  env.kms = fake->get();
  env.Reopen();
  auto put = env.store->PutObject("b", "k", "kms data", kms);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  auto head = env.store->HeadObject("b", "k");
  EXPECT_EQ(head->encryption.mode, Encryption::Mode::kSseKms);
  EXPECT_EQ(head->encryption.kms_key_id, kms.encryption.kms_key_id);
  EXPECT_EQ(head->encryption.context, kms.encryption.context);
  EXPECT_EQ(env.Get("b", "k"), "kms data");
  // Without the KMS provider the object cannot be decrypted (the master key cannot).
  env.kms = nullptr;
  env.Reopen();
  std::string out;
  EXPECT_EQ(env.store->GetObject("b", "k", std::nullopt, &out).status().code(), "KMS.NotFoundException");
  env.Reopen();
}

// Throughput through the interface (run with --gtest_also_run_disabled_tests).
TEST(ObjectStoreTest, DISABLED_Throughput) {
  ObjectStoreEnv env;
  env.MakeBucket("b");
  for (size_t size : {size_t{1} << 20, size_t{64} << 20}) {
    int n = size == (1u << 20) ? 200 : 6;
    std::string data = RandomData(size, 1);
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) ASSERT_TRUE(env.store->PutObject("b", "k" + std::to_string(i), data, {}).ok());
    auto t1 = std::chrono::steady_clock::now();
    std::string out;
    for (int i = 0; i < n; ++i) ASSERT_TRUE(env.store->GetObject("b", "k" + std::to_string(i), std::nullopt, &out).ok());
    auto t2 = std::chrono::steady_clock::now();
    double mb = static_cast<double>(size) * n / 1e6;
    double put_s = std::chrono::duration<double>(t1 - t0).count(), get_s = std::chrono::duration<double>(t2 - t1).count();
    std::printf("%3zu MiB x %3d: put %7.1f MB/s (%.2f ms/op)  get %7.1f MB/s (%.2f ms/op)\n", size >> 20, n,
                mb / put_s, put_s * 1e3 / n, mb / get_s, get_s * 1e3 / n);
    for (int i = 0; i < n; ++i) ASSERT_TRUE(env.store->DeleteObject("b", "k" + std::to_string(i)).ok());
  }
  // Several clients at once (the S3 layer's HTTP threads): syncs are shared.
  for (int threads : {4, 8}) {
    const size_t size = 1 << 20;
    const int per_thread = 50;
    std::string data = RandomData(size, 2);
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        for (int i = 0; i < per_thread; ++i)
          EXPECT_TRUE(env.store->PutObject("b", "c" + std::to_string(t) + "-" + std::to_string(i), data, {}).ok());
      });
    for (auto& th : pool) th.join();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("  1 MiB x %3d, %d threads: put %7.1f MB/s\n", threads * per_thread, threads,
                static_cast<double>(size) * threads * per_thread / 1e6 / s);
  }
}

}  // namespace ot::objectstore
