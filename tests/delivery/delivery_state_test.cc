// Delivery state: the delivered-file entries digests list, their leaf hashes, and pruning
// once a digest has listed them (or no chain will).
#include "delivery/delivery_state.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace ot::delivery {
namespace {

class DeliveredFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kv = storage::OpenRocksDb(dir_.path() + "/db", std::vector<std::string>{kDeliveryFamily});
    ASSERT_TRUE(kv.ok()) << kv.status().ToString();
    kv_ = std::move(*kv);
    state_ = std::make_unique<DeliveryState>(kv_.get());
  }
  void Deliver(const StreamId& s, int64_t t, const std::string& key, std::string leaves = {}) {
    DeliveredFile f{"bucket", key, t, "hash-" + key, t - 10, t - 5, std::move(leaves)};
    ASSERT_TRUE(state_->Complete(s, f, {}).ok());
  }
  std::vector<std::string> Keys(const StreamId& s, bool with_leaves = false) {
    auto files = state_->Delivered(s, 0, INT64_MAX, with_leaves);
    EXPECT_TRUE(files.ok());
    std::vector<std::string> out;
    for (auto& f : *files) out.push_back(f.key + (with_leaves ? ":" + f.leaf_hashes : ""));
    return out;
  }
  testing::TempDir dir_;
  std::unique_ptr<storage::KvStore> kv_;
  std::unique_ptr<DeliveryState> state_;
};

TEST_F(DeliveredFilesTest, DeliveredFilesKeepTheirLeavesUntilPruned) {
  StreamId a{"arn:aws:cloudtrail:us-east-1:123456789012:trail/a", "us-east-1"};
  StreamId a2{"arn:aws:cloudtrail:us-east-1:123456789012:trail/a", "eu-west-1"};
  StreamId b{"arn:aws:cloudtrail:us-east-1:123456789012:trail/ab", "us-east-1"};
  Deliver(a, 1000, "one", "L1");
  Deliver(a, 2000, "two", "L2");
  Deliver(a, 3000, "three");
  Deliver(a2, 1000, "other-region", "X");
  Deliver(b, 1000, "other-trail", "Y");
  auto window = state_->Delivered(a, 1000, 3000, true);
  ASSERT_TRUE(window.ok());
  ASSERT_EQ(window->size(), 2u);
  EXPECT_EQ((*window)[0].key, "one");
  EXPECT_EQ((*window)[0].leaf_hashes, "L1");
  EXPECT_EQ((*window)[0].sha256_hex, "hash-one");
  EXPECT_EQ((*window)[0].oldest_event_ms, 990);
  EXPECT_TRUE(state_->Delivered(a, 1000, 3000, false)->at(0).leaf_hashes.empty());

  ASSERT_TRUE(state_->ForgetDeliveredBefore(a, 2500).ok());
  EXPECT_EQ(Keys(a, true), std::vector<std::string>{"three:"});
  EXPECT_EQ(Keys(a2, true), std::vector<std::string>{"other-region:X"});
  EXPECT_EQ(Keys(b, true), std::vector<std::string>{"other-trail:Y"});
  ASSERT_TRUE(state_->ForgetDeliveredBefore(a, 0).ok());
  EXPECT_EQ(Keys(a), std::vector<std::string>{"three"});

  ASSERT_TRUE(state_->Forget(a).ok());
  EXPECT_TRUE(Keys(a).empty());
  EXPECT_EQ(Keys(a2), std::vector<std::string>{"other-region"});
  EXPECT_EQ(Keys(b), std::vector<std::string>{"other-trail"});
}

}  // namespace
}  // namespace ot::delivery
