#include "trails/trail.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace ot::trails {
namespace {

std::unique_ptr<storage::KvStore> Open(const std::string& dir) {
  auto kv = storage::OpenRocksDb(dir + "/db", std::vector<std::string>{kTrailsFamily});
  EXPECT_TRUE(kv.ok()) << kv.status().ToString();
  return std::move(*kv);
}

Trail Full() {
  Trail t;
  t.account = "111122223333";
  t.home_region = "us-east-1";
  t.name = "audit";
  t.s3_bucket = "audit-logs";
  t.s3_key_prefix = "pre/fix";
  t.sns_topic_arn = "arn:aws:sns:us-east-1:111122223333:topic";
  t.include_global_service_events = false;
  t.multi_region = true;
  t.log_file_validation = true;
  t.organization = true;
  t.cloudwatch_logs_group_arn = "arn:aws:logs:us-east-1:111122223333:log-group:g:*";
  t.cloudwatch_logs_role_arn = "arn:aws:iam::111122223333:role/r";
  t.kms_key_id = "arn:aws:kms:us-east-1:111122223333:key/1234";
  t.event_selectors = R"({"basic":[]})";
  t.insight_selectors = R"([{"InsightType":"ApiCallRateInsight"}])";
  t.tags = {{"env", "prod"}, {"novalue", std::string(1, '\0')}, {"ünï", "ç ō"}};
  t.logging = true;
  t.logging_from = 18446744073709551000ull;
  t.logging_until = 42;
  t.created_ms = 1795000000123;
  t.start_logging_ms = 1795000000456;
  t.stop_logging_ms = -1;  // any value round-trips
  t.generation = 7;
  return t;
}

void ExpectSame(const Trail& a, const Trail& b) {
  EXPECT_EQ(a.account, b.account);
  EXPECT_EQ(a.home_region, b.home_region);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.arn(), b.arn());
  EXPECT_EQ(a.s3_bucket, b.s3_bucket);
  EXPECT_EQ(a.s3_key_prefix, b.s3_key_prefix);
  EXPECT_EQ(a.sns_topic_arn, b.sns_topic_arn);
  EXPECT_EQ(a.include_global_service_events, b.include_global_service_events);
  EXPECT_EQ(a.multi_region, b.multi_region);
  EXPECT_EQ(a.log_file_validation, b.log_file_validation);
  EXPECT_EQ(a.organization, b.organization);
  EXPECT_EQ(a.cloudwatch_logs_group_arn, b.cloudwatch_logs_group_arn);
  EXPECT_EQ(a.cloudwatch_logs_role_arn, b.cloudwatch_logs_role_arn);
  EXPECT_EQ(a.kms_key_id, b.kms_key_id);
  EXPECT_EQ(a.event_selectors, b.event_selectors);
  EXPECT_EQ(a.insight_selectors, b.insight_selectors);
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_EQ(a.logging, b.logging);
  EXPECT_EQ(a.logging_from, b.logging_from);
  EXPECT_EQ(a.logging_until, b.logging_until);
  EXPECT_EQ(a.created_ms, b.created_ms);
  EXPECT_EQ(a.start_logging_ms, b.start_logging_ms);
  EXPECT_EQ(a.stop_logging_ms, b.stop_logging_ms);
  EXPECT_EQ(a.generation, b.generation);
}

TEST(TrailStoreTest, RoundTripsEveryMemberAcrossReopen) {
  testing::TempDir dir;
  Trail t = Full();
  {
    auto kv = Open(dir.path());
    TrailStore store(kv.get());
    ASSERT_TRUE(store.Put(t).ok());
    auto got = store.Get(t.account, t.home_region, t.name);
    ASSERT_TRUE(got.ok());
    ASSERT_TRUE(got->has_value());
    ExpectSame(**got, t);
  }
  auto kv = Open(dir.path());
  TrailStore store(kv.get());
  auto got = store.Get(t.account, t.home_region, t.name);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  ExpectSame(**got, t);
  Trail defaults;
  defaults.account = "111122223333";
  defaults.home_region = "eu-west-1";
  defaults.name = "plain";
  ASSERT_TRUE(store.Put(defaults).ok());
  auto back = store.Get("111122223333", "eu-west-1", "plain");
  ASSERT_TRUE(back.ok() && back->has_value());
  ExpectSame(**back, defaults);
  EXPECT_TRUE((*back)->include_global_service_events);
}

