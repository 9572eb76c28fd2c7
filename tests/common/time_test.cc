#include "common/time.h"

#include <gtest/gtest.h>

namespace ot {

TEST(TimeTest, FormatsAndParsesAwsForms) {
  EXPECT_EQ(FormatIso8601(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatIso8601(1795000443), "2026-11-18T11:14:03Z");
  EXPECT_EQ(FormatAmzDate(1440938160), "20150830T123600Z");
  EXPECT_EQ(FormatHttpDate(1440938160), "Sun, 30 Aug 2015 12:36:00 GMT");
  EXPECT_EQ(ParseAmzDate("20150830T123600Z"), 1440938160);
  EXPECT_FALSE(ParseAmzDate("20150830T123600"));
  EXPECT_FALSE(ParseAmzDate("2015083OT123600Z"));
  EXPECT_FALSE(ParseAmzDate("20151330T123600Z"));
  EXPECT_EQ(ParseIso8601Millis("2015-08-30T12:36:00Z"), 1440938160000);
  EXPECT_EQ(ParseIso8601Millis("2015-08-30T12:36:00.250Z"), 1440938160250);
  EXPECT_EQ(ParseIso8601Millis("2015-08-30T12:36:00+00:00"), 1440938160000);
  EXPECT_FALSE(ParseIso8601Millis("2015-08-30 12:36:00"));
  EXPECT_FALSE(ParseIso8601Millis("2015-08-30T12:36:00.Z"));
  EXPECT_FALSE(ParseIso8601Millis(""));
}

TEST(TimeTest, RoundTripsCivilDates) {
  for (int64_t days = -800000; days < 800000; days += 997) {
    int64_t y;
    unsigned m, d;
    CivilFromDays(days, &y, &m, &d);
    EXPECT_EQ(DaysFromCivil(y, m, d), days);
  }
}

TEST(TimeTest, ParsesDurations) {
  EXPECT_EQ(ParseDurationMillis("500ms"), 500);
  EXPECT_EQ(ParseDurationMillis("2s"), 2000);
  EXPECT_EQ(ParseDurationMillis("5m"), 300000);
  EXPECT_EQ(ParseDurationMillis("1h"), 3600000);
  EXPECT_EQ(ParseDurationMillis("90d"), 90LL * 86400000);
  EXPECT_EQ(ParseDurationMillis("0"), 0);
  EXPECT_FALSE(ParseDurationMillis(""));
  EXPECT_FALSE(ParseDurationMillis("5"));
  EXPECT_FALSE(ParseDurationMillis("m"));
  EXPECT_FALSE(ParseDurationMillis("5 m"));
  EXPECT_FALSE(ParseDurationMillis("99999999999999999999999s"));
}

}  // namespace ot
