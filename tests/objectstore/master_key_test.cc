#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "objectstore/object_store.h"
#include "objectstore/sse.h"
#include "test_util.h"

namespace ot::objectstore {

TEST(MasterKeyTest, CreatedOnceWithMode0600AndReused) {
  testing::TempDir dir;
  std::string path = dir.path() + "/keys/master.key";  // parent created on demand
  std::string wrapped;
  std::string plaintext;
  {
    auto p = OpenMasterKeyProvider(path);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(st.st_size, 32);
    auto k = (*p)->NewDataKey({});
    ASSERT_TRUE(k.ok());
    EXPECT_EQ(k->plaintext.size(), 32u);
    EXPECT_EQ(k->wrapped.find(k->plaintext), std::string::npos) << "the wrapped key must not contain the key";
    wrapped = k->wrapped;
    plaintext = k->plaintext;
    auto k2 = (*p)->NewDataKey({});
    EXPECT_NE(k2->plaintext, k->plaintext) << "fresh data key each time";
  }
  for (auto& e : std::filesystem::directory_iterator(dir.path() + "/keys"))
    EXPECT_EQ(e.path().filename(), "master.key") << "no temporary left behind";
  // Reopened: the same master key unwraps what it wrapped.
  auto p = OpenMasterKeyProvider(path);
  ASSERT_TRUE(p.ok());
  auto un = (*p)->UnwrapDataKey({}, wrapped);
  ASSERT_TRUE(un.ok()) << un.status().ToString();
  EXPECT_EQ(*un, plaintext);
  // Tampered wrapped keys fail, never yield a different key.
  for (size_t i = 0; i < wrapped.size(); ++i) {
    std::string bad = wrapped;
    bad[i] ^= 0x01;
    auto r = (*p)->UnwrapDataKey({}, bad);
    EXPECT_FALSE(r.ok()) << "byte " << i;
  }
  EXPECT_FALSE((*p)->UnwrapDataKey({}, wrapped.substr(0, 20)).ok());
  EXPECT_FALSE((*p)->UnwrapDataKey({}, "").ok());
  // Another instance (another master key) cannot unwrap it.
  auto other = OpenMasterKeyProvider(dir.path() + "/other.key");
  ASSERT_TRUE(other.ok());
  auto r = (*other)->UnwrapDataKey({}, wrapped);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().http_status(), 500);
}

TEST(MasterKeyTest, RejectsMalformedKeyFile) {
  testing::TempDir dir;
  std::string path = dir.path() + "/master.key";
  std::ofstream(path) << "short";
  auto p = OpenMasterKeyProvider(path);
  EXPECT_FALSE(p.ok());
  EXPECT_EQ(p.status().message().find("short"), std::string::npos) << "key bytes never appear in messages";
  std::filesystem::remove(path);
  std::filesystem::create_directory(path);
  EXPECT_FALSE(OpenMasterKeyProvider(path).ok());
}

TEST(MasterKeyTest, ChunkCipherRoundTripsAndDetectsTampering) {
  std::string key = sse::RandomSecret(32), prefix = "abcd";
  std::string pt = "hello, chunk";
  std::string sealed(pt.size() + sse::kTagSize, '\0');
  sse::ChunkCipher enc;
  ASSERT_TRUE(enc.Init(true, key, prefix, 1000).ok());
  ASSERT_TRUE(enc.Seal(3, pt.data(), pt.size(), sealed.data()).ok());
  EXPECT_EQ(sealed.find(pt), std::string::npos);
  std::string out(pt.size(), '\0');
  sse::ChunkCipher dec;
  ASSERT_TRUE(dec.Init(false, key, prefix, 1000).ok());
  ASSERT_TRUE(dec.Open(3, sealed.data(), sealed.size(), out.data()).ok());
  EXPECT_EQ(out, pt);
  EXPECT_FALSE(dec.Open(4, sealed.data(), sealed.size(), out.data()).ok()) << "chunk index is bound";
  sse::ChunkCipher dec_size;
  ASSERT_TRUE(dec_size.Init(false, key, prefix, 999).ok());
  EXPECT_FALSE(dec_size.Open(3, sealed.data(), sealed.size(), out.data()).ok()) << "file size is bound";
  sealed[2] ^= 0x40;
  EXPECT_FALSE(dec.Open(3, sealed.data(), sealed.size(), out.data()).ok());
}

}  // namespace ot::objectstore
