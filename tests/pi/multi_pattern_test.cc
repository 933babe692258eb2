// Tests for pi/multi_pattern.h against one naive scan per pattern:
// overlapping patterns, patterns that are prefixes and suffixes of each
// other, duplicates, offsets up to a limit, π, and bad input.

#include "pi/multi_pattern.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "pi/search_test_util.h"

namespace spirapi::pi {
namespace {

void ExpectMatchesNaive(const std::vector<std::string>& patterns, std::string_view text,
                        uint64_t max_offsets) {
  MultiPatternMatcher matcher;
  ASSERT_TRUE(MultiPatternMatcher::Build(patterns, &matcher).ok());
  ASSERT_EQ(matcher.pattern_count(), patterns.size());
  MultiPatternOptions options;
  options.max_offsets = max_offsets;
  std::vector<PatternOccurrences> got;
  ASSERT_TRUE(matcher.Scan(text, options, &got).ok());
  ASSERT_EQ(got.size(), patterns.size());
  for (size_t i = 0; i < patterns.size(); ++i) {
    std::vector<uint64_t> want = NaiveLocate(text, patterns[i]);
    ASSERT_EQ(got[i].count, want.size()) << patterns[i];
    ASSERT_EQ(got[i].found(), !want.empty());
    if (!want.empty()) {
      ASSERT_EQ(got[i].first, want[0]) << patterns[i];
    }
    want.resize(std::min<uint64_t>(want.size(), max_offsets));
    ASSERT_EQ(got[i].offsets, want) << patterns[i];
  }
}

TEST(MultiPatternTest, OverlapsPrefixesSuffixesDuplicates) {
  std::mt19937_64 rng(1);
  const std::string text = RandomDigits(&rng, 20'000, 3);
  const std::vector<std::string> patterns = {
      "0",     "00",    "000",   "0000",  // prefixes of each other, overlapping
      "1",     "21",    "121",   "0121",  // suffixes of each other
      "012",   "0120",  "01201", "1201",  // share both ways
      "2",     "2",     "012",            // duplicates
      "3",     "0123",  "9999",           // absent
      "1111111111111111111111111111111111111111111111111111111111111111",
  };
  for (uint64_t max_offsets : {0, 1, 5, 100000}) ExpectMatchesNaive(patterns, text, max_offsets);
}

TEST(MultiPatternTest, RandomPatternSets) {
  std::mt19937_64 rng(2);
  for (int round = 0; round < 10; ++round) {
    const int alphabet = round % 2 == 0 ? 10 : 4;
    const std::string text = RandomDigits(&rng, 5'000 + rng() % 5'000, alphabet);
    std::vector<std::string> patterns;
    const int count = 1 + static_cast<int>(rng() % 300);
    for (int i = 0; i < count; ++i) {
      const size_t len = 1 + rng() % 8;
      if (i % 2 == 0) {
        patterns.push_back(text.substr(rng() % (text.size() - len + 1), len));
      } else {
        patterns.push_back(RandomDigits(&rng, len, alphabet));
      }
    }
    ExpectMatchesNaive(patterns, text, round % 3 == 0 ? 0 : 10);
  }
}

TEST(MultiPatternTest, PiDigitsEdges) {
  const std::string& pi = PiDigits100k();
  std::vector<std::string> patterns = {"14159", "999999", pi.substr(0, 1), pi.substr(pi.size() - 1),
                                       pi.substr(pi.size() - 20), pi.substr(0, 64)};
  std::mt19937_64 rng(3);
  for (int i = 0; i < 100; ++i) patterns.push_back(pi.substr(rng() % (pi.size() - 6), 2 + i % 5));
  ExpectMatchesNaive(patterns, pi, 3);
  ExpectMatchesNaive(patterns, pi, 0);
}

// The pass runs over the quarters of the text interleaved: matches across
// the quarters' boundaries, at every text length.
TEST(MultiPatternTest, EveryShortTextLength) {
  std::mt19937_64 rng(4);
  for (size_t n = 0; n <= 200; ++n) {
    const std::string text = RandomDigits(&rng, n, 2);
    ExpectMatchesNaive({"0", "00", "01", "1101", "0000000", "10101010101"}, text, 0);
    ExpectMatchesNaive({"0", "00", "01", "1101", "0000000", "10101010101"}, text, 2);
    ExpectMatchesNaive({std::string(std::min<size_t>(n / 2 + 1, 64), '0')}, std::string(n, '0'), 0);
  }
}

TEST(MultiPatternTest, EmptyInputs) {
  ExpectMatchesNaive({}, "123", 5);
  ExpectMatchesNaive({"1", "12"}, "", 5);
  ExpectMatchesNaive({"12345"}, "1234", 5);
}

TEST(MultiPatternTest, BadInput) {
  MultiPatternMatcher matcher;
  Status s = MultiPatternMatcher::Build({"12", "", "3"}, &matcher);
  EXPECT_EQ(s.ToString(), "InvalidArgument: multi_pattern: pattern 1: pattern is empty");
  s = MultiPatternMatcher::Build({"12", "3x"}, &matcher);
  EXPECT_EQ(s.ToString(),
            "InvalidArgument: multi_pattern: pattern 1: pattern has a non-digit 'x' at offset 1");
  EXPECT_TRUE(MultiPatternMatcher::Build({std::string(65, '1')}, &matcher).IsInvalidArgument());
  EXPECT_TRUE(MultiPatternMatcher::Build(std::vector<std::string>(kMaxMultiPatterns + 1, "1"),
                                         &matcher)
                  .IsInvalidArgument());
  ASSERT_TRUE(MultiPatternMatcher::Build({"12"}, &matcher).ok());
  std::vector<PatternOccurrences> out;
  s = matcher.Scan("0123.5", MultiPatternOptions(), &out);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("offset 4"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace spirapi::pi
