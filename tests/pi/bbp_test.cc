// Tests for pi/bbp.h: known hex digits (including position 10^6), agreement
// with the Chudnovsky binary result, and VerifyBinaryPi on good and damaged
// values.

#include "pi/bbp.h"

#include <gtest/gtest.h>

#include <random>
#include <tuple>
#include <string>

#include "pi/bbp_simd.h"
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

// The SIMD kernel against exact 128-bit fixed-point arithmetic.
TEST(BbpTest, SimdKernelMatchesExactSums) {
  if (!BbpSimdAvailable()) GTEST_SKIP() << "no AVX2/FMA";
  using u128 = unsigned __int128;
  auto frac = [](uint64_t r, uint64_t m) {  // floor(r·2^128/m)
    const u128 n = static_cast<u128>(r) << 64;
    const u128 lo = (static_cast<u128>(static_cast<uint64_t>(n % m)) << 64) / m;
    return (static_cast<u128>(static_cast<uint64_t>(n / m)) << 64) | lo;
  };
  auto pow2 = [](uint64_t e, uint64_t m) {
    u128 r = 1 % m, b = 2 % m;
    for (; e > 0; e >>= 1, b = b * b % m) {
      if (e & 1) r = r * b % m;
    }
    return static_cast<uint64_t>(r);
  };
  for (auto [d, begin, end] : {std::tuple<uint64_t, uint64_t, uint64_t>{100, 0, 96},
                               {1000000, 0, 8},
                               {1000000, 500000, 500800},
                               {123456789, 123456000, 123456784}}) {
    u128 want = 0;
    for (uint64_t k = begin; k < end; ++k) {
      const uint64_t e = 4 * (d - k);
      want += 4 * frac(pow2(e, 8 * k + 1), 8 * k + 1) - 2 * frac(pow2(e, 8 * k + 4), 8 * k + 4) -
              frac(pow2(e, 8 * k + 5), 8 * k + 5) - frac(pow2(e, 8 * k + 6), 8 * k + 6);
    }
    const u128 diff = BbpHeadSimd(d, begin, end) - want;
    const u128 bound = static_cast<u128>(end - begin + 1) << 30;  // 2^-98 per term
    EXPECT_TRUE(diff <= bound || 0 - diff <= bound) << d << " [" << begin << ", " << end << ")";
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