TEST(TrailStoreTest, GetMissingAndDelete) {
  testing::TempDir dir;
  auto kv = Open(dir.path());
  TrailStore store(kv.get());
  auto missing = store.Get("111122223333", "us-east-1", "nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  Trail t = Full();
  ASSERT_TRUE(store.Put(t).ok());
  // Same name in another region and another account are separate trails.
  Trail other_region = t;
  other_region.home_region = "us-west-2";
  Trail other_account = t;
  other_account.account = "444455556666";
  ASSERT_TRUE(store.Put(other_region).ok());
  ASSERT_TRUE(store.Put(other_account).ok());
  ASSERT_TRUE(store.Delete(t.account, t.home_region, t.name).ok());
  EXPECT_FALSE(store.Get(t.account, t.home_region, t.name)->has_value());
  EXPECT_TRUE(store.Get(t.account, "us-west-2", t.name)->has_value());
  EXPECT_TRUE(store.Get("444455556666", t.home_region, t.name)->has_value());
  // Deleting what is absent is fine.
  EXPECT_TRUE(store.Delete(t.account, t.home_region, t.name).ok());
  // Replace.
  other_region.s3_bucket = "changed";
  ASSERT_TRUE(store.Put(other_region).ok());
  EXPECT_EQ((*store.Get(t.account, "us-west-2", t.name))->s3_bucket, "changed");
  // Identity parts may not be empty.
  Trail bad;
  EXPECT_FALSE(store.Put(bad).ok());
}

TEST(TrailStoreTest, ListIsOrderedByAccountRegionName) {
  testing::TempDir dir;
  auto kv = Open(dir.path());
  TrailStore store(kv.get());
  struct Id { const char* account; const char* region; const char* name; };
  // Inserted out of order; names chosen so that naive separators would misorder them
  // ("us-east-1-x" vs "us-east-1", "a" vs "a.b" vs "a-b").
  std::vector<Id> ids = {{"222222222222", "us-east-1", "zzz"}, {"111111111111", "us-east-1x", "aaa"},
                         {"111111111111", "us-east-1", "a-b"}, {"111111111111", "us-east-1", "a.b"},
                         {"111111111111", "us-east-1", "aaa"}, {"111111111111", "eu-west-1", "zzz"},
                         {"111111111111", "us-east-1-x", "abc"}, {"1111111111110", "us-east-1", "abc"}};
  for (auto& id : ids) {
    Trail t;
    t.account = id.account;
    t.home_region = id.region;
    t.name = id.name;
    ASSERT_TRUE(store.Put(t).ok());
  }
  auto all = store.List();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), ids.size());
  for (size_t i = 1; i < all->size(); ++i) {
    auto key = [](const Trail& t) { return std::tie(t.account, t.home_region, t.name); };
    EXPECT_LT(key((*all)[i - 1]), key((*all)[i])) << i;
  }
  auto one = store.List("111111111111");
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 6u);  // not the 13-digit look-alike account
  EXPECT_EQ((*one)[0].home_region, "eu-west-1");
  EXPECT_EQ((*one)[1].home_region, "us-east-1");
  EXPECT_EQ((*one)[1].name, "a-b");
  EXPECT_EQ((*one)[2].name, "a.b");
  EXPECT_EQ((*one)[3].name, "aaa");
  EXPECT_EQ((*one)[4].home_region, "us-east-1-x");
  EXPECT_EQ((*one)[5].home_region, "us-east-1x");
  auto none = store.List("999999999999");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(TrailStoreTest, CorruptEntryIsAnInternalError) {
  testing::TempDir dir;
  auto kv = Open(dir.path());
  TrailStore store(kv.get());
  std::string key = std::string("111122223333") + '\0' + "us-east-1" + '\0' + "bad";
  ASSERT_TRUE(kv->Put(kTrailsFamily, key, "{not json", true).ok());
  auto got = store.Get("111122223333", "us-east-1", "bad");
  EXPECT_FALSE(got.ok());
  EXPECT_EQ(got.status().http_status(), 500);
  EXPECT_FALSE(store.List().ok());
}

}  // namespace
}  // namespace ot::trails
