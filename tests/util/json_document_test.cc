// Tests for util/json_document.h: numbers parsed exactly, integers typed as
// RapidJSON types them, and invalid text refused.

#include "util/json_document.h"

#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>

namespace spirapi {
namespace {

double ParseDouble(const std::string& text) {
  rapidjson::Document doc;
  EXPECT_TRUE(ParseJsonDocument(text, &doc)) << text;
  EXPECT_TRUE(doc.IsNumber()) << text;
  return doc.IsNumber() ? doc.GetDouble() : NAN;
}

// RapidJSON's own default parse missed one double in three of these.
TEST(JsonDocumentTest, EveryDoubleSurvivesWriteAndParse) {
  std::mt19937_64 random(20261205);
  int tried = 0;
  while (tried < 100000) {
    const uint64_t bits = random();
    double x;
    std::memcpy(&x, &bits, sizeof x);
    if (!std::isfinite(x)) continue;
    ++tried;
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.Double(x);
    ASSERT_EQ(ParseDouble(buffer.GetString()), x) << buffer.GetString();
  }
}

// RapidJSON's full-precision mode read these as -1.9e-183, 1.2e77, ...
TEST(JsonDocumentTest, ZeroWithAnyExponentIsZero) {
  for (const char* text : {"0e-199", "0.0e-250", "0e-300", "0.000e-100", "0e199", "-0e-199",
                           "0e-99999"}) {
    EXPECT_EQ(ParseDouble(text), 0.0) << text;
  }
  EXPECT_TRUE(std::signbit(ParseDouble("-0.0e-5")));
}

TEST(JsonDocumentTest, ExtremesRoundOrAreRefused) {
  EXPECT_EQ(ParseDouble("5e-324"), 4.9406564584124654e-324);  // smallest denormal
  EXPECT_EQ(ParseDouble("1e-400"), 0.0);                        // underflows, as in RapidJSON
  EXPECT_EQ(ParseDouble("1.7976931348623157e308"), 1.7976931348623157e308);
  EXPECT_EQ(ParseDouble("0.1"), 0.1);
  rapidjson::Document doc;
  EXPECT_FALSE(ParseJsonDocument("1e400", &doc));
  EXPECT_TRUE(doc.IsNull());
  EXPECT_FALSE(ParseJsonDocument("[1, -1e309]", &doc));
  EXPECT_FALSE(ParseJsonDocument("0.0E+400", &doc));  // RapidJSON's reader: too big
  // RapidJSON's own parse makes these infinity, which no writer can print.
  std::string error;
  for (const char* text : {"2e308", "10e308", "88888152888888888888888888888135e283"}) {
    EXPECT_FALSE(ParseJsonDocument(text, &doc, &error)) << text;
    EXPECT_NE(error.find("is too large for a double"), std::string::npos) << error;
  }
  EXPECT_FALSE(ParseJsonDocument("[1,", &doc, &error));
  EXPECT_EQ(error, "not valid JSON at offset 3: Invalid value.");
}

TEST(JsonDocumentTest, IntegersKeepRapidJsonTypes) {
  rapidjson::Document doc;
  ASSERT_TRUE(ParseJsonDocument(
      "[0, -0, 4294967295, 4294967296, -2147483648, -2147483649, 18446744073709551615, "
      "-9223372036854775808, 18446744073709551616.0, -9223372036854775809e0, 1.0]",
      &doc));
  ASSERT_TRUE(doc.IsArray());
  const auto& a = doc.GetArray();
  EXPECT_TRUE(a[0].IsUint() && a[0].GetUint() == 0);
  EXPECT_TRUE(a[1].IsInt() && a[1].GetInt() == 0);
  EXPECT_TRUE(a[2].IsUint() && a[2].GetUint() == 4294967295u);
  EXPECT_TRUE(!a[3].IsUint() && a[3].IsUint64() && a[3].GetUint64() == 4294967296u);
  EXPECT_TRUE(a[4].IsInt() && a[4].GetInt() == INT32_MIN);
  EXPECT_TRUE(!a[5].IsInt() && a[5].IsInt64() && a[5].GetInt64() == -2147483649LL);
  EXPECT_TRUE(a[6].IsUint64() && a[6].GetUint64() == UINT64_MAX);
  EXPECT_TRUE(a[7].IsInt64() && a[7].GetInt64() == INT64_MIN);
  EXPECT_TRUE(a[8].IsDouble() && a[8].GetDouble() == 18446744073709551616.0);
  EXPECT_TRUE(a[9].IsDouble() && a[9].GetDouble() == -9223372036854775809.0);
  EXPECT_TRUE(a[10].IsDouble() && a[10].GetDouble() == 1.0);
}

// An integer beyond 64 bits would become a double, another number: refused.
TEST(JsonDocumentTest, IntegersBeyond64BitsAreRefused) {
  rapidjson::Document doc;
  std::string error;
  for (const char* text : {"18446744073709551616", "[-9223372036854775809]",
                           "{\"a\": 1180591620717411303424}"}) {
    EXPECT_FALSE(ParseJsonDocument(text, &doc, &error)) << text;
    EXPECT_NE(error.find("does not fit in 64 bits"), std::string::npos) << error;
  }
}

TEST(JsonDocumentTest, StructureAndInvalidText) {
  rapidjson::Document doc;
  ASSERT_TRUE(ParseJsonDocument(" {\"a\": [true, null, \"x\\u00e9\"], \"b\": {}} ", &doc));
  ASSERT_TRUE(doc.IsObject());
  EXPECT_TRUE(doc["a"][0].IsTrue());
  EXPECT_TRUE(doc["a"][1].IsNull());
  EXPECT_STREQ(doc["a"][2].GetString(), "x\xc3\xa9");
  EXPECT_TRUE(doc["b"].IsObject());
  for (const char* bad : {"", "{", "[1,]", "01", "1.", "{\"a\":1} x", "nul", "[1e]"}) {
    EXPECT_FALSE(ParseJsonDocument(bad, &doc)) << bad;
    EXPECT_TRUE(doc.IsNull()) << bad;
  }
}

}  // namespace
}  // namespace spirapi
