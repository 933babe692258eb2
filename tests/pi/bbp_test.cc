// Tests for pi/bbp.h: known hex digits (including position 10^6), agreement
// with the Chudnovsky binary result, and VerifyBinaryPi on good and damaged
// values.

#include "pi/bbp.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "pi/chudnovsky.h"

namespace spirapi::pi {
namespace {

// The first 128 hex digits of π after the point.
constexpr char kHex[] =
    "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89"
    "452821E638D01377BE5466CF34E90C6CC0AC29B7C97C50DD3F84D5B5B5470917";

std::string Bbp(uint64_t position, int count, int threads = 2) {
  std::string hex;
  Status s = BbpHexDigits(position, count, threads, &hex);
  EXPECT_TRUE(s.ok()) << position << ": " << s.ToString();
  return hex;
}

TEST(BbpTest, SmallPositions) {
  EXPECT_EQ(Bbp(1, 8), "243F6A88");
  EXPECT_EQ(Bbp(1, 1), "2");
  for (uint64_t p = 1; p + 12 <= 128; ++p) {
    EXPECT_EQ(Bbp(p, 12, 1 + p % 2), std::string(kHex + p - 1, 12)) << p;
  }
}

TEST(BbpTest, MillionthHexDigit) {
  EXPECT_EQ(Bbp(1'000'000, 14), "26C65E52CB4593");
  EXPECT_EQ(Bbp(1'000'000, 14, 1), "26C65E52CB4593");
}

TEST(BbpTest, AgreesWithChudnovsky) {
  BinaryPi bin;
  ASSERT_TRUE(ComputeBinaryPi(60'000, PiOptions(), &bin).ok());
  std::mt19937_64 rng(5);
  const uint64_t reliable = bin.ReliableHexDigits();
  for (int i = 0; i < 20; ++i) {
    const uint64_t p = 1 + rng() % (reliable - 10);
    std::string expected;
    for (uint64_t j = 0; j < 10; ++j) expected.push_back("0123456789ABCDEF"[bin.HexDigit(p + j)]);
    EXPECT_EQ(Bbp(p, 10), expected) << p;
  }
}

TEST(BbpTest, RejectsBadArguments) {
  std::string hex;
  EXPECT_TRUE(BbpHexDigits(0, 8, 1, &hex).IsInvalidArgument());
  EXPECT_TRUE(BbpHexDigits(kMaxBbpPosition + 1, 8, 1, &hex).IsInvalidArgument());
  EXPECT_TRUE(BbpHexDigits(1, 0, 1, &hex).IsInvalidArgument());
  EXPECT_TRUE(BbpHexDigits(1, kMaxBbpDigits + 1, 1, &hex).IsInvalidArgument());
}

TEST(BbpTest, VerifyBinaryPi) {
  BinaryPi bin;
  ASSERT_TRUE(ComputeBinaryPi(100'000, PiOptions(), &bin).ok());
  Status s = VerifyBinaryPi(bin);
  ASSERT_TRUE(s.ok()) << s.ToString();

  // One flipped bit in the last reliable hex digit, then in the middle.
  const uint64_t reliable = bin.ReliableHexDigits();
  for (uint64_t position : {reliable, reliable / 2 + 3}) {
    BinaryPi bad = bin;
    const uint64_t bit = bad.frac_bits - 4 * position;
    bad.words[bit / 64] ^= uint64_t{1} << (bit % 64);
    s = VerifyBinaryPi(bad);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.message().find("position"), std::string::npos) << s.ToString();
  }
  BinaryPi empty;
  EXPECT_TRUE(VerifyBinaryPi(empty).IsInvalidArgument());
}

}  // namespace
}  // namespace spirapi::pi
