// ParseIsoDatetime: dates and times that do not exist are refused with the
// reason, where 2026-02-30 and an offset of +25:00 were accepted.

#include "schema/field_value.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace spirapi::schema {
namespace {

TEST(ParseIsoDatetimeTest, AcceptsEveryTimeThatExists) {
  double seconds = 0;
  EXPECT_TRUE(ParseIsoDatetime("1970-01-02", &seconds));
  EXPECT_EQ(seconds, 86400);
  EXPECT_TRUE(ParseIsoDatetime("2024-02-29T00:00:00Z", &seconds));  // a leap year
  EXPECT_TRUE(ParseIsoDatetime("2000-02-29", &seconds));             // divisible by 400
  EXPECT_TRUE(ParseIsoDatetime("2016-12-31T23:59:60Z", &seconds));   // a leap second
  EXPECT_TRUE(ParseIsoDatetime("1970-01-01T00:00+23:59", &seconds));
  EXPECT_EQ(seconds, -(23 * 3600 + 59 * 60));
  EXPECT_TRUE(ParseIsoDatetime("1970-01-01T00:00-01:30", &seconds));
  EXPECT_EQ(seconds, 5400);
}

TEST(ParseIsoDatetimeTest, RefusesTimesThatDoNotExistAndSaysWhy) {
  for (const auto& [text, reason] : {
           std::pair<const char*, const char*>{"2026-02-30", "2026-02 has no day 30"},
           {"2026-02-29", "2026-02 has no day 29"},
           {"2100-02-29", "2100-02 has no day 29"},
           {"2026-06-31T10:00Z", "2026-06 has no day 31"},
           {"2026-01-00", "2026-01 has no day 00"},
           {"2026-00-10", "there is no month 00"},
           {"2026-01-01T23:60Z", "there is no time of day 23:60"},
           {"2026-01-01T10:00:61", "there is no second 61"},
           {"2026-01-01T10:00+25:00", "the UTC offset +25:00 is beyond -23:59..+23:59"},
           {"2026-01-01T10:00+01:75", "the UTC offset +01:75 is beyond -23:59..+23:59"},
       }) {
    double seconds = 0;
    std::string why;
    EXPECT_FALSE(ParseIsoDatetime(text, &seconds, &why)) << text;
    EXPECT_EQ(why, reason) << text;
  }
  // Text of another form has no reason beyond not being ISO 8601.
  std::string why;
  double seconds = 0;
  EXPECT_FALSE(ParseIsoDatetime("yesterday", &seconds, &why));
  EXPECT_EQ(why, "");
}

}  // namespace
}  // namespace spirapi::schema
