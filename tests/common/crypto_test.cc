#include "common/crypto.h"

#include <gtest/gtest.h>

#include <set>

#include "common/ids.h"

namespace ot {

TEST(CryptoTest, KnownDigests) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  // RFC 4231 test case 2.
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(CryptoTest, Base64RoundTripAndRejectsGarbage) {
  std::string out;
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    ASSERT_TRUE(Base64Decode(Base64Encode(s), &out));
    EXPECT_EQ(out, s);
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_FALSE(Base64Decode("abc", &out));
  EXPECT_FALSE(Base64Decode("ab!d", &out));
}

TEST(CryptoTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

TEST(IdsTest, Shapes) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string u = NewUuid();
    ASSERT_EQ(u.size(), 36u);
    EXPECT_EQ(u[14], '4');
    EXPECT_TRUE(u[19] == '8' || u[19] == '9' || u[19] == 'a' || u[19] == 'b');
    EXPECT_TRUE(seen.insert(u).second);
  }
  EXPECT_EQ(NewAccessKeyId(false).substr(0, 4), "AKIA");
  EXPECT_EQ(NewAccessKeyId(true).substr(0, 4), "ASIA");
  EXPECT_EQ(NewAccessKeyId(true).size(), 20u);
  EXPECT_EQ(NewSecretAccessKey().size(), 40u);
  std::string acct = NewAccountId();
  ASSERT_EQ(acct.size(), 12u);
  EXPECT_NE(acct[0], '0');
  for (char c : acct) EXPECT_TRUE(c >= '0' && c <= '9');
  EXPECT_EQ(NewS3RequestId().size(), 16u);
}

}  // namespace ot
