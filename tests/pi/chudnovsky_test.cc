// Tests for pi/chudnovsky.h: known digits (including position 10^6),
// agreement across digit counts and thread counts, the binary result,
// progress and cancellation, and bad arguments.

#include "pi/chudnovsky.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace spirapi::pi {
namespace {

constexpr char kFirst100[] =
    "1415926535897932384626433832795028841971693993751058209749445923078164062862089986280348253421170679";

std::string Digits(uint64_t n, int threads = 2) {
  PiOptions options;
  options.threads = threads;
  std::string out;
  Status s = ComputePiDigits(n, options, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST(ChudnovskyTest, FirstDigits) {
  EXPECT_EQ(Digits(1), "1");
  EXPECT_EQ(Digits(50), std::string(kFirst100, 50));
  const std::string d100 = Digits(100);
  EXPECT_EQ(d100, kFirst100);
  EXPECT_EQ(d100.substr(90), "3421170679");
}

TEST(ChudnovskyTest, MillionthDigit) {
  // Also checks the binary result with BBP on the way (options.verify).
  const std::string d = Digits(1'000'000);
  ASSERT_EQ(d.size(), 1'000'000u);
  EXPECT_EQ(d.substr(999'990), "5779458151");
  EXPECT_EQ(d.substr(0, 100), kFirst100);
}

TEST(ChudnovskyTest, EveryShortLengthIsAPrefix) {
  const std::string reference = Digits(5000);
  ASSERT_EQ(reference.substr(0, 100), kFirst100);
  for (uint64_t n = 1; n <= 150; ++n) {
    ASSERT_EQ(Digits(n, 1 + n % 2), reference.substr(0, n)) << n;
  }
  // Lengths around the radix conversion's leaf size and its splits.
  for (uint64_t n : {1480, 1481, 1500, 1501, 2999, 3000, 3001, 4093}) {
    ASSERT_EQ(Digits(n), reference.substr(0, n)) << n;
  }
}

TEST(ChudnovskyTest, ThreadCountsAgree) {
  const std::string two = Digits(30011, 2);
  EXPECT_EQ(Digits(30011, 1), two);
  EXPECT_EQ(Digits(30011, 4), two);
  EXPECT_EQ(Digits(20000, 3), two.substr(0, 20000));
}

TEST(ChudnovskyTest, BinaryResultAndDecimalInTwoSteps) {
  PiOptions options;
  BinaryPi bin;
  ASSERT_TRUE(ComputeBinaryPi(1000, options, &bin).ok());
  EXPECT_GE(bin.frac_bits, 1000 * 3.32);
  EXPECT_GE(bin.ReliableHexDigits(), 1000 * 3.32 / 4);
  std::string hex;
  for (uint64_t i = 1; i <= 16; ++i) hex.push_back("0123456789ABCDEF"[bin.HexDigit(i)]);
  EXPECT_EQ(hex, "243F6A8885A308D3");
  std::string text;
  ASSERT_TRUE(BinaryPiToDecimal(bin, 1000, options, &text).ok());
  EXPECT_EQ(text.substr(0, 100), kFirst100);
  // Fewer digits from the same binary value are fine; more are not.
  ASSERT_TRUE(BinaryPiToDecimal(bin, 10, options, &text).ok());
  EXPECT_EQ(text, "1415926535");
  EXPECT_TRUE(BinaryPiToDecimal(bin, 1100, options, &text).IsInvalidArgument());
  // A damaged integer part is noticed.
  bin.words.back() ^= bin.words.back();
  EXPECT_TRUE(BinaryPiToDecimal(bin, 1000, options, &text).IsCorruption());
}

TEST(ChudnovskyTest, ProgressRisesToOne) {
  std::vector<double> seen;
  PiOptions options;
  options.progress = [&](double f) {
    seen.push_back(f);
    return true;
  };
  std::string out;
  ASSERT_TRUE(ComputePiDigits(200'000, options, &out).ok());
  ASSERT_GE(seen.size(), 10u);
  for (size_t i = 1; i < seen.size(); ++i) EXPECT_GE(seen[i], seen[i - 1]);
  EXPECT_GE(seen.front(), 0.0);
  EXPECT_DOUBLE_EQ(seen.back(), 1.0);
}

TEST(ChudnovskyTest, CallbackCancels) {
  for (double stop_at : {0.0, 0.3, 0.62, 0.9}) {
    PiOptions options;
    int calls_after_stop = 0;
    bool stopped = false;
    options.progress = [&](double f) {
      if (stopped) ++calls_after_stop;
      if (f >= stop_at) stopped = true;
      return !stopped;
    };
    std::string out = "untouched";
    Status s = ComputePiDigits(300'000, options, &out);
    EXPECT_TRUE(s.IsCancelled()) << stop_at << ": " << s.ToString();
    EXPECT_NE(s.message().find("cancelled"), std::string::npos);
    EXPECT_EQ(out, "untouched");
    EXPECT_EQ(calls_after_stop, 0) << stop_at;
  }
  PiOptions options;
  options.progress = [](double) { return false; };
  BinaryPi bin;
  EXPECT_TRUE(ComputeBinaryPi(100'000, options, &bin).IsCancelled());
}

TEST(ChudnovskyTest, RejectsBadArguments) {
  std::string out;
  PiOptions options;
  Status s = ComputePiDigits(0, options, &out);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("at least 1"), std::string::npos) << s.ToString();
  s = ComputePiDigits(kMaxPiDigits + 1, options, &out);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("limit"), std::string::npos) << s.ToString();
  EXPECT_TRUE(ComputePiDigits(~uint64_t{0}, options, &out).IsInvalidArgument());
  options.threads = 0;
  EXPECT_TRUE(ComputePiDigits(10, options, &out).IsInvalidArgument());
  BinaryPi bin;
  EXPECT_TRUE(ComputeBinaryPi(10, options, &bin).IsInvalidArgument());
  options.threads = 2;
  EXPECT_TRUE(BinaryPiToDecimal(bin, 10, options, &out).IsInvalidArgument());  // empty value
}

}  // namespace
}  // namespace spirapi::pi
