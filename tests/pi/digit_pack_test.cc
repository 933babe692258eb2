// Tests for pi/digit_pack.h: round trips at every small length, random
// ranges against the plain string, the documented layout, and rejection of
// bad input and damaged packings.

#include "pi/digit_pack.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>

namespace spirapi::pi {
namespace {

std::string RandomDigits(std::mt19937_64* rng, size_t n) {
  std::string s(n, '0');
  for (char& c : s) c = static_cast<char>('0' + (*rng)() % 10);
  return s;
}

TEST(DigitPackTest, RoundTripsEveryLengthUpTo50) {
  std::mt19937_64 rng(1);
  for (size_t n = 0; n <= 50; ++n) {
    for (const std::string& digits :
         {RandomDigits(&rng, n), std::string(n, '9'), std::string(n, '0')}) {
      std::string packed;
      ASSERT_TRUE(PackDigits(digits, &packed).ok());
      EXPECT_EQ(packed.size(), PackedDigitsSize(n));
      EXPECT_LE(packed.size() * 8, (n * 10 + 2) / 3 + 7) << n;  // <= 3.34 bits a digit + padding
      EXPECT_TRUE(ValidatePackedDigits(packed, n).ok());
      std::string back;
      ASSERT_TRUE(UnpackDigits(packed, n, &back).ok());
      EXPECT_EQ(back, digits);
      // Every sub-range of the short strings.
      for (size_t a = 0; a <= n; ++a) {
        for (size_t b = a; b <= n; ++b) {
          std::string part;
          ASSERT_TRUE(UnpackDigitRange(packed, n, a, b, &part).ok());
          ASSERT_EQ(part, digits.substr(a, b - a)) << n << " [" << a << ", " << b << ")";
        }
      }
    }
  }
}

TEST(DigitPackTest, RandomRangesMatchThePlainString) {
  std::mt19937_64 rng(2);
  const std::string digits = RandomDigits(&rng, 100003);
  std::string packed;
  ASSERT_TRUE(PackDigits(digits, &packed).ok());
  for (int i = 0; i < 2000; ++i) {
    uint64_t a = rng() % (digits.size() + 1), b = rng() % (digits.size() + 1);
    if (a > b) std::swap(a, b);
    if (i % 2) b = std::min<uint64_t>(a + rng() % 40, digits.size());  // many short ones
    std::string part;
    ASSERT_TRUE(UnpackDigitRange(packed, digits.size(), a, b, &part).ok());
    ASSERT_EQ(part, digits.substr(a, b - a)) << "[" << a << ", " << b << ")";
  }
}

TEST(DigitPackTest, LayoutIsTheDocumentedBitStream) {
  // "123" -> 123 in bits 0..9; "4567" -> 456 in bits 10..19, then 7 in 4 bits.
  std::string packed;
  ASSERT_TRUE(PackDigits("123", &packed).ok());
  EXPECT_EQ(packed, std::string("\x7b\x00", 2));
  ASSERT_TRUE(PackDigits("1234567", &packed).ok());
  const uint64_t v = 123 | (456u << 10) | (7ull << 20);
  EXPECT_EQ(packed, std::string({static_cast<char>(v), static_cast<char>(v >> 8),
                                 static_cast<char>(v >> 16)}));
  ASSERT_TRUE(PackDigits("99", &packed).ok());
  EXPECT_EQ(packed, std::string("\x63", 1));  // 99 in 7 bits
  // 12 digits fill exactly 5 bytes.
  EXPECT_EQ(PackedDigitsSize(12), 5u);
  EXPECT_EQ(PackedDigitsSize(13), 6u);  // 40 + 4 bits
  EXPECT_EQ(PackedDigitsSize(0), 0u);
}

TEST(DigitPackTest, RejectsNonDigits) {
  std::string packed = "untouched";
  for (const std::string& bad : {std::string("12a"), std::string("1234567890123x5"),
                                std::string("3.14"), std::string("12\0" "4", 4),
                                std::string("/"), std::string(":"), std::string("123456789012345678901234 ")}) {
    Status s = PackDigits(bad, &packed);
    EXPECT_TRUE(s.IsInvalidArgument()) << bad;
    EXPECT_EQ(packed, "untouched");
  }
  Status s = PackDigits("0123456789012345678x", &packed);
  EXPECT_NE(s.message().find("offset 19"), std::string::npos) << s.ToString();
}

TEST(DigitPackTest, RejectsBadRangesAndDamage) {
  std::string packed;
  ASSERT_TRUE(PackDigits("31415926535", &packed).ok());
  std::string out;
  EXPECT_TRUE(UnpackDigitRange(packed, 11, 5, 12, &out).IsInvalidArgument());
  EXPECT_TRUE(UnpackDigitRange(packed, 11, 6, 5, &out).IsInvalidArgument());
  EXPECT_TRUE(UnpackDigits(packed, 14, &out).IsCorruption());  // size does not match
  EXPECT_TRUE(UnpackDigits(packed.substr(1), 11, &out).IsCorruption());

  std::string damaged = packed;
  damaged[0] = static_cast<char>(0xff);  // group 0 reads 1023
  damaged[1] = static_cast<char>(damaged[1] | 3);
  EXPECT_TRUE(UnpackDigits(damaged, 11, &out).IsCorruption());
  EXPECT_TRUE(UnpackDigitRange(damaged, 11, 1, 2, &out).IsCorruption());
  EXPECT_TRUE(UnpackDigitRange(damaged, 11, 3, 11, &out).ok());  // not read

  damaged = packed;  // 11 digits: 3 groups + 7-bit tail = 37 bits, 3 padding bits
  damaged.back() = static_cast<char>(damaged.back() | 0x80);
  EXPECT_TRUE(ValidatePackedDigits(damaged, 11).IsCorruption());

  ASSERT_TRUE(PackDigits("5", &packed).ok());
  packed[0] = 0x0c;  // tail of one digit reading 12
  EXPECT_TRUE(UnpackDigits(packed, 1, &out).IsCorruption());
}

TEST(DigitPackTest, TenMillionDigitsAreFast) {
  std::mt19937_64 rng(3);
  const std::string digits = RandomDigits(&rng, 10'000'000);
  std::string packed, back;
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(PackDigits(digits, &packed).ok());
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(UnpackDigits(packed, digits.size(), &back).ok());
  const auto t2 = std::chrono::steady_clock::now();
  EXPECT_EQ(back, digits);
  EXPECT_EQ(packed.size(), 4'166'667u);
  // Generous bounds (sanitizer builds are slow); about 10 ms each when optimized.
  EXPECT_LT(std::chrono::duration<double>(t1 - t0).count(), 1.0);
  EXPECT_LT(std::chrono::duration<double>(t2 - t1).count(), 1.0);
}

}  // namespace
}  // namespace spirapi::pi
