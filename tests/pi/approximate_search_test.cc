// Tests for pi/approximate_search.h: every method and every d in 0..3
// against brute force, on random digits, on a skewed text and on π; limits,
// the edges of the text and bad arguments.

#include "pi/approximate_search.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "pi/search_test_util.h"

namespace spirapi::pi {
namespace {

using Method = ApproximateSearchOptions::Method;

std::vector<ApproximateMatch> BruteForce(std::string_view text, std::string_view pattern, int d) {
  std::vector<ApproximateMatch> out;
  for (size_t w = 0; w + pattern.size() <= text.size(); ++w) {
    int mismatches = 0;
    for (size_t i = 0; i < pattern.size(); ++i) mismatches += text[w + i] != pattern[i];
    if (mismatches <= d) out.push_back({w, mismatches});
  }
  return out;
}

// `pattern` with `changes` positions replaced by another digit.
std::string Mutate(std::mt19937_64* rng, std::string pattern, int changes) {
  for (int i = 0; i < changes; ++i) {
    char& c = pattern[(*rng)() % pattern.size()];
    c = static_cast<char>('0' + (c - '0' + 1 + (*rng)() % 9) % 10);
  }
  return pattern;
}

void ExpectAllMethodsMatch(const PatternIndex& index, std::string_view text,
                           const std::string& pattern, int d) {
  const std::vector<ApproximateMatch> want = BruteForce(text, pattern, d);
  for (Method method : {Method::kAuto, Method::kFilter, Method::kScan}) {
    ApproximateSearchOptions options;
    options.method = method;
    std::vector<ApproximateMatch> got;
    uint64_t total = 0;
    ApproximateSearchInfo info;
    ASSERT_TRUE(FindApproximate(index, text, pattern, d, UINT64_MAX, options, &got, &total, &info)
                    .ok());
    ASSERT_EQ(total, want.size()) << pattern << " d=" << d << " method " << int(method);
    ASSERT_EQ(got, want) << pattern << " d=" << d << " method " << int(method);
    if (method != Method::kAuto) {
      EXPECT_EQ(info.scanned, method == Method::kScan);
    }
    // A page of the first few.
    const uint64_t limit = want.size() / 2;
    ASSERT_TRUE(
        FindApproximate(index, text, pattern, d, limit, options, &got, &total, nullptr).ok());
    ASSERT_EQ(total, want.size());
    ASSERT_EQ(got, std::vector<ApproximateMatch>(want.begin(), want.begin() + limit));
  }
}

TEST(ApproximateSearchTest, RandomDigitsEveryDistance) {
  std::mt19937_64 rng(1);
  const std::string text = RandomDigits(&rng, 30'000);
  PatternIndex index;
  ASSERT_TRUE(PatternIndex::Build(text, &index).ok());
  for (int d = 0; d <= kMaxMismatches; ++d) {
    for (size_t m : {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 20, 31, 32}) {
      for (int i = 0; i < 3; ++i) {
        const std::string planted = text.substr(rng() % (text.size() - m + 1), m);
        ExpectAllMethodsMatch(index, text, Mutate(&rng, planted, i), d);
      }
      ExpectAllMethodsMatch(index, text, RandomDigits(&rng, m), d);
      ExpectAllMethodsMatch(index, text, text.substr(0, m), d);                // the start
      ExpectAllMethodsMatch(index, text, text.substr(text.size() - m), d);     // the end
    }
  }
}

TEST(ApproximateSearchTest, SkewedTextWithManyRepeats) {
  std::mt19937_64 rng(2);
  std::string text = RandomDigits(&rng, 5'000, 2);
  text += std::string(2'000, '7') + RandomDigits(&rng, 3'000, 3);
  PatternIndex index;
  ASSERT_TRUE(PatternIndex::Build(text, &index).ok());
  for (int d = 0; d <= kMaxMismatches; ++d) {
    for (size_t m : {4, 8, 13, 24}) {
      ExpectAllMethodsMatch(index, text, text.substr(rng() % (text.size() - m + 1), m), d);
      ExpectAllMethodsMatch(index, text, std::string(m, '7'), d);
      ExpectAllMethodsMatch(index, text, Mutate(&rng, std::string(m, '0'), 2), d);
    }
  }
}

TEST(ApproximateSearchTest, PiDigits) {
  const std::string& pi = PiDigits100k();
  PatternIndex index;
  ASSERT_TRUE(PatternIndex::Build(pi, &index).ok());
  std::mt19937_64 rng(3);
  for (int d = 0; d <= kMaxMismatches; ++d) {
    for (size_t m : {6, 10, 12, 16, 20, 32}) {
      ExpectAllMethodsMatch(index, pi, Mutate(&rng, pi.substr(rng() % (pi.size() - m), m), d), d);
    }
  }
  // "999999" at position 762 and its neighbours within one mismatch.
  std::vector<ApproximateMatch> got;
  uint64_t total = 0;
  ASSERT_TRUE(FindApproximate(index, pi, "999998", 1, UINT64_MAX, &got, &total).ok());
  EXPECT_EQ(got, BruteForce(pi, "999998", 1));
  bool feynman = false;
  for (const ApproximateMatch& match : got) feynman |= match.offset == 761 && match.mismatches == 1;
  EXPECT_TRUE(feynman);
}

TEST(ApproximateSearchTest, LongPatternsUseTheIndex) {
  std::mt19937_64 rng(4);
  const std::string text = RandomDigits(&rng, 200'000);
  PatternIndex index;
  ASSERT_TRUE(PatternIndex::Build(text, &index).ok());
  std::vector<ApproximateMatch> got;
  uint64_t total = 0;
  ApproximateSearchInfo info;
  const std::string pattern = Mutate(&rng, text.substr(123'456, 32), 3);
  ASSERT_TRUE(FindApproximate(index, text, pattern, 3, 100, ApproximateSearchOptions(), &got,
                              &total, &info)
                  .ok());
  EXPECT_FALSE(info.scanned);
  EXPECT_EQ(info.pieces, 4);
  EXPECT_EQ(info.piece_mismatches, 0);
  EXPECT_EQ(got, BruteForce(text, pattern, 3));
  // A short pattern with d = 3 matches a large share of windows: scanned.
  ASSERT_TRUE(FindApproximate(index, text, "1234", 3, 0, ApproximateSearchOptions(), &got, &total,
                              &info)
                  .ok());
  EXPECT_TRUE(info.scanned);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(total, BruteForce(text, "1234", 3).size());
}

TEST(ApproximateSearchTest, TextShorterThanThePattern) {
  PatternIndex index;
  ASSERT_TRUE(PatternIndex::Build("12345", &index).ok());
  std::vector<ApproximateMatch> got = {{1, 1}};
  uint64_t total = 7;
  ASSERT_TRUE(FindApproximate(index, "12345", "123456", 3, 10, &got, &total).ok());
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(total, 0u);
  ASSERT_TRUE(FindApproximate(index, "12345", "12345", 0, 10, &got, &total).ok());
  EXPECT_EQ(got, (std::vector<ApproximateMatch>{{0, 0}}));
}

TEST(ApproximateSearchTest, BadArguments) {
  const std::string text = "31415926535897932384626433832795";
  PatternIndex index;
  ASSERT_TRUE(PatternIndex::Build(text, &index).ok());
  std::vector<ApproximateMatch> got;
  uint64_t total = 0;
  EXPECT_TRUE(FindApproximate(index, text, "", 1, 10, &got, &total).IsInvalidArgument());
  EXPECT_EQ(FindApproximate(index, text, "12a", 1, 10, &got, &total).ToString(),
            "InvalidArgument: pattern has a non-digit 'a' at offset 2");
  EXPECT_TRUE(
      FindApproximate(index, text, std::string(33, '1'), 1, 10, &got, &total).IsInvalidArgument());
  EXPECT_TRUE(FindApproximate(index, text, "123", -1, 10, &got, &total).IsInvalidArgument());
  EXPECT_TRUE(FindApproximate(index, text, "123", 4, 10, &got, &total).IsInvalidArgument());
  EXPECT_TRUE(
      FindApproximate(index, text.substr(1), "123", 1, 10, &got, &total).IsInvalidArgument());
}

}  // namespace
}  // namespace spirapi::pi
