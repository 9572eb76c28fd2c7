#include "services/cloudtrail/next_token.h"

#include <gtest/gtest.h>

#include <vector>

namespace ot::services {

TEST(NextTokenTest, RoundTripsAndRejectsTampering) {
  PageToken t{"111122223333", "us-east-1", "abc", 99, 1795000000123, 42, 1000};
  std::string text = EncodePageToken(t, "secret");
  auto back = DecodePageToken(text, "secret", 2000, 10'000);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->account, t.account);
  EXPECT_EQ(back->snapshot, 99u);
  EXPECT_EQ(back->time_ms, t.time_ms);
  EXPECT_EQ(back->sequence, 42u);
  EXPECT_FALSE(DecodePageToken(text, "other-secret", 2000, 10'000).ok());
  EXPECT_FALSE(DecodePageToken(text, "secret", 20'000, 10'000).ok()) << "expired";
  for (size_t i = 0; i < text.size(); i += 3) {
    std::string bad = text;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    auto r = DecodePageToken(bad, "secret", 2000, 10'000);
    if (r.ok()) EXPECT_EQ(bad, text);
    else EXPECT_EQ(r.status().code(), "InvalidNextTokenException");
  }
  for (std::string junk : std::vector<std::string>{"", ".", "abc", "a.b", std::string(10000, 'x')})
    EXPECT_FALSE(DecodePageToken(junk, "secret", 2000, 10'000).ok());
}

}  // namespace ot::services
