// Tests for pi/pattern_index.h: Count, First and Locate against a naive scan
// on random digits, on skewed and periodic texts and on the digits of π,
// every pattern length around the bucket length, patterns at the very end,
// paging, the serialized form and its rejection when damaged.

#include "pi/pattern_index.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "pi/search_test_util.h"
#include "util/coding.h"
#include "util/hash.h"

namespace spirapi::pi {
namespace {

// Checks Count, First, Locate (whole and one page) and Find for `pattern`.
void ExpectMatchesNaive(const PatternIndex& index, std::string_view text,
                        const std::string& pattern) {
  const std::vector<uint64_t> want = NaiveLocate(text, pattern);
  ASSERT_EQ(index.Count(pattern), want.size()) << "pattern " << pattern;
  uint64_t first = 12345;
  ASSERT_EQ(index.First(pattern, &first), !want.empty()) << pattern;
  if (!want.empty()) {
    ASSERT_EQ(first, want[0]) << pattern;
  }
  std::vector<uint64_t> got;
  uint64_t total = 0;
  index.Locate(pattern, 0, UINT64_MAX, &got, &total);
  ASSERT_EQ(total, want.size()) << pattern;
  ASSERT_EQ(got, want) << pattern;
  if (want.size() > 2) {
    index.Locate(pattern, 1, want.size() - 2, &got, nullptr);
    ASSERT_EQ(got, std::vector<uint64_t>(want.begin() + 1, want.end() - 1)) << pattern;
  }
  const PatternIndex::SuffixRange r = index.Find(pattern);
  ASSERT_EQ(r.size(), want.size());
  for (uint64_t i = r.begin; i < r.end; ++i) {
    ASSERT_EQ(text.substr(index.SuffixAt(i), pattern.size()), pattern);
  }
}

// All patterns of length 1..max_len over the digits (10^max_len of them).
std::vector<std::string> AllPatterns(int max_len) {
  std::vector<std::string> out;
  std::vector<std::string> level = {""};
  for (int len = 1; len <= max_len; ++len) {
    std::vector<std::string> next;
    for (const std::string& p : level) {
      for (char c = '0'; c <= '9'; ++c) next.push_back(p + c);
    }
    out.insert(out.end(), next.begin(), next.end());
    level = std::move(next);
  }
  return out;
}

TEST(PatternIndexTest, SmallTextsEveryPatternEveryBucketLength) {
  std::mt19937_64 rng(1);
  const std::vector<std::string> patterns = AllPatterns(3);
  for (size_t n : {0, 1, 2, 3, 5, 9, 40, 301}) {
    for (int alphabet : {2, 10}) {
      const std::string text = RandomDigits(&rng, n, alphabet);
      for (int k = 1; k <= 4; ++k) {
        PatternIndexOptions options;
        options.bucket_digits = k;
        PatternIndex index;
        ASSERT_TRUE(PatternIndex::Build(text, options, &index).ok());
        ASSERT_EQ(index.size(), n);
        ASSERT_EQ(index.bucket_digits(), k);
        for (const std::string& p : patterns) ExpectMatchesNaive(index, text, p);
        // Every substring up to k + 2 digits, so every suffix (the end).
        for (size_t a = 0; a < n; ++a) {
          for (size_t len = 1; len <= static_cast<size_t>(k) + 2 && a + len <= n; ++len) {
            ExpectMatchesNaive(index, text, text.substr(a, len));
          }
        }
        // Patterns running past the end never match.
        if (n > 0) ExpectMatchesNaive(index, text, text.substr(n - 1) + "0");
      }
    }
  }
}

TEST(PatternIndexTest, PeriodicTexts) {
  for (const std::string unit : {"0", "9", "12", "1121"}) {
    std::string text;
    while (text.size() < 500) text += unit;
    for (int k : {1, 3, 5}) {
      PatternIndexOptions options;
      options.bucket_digits = k;
      PatternIndex index;
      ASSERT_TRUE(PatternIndex::Build(text, options, &index).ok());
      for (size_t len = 1; len <= 9; ++len) {
        ExpectMatchesNaive(index, text, text.substr(0, len));
        ExpectMatchesNaive(index, text, text.substr(text.size() - len));
        ExpectMatchesNaive(index, text, text.substr(1, len));
      }
      ExpectMatchesNaive(index, text, text.substr(0, 64));
      ExpectMatchesNaive(index, text, "3");
    }
  }
}

TEST(PatternIndexTest, RandomDigitsAroundTheBucketLength) {
  std::mt19937_64 rng(2);
  const std::string text = RandomDigits(&rng, 200'000);
  PatternIndex index;
  ASSERT_TRUE(PatternIndex::Build(text, &index).ok());
  const int k = index.bucket_digits();
  EXPECT_EQ(k, 4);  // 16·10^4 <= 200,000 < 16·10^5
  for (int len = 1; len <= k + 2; ++len) {
    for (int i = 0; i < 60; ++i) {
      ExpectMatchesNaive(index, text, text.substr(rng() % (text.size() - len + 1), len));
      ExpectMatchesNaive(index, text, RandomDigits(&rng, len));  // often absent
    }
    ExpectMatchesNaive(index, text, text.substr(text.size() - len));
  }
  for (int len : {10, 20, 40, 64}) {
    ExpectMatchesNaive(index, text, text.substr(rng() % (text.size() - len + 1), len));
    ExpectMatchesNaive(index, text, text.substr(text.size() - len));
  }
}

TEST(PatternIndexTest, PiDigits) {
  const std::string& pi = PiDigits100k();
  ASSERT_EQ(pi.substr(0, 10), "1415926535");
  PatternIndex index;
  ASSERT_TRUE(PatternIndex::Build(pi, &index).ok());
  EXPECT_EQ(index.bucket_digits(), 3);
  std::mt19937_64 rng(3);
  for (int len = 1; len <= 5; ++len) {
    for (int i = 0; i < 40; ++i) {
      ExpectMatchesNaive(index, pi, pi.substr(rng() % (pi.size() - len + 1), len));
      ExpectMatchesNaive(index, pi, RandomDigits(&rng, len));
    }
    ExpectMatchesNaive(index, pi, pi.substr(pi.size() - len));
  }
  uint64_t first = 0;
  ASSERT_TRUE(index.First("999999", &first));  // the Feynman point, position 762
  EXPECT_EQ(first, 761u);
  EXPECT_EQ(index.Count("14159"), NaiveLocate(pi, "14159").size());
  EXPECT_FALSE(index.First("0123456789", &first));
}

TEST(PatternIndexTest, Paging) {
  std::mt19937_64 rng(4);
  const std::string text = RandomDigits(&rng, 50'000, 3);
  PatternIndex index;
  ASSERT_TRUE(PatternIndex::Build(text, &index).ok());
  // "0" occurs about 16,700 times (found by reading from the start for small
  // pages), "0120" about 600 (from the suffix array).
  for (const std::string pattern : {"0", "01", "0120", "012012"}) {
    const std::vector<uint64_t> want = NaiveLocate(text, pattern);
    ASSERT_GT(want.size(), 10u);
    for (uint64_t skip : {uint64_t{0}, uint64_t{1}, uint64_t{7}, want.size() / 2,
                          want.size() - 1, want.size(), want.size() + 5}) {
      for (uint64_t limit : {uint64_t{0}, uint64_t{1}, uint64_t{10}, uint64_t{1000},
                             UINT64_MAX}) {
        std::vector<uint64_t> got = {99};
        uint64_t total = 0;
        index.Locate(pattern, skip, limit, &got, &total);
        EXPECT_EQ(total, want.size());
        const uint64_t from = std::min<uint64_t>(skip, want.size());
        const uint64_t to = std::min<uint64_t>(want.size(), from + std::min<uint64_t>(limit, want.size()));
        ASSERT_EQ(got, std::vector<uint64_t>(want.begin() + from, want.begin() + to))
            << pattern << " skip " << skip << " limit " << limit;
      }
    }
  }
}

// Occurrences bunched at the end defeat the guess that reading from the start
// finds the first ones soon; the answers must not change.
TEST(PatternIndexTest, OccurrencesClusteredAtTheEnd) {
  std::mt19937_64 rng(7);
  std::string text = RandomDigits(&rng, 30'000, 9);
  for (char& c : text) ++c;  // '1'..'9'
  text += std::string(3'000, '0');
  PatternIndex index;
  ASSERT_TRUE(PatternIndex::Build(text, &index).ok());
  for (const std::string pattern : {"0", "00", "000000"}) {
    ExpectMatchesNaive(index, text, pattern);
    std::vector<uint64_t> got;
    index.Locate(pattern, 5, 3, &got, nullptr);
    EXPECT_EQ(got, (std::vector<uint64_t>{30'005, 30'006, 30'007}));
  }
}

TEST(PatternIndexTest, BadPatterns) {
  EXPECT_EQ(ValidatePattern("").ToString(), "InvalidArgument: pattern is empty");
  EXPECT_EQ(ValidatePattern("123x5").ToString(),
            "InvalidArgument: pattern has a non-digit 'x' at offset 3");
  EXPECT_EQ(ValidatePattern(std::string("12\0", 3)).ToString(),
            "InvalidArgument: pattern has a non-digit byte 0 at offset 2");
  EXPECT_TRUE(ValidatePattern(std::string(64, '7')).ok());
  EXPECT_EQ(ValidatePattern(std::string(65, '7')).ToString(),
            "InvalidArgument: pattern has 65 digits, more than the 64 allowed");
  const std::string text = "31415926535897932384626433832795";
  PatternIndex index;
  ASSERT_TRUE(PatternIndex::Build(text, &index).ok());
  uint64_t offset = 0;
  std::vector<uint64_t> offsets = {1};
  uint64_t total = 9;
  for (const std::string bad : {"", "1a", "-1", " 3"}) {
    EXPECT_EQ(index.Count(bad), 0u);
    EXPECT_FALSE(index.First(bad, &offset));
    index.Locate(bad, 0, 10, &offsets, &total);
    EXPECT_TRUE(offsets.empty());
    EXPECT_EQ(total, 0u);
  }
  PatternIndex empty;  // never built: matches nothing
  EXPECT_EQ(empty.Count("1"), 0u);
  EXPECT_EQ(empty.size(), 0u);
}

TEST(PatternIndexTest, BadTexts) {
  PatternIndex index;
  Status s = PatternIndex::Build("0123a56", &index);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("offset 4"), std::string::npos) << s.ToString();
  PatternIndexOptions options;
  options.bucket_digits = kMaxBucketDigits + 1;
  EXPECT_TRUE(PatternIndex::Build("0123", options, &index).IsInvalidArgument());
  options.bucket_digits = -1;
  EXPECT_TRUE(PatternIndex::Build("0123", options, &index).IsInvalidArgument());
}

TEST(PatternIndexTest, SerializedLayoutAndRoundTrip) {
  std::mt19937_64 rng(5);
  const std::string text = RandomDigits(&rng, 20'000);
  PatternIndexOptions options;
  options.bucket_digits = 3;
  PatternIndex index;
  ASSERT_TRUE(PatternIndex::Build(text, options, &index).ok());
  const std::string& b = index.bytes();
  // 20,000 offsets need w = 15 bits; then 8 zero bytes of padding.
  const size_t sa_offset = 40 + 4 * 1001;
  ASSERT_EQ(b.size(), sa_offset + (15 * text.size() + 7) / 8 + 8);
  EXPECT_EQ(b.substr(0, 8), "SPPIDX\r\n");
  EXPECT_EQ(DecodeFixed32(b.data() + 8), 1u);
  EXPECT_EQ(DecodeFixed32(b.data() + 12), 15u);
  EXPECT_EQ(DecodeFixed64(b.data() + 16), text.size());
  EXPECT_EQ(DecodeFixed32(b.data() + 24), 3u);
  EXPECT_EQ(DecodeFixed32(b.data() + 28), Crc32(text));
  EXPECT_EQ(DecodeFixed32(b.data() + 40 + 4 * 1000), text.size());
  EXPECT_EQ(b.substr(b.size() - 8), std::string(8, '\0'));
  // Entry i is bits [15i, 15i + 15) of the stream; they are the sorted suffixes.
  const auto entry = [&](uint64_t i) {
    uint64_t value = 0;
    for (int bit = 0; bit < 15; ++bit) {
      const uint64_t at = 15 * i + bit;
      value |= static_cast<uint64_t>((static_cast<uint8_t>(b[sa_offset + at / 8]) >> (at % 8)) & 1)
               << bit;
    }
    return value;
  };
  std::vector<bool> seen(text.size());
  for (uint64_t i = 0; i < text.size(); ++i) {
    const uint64_t offset = entry(i);
    ASSERT_LT(offset, text.size());
    ASSERT_FALSE(seen[offset]);
    seen[offset] = true;
    ASSERT_EQ(index.SuffixAt(i), offset);
    if (i > 0) {
      ASSERT_LT(std::string_view(text).substr(entry(i - 1)), std::string_view(text).substr(offset));
    }
  }

  PatternIndex opened;
  ASSERT_TRUE(PatternIndex::Open(std::string(b), text, &opened).ok());
  EXPECT_EQ(opened.bytes(), b);
  EXPECT_EQ(opened.bucket_digits(), 3);
  for (int i = 0; i < 200; ++i) {
    const std::string p = text.substr(rng() % (text.size() - 8), 1 + rng() % 8);
    ExpectMatchesNaive(opened, text, p);
  }
  // Moving keeps the index usable (it refers to its buffer by offset).
  PatternIndex moved = std::move(opened);
  ExpectMatchesNaive(moved, text, text.substr(100, 5));

  // An empty text round-trips too.
  PatternIndex none;
  ASSERT_TRUE(PatternIndex::Build("", &none).ok());
  ASSERT_TRUE(PatternIndex::Open(std::string(none.bytes()), "", &opened).ok());
  EXPECT_EQ(opened.Count("1"), 0u);
}

TEST(PatternIndexTest, OpenRejectsDamage) {
  std::mt19937_64 rng(6);
  const std::string text = RandomDigits(&rng, 60);
  PatternIndexOptions options;
  options.bucket_digits = 1;
  PatternIndex index;
  ASSERT_TRUE(PatternIndex::Build(text, options, &index).ok());
  const std::string good = index.bytes();
  PatternIndex out;
  // Every truncation.
  for (size_t len = 0; len < good.size(); ++len) {
    Status s = PatternIndex::Open(good.substr(0, len), text, &out);
    ASSERT_TRUE(s.IsCorruption()) << len << ": " << s.ToString();
  }
  ASSERT_TRUE(PatternIndex::Open(good + "x", text, &out).IsCorruption());
  // Every single flipped byte.
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] ^= 0x10;
    Status s = PatternIndex::Open(bad, text, &out);
    ASSERT_TRUE(s.IsCorruption()) << i << ": " << s.ToString();
  }
  // Other digits: another count, or the same count with one digit changed.
  EXPECT_NE(PatternIndex::Open(good, text.substr(1), &out).message().find("covers 60 digits"),
            std::string::npos);
  std::string other = text;
  other[30] = other[30] == '1' ? '2' : '1';
  EXPECT_NE(PatternIndex::Open(good, other, &out).message().find("other digits"),
            std::string::npos);
  // A forged index with correct checksums but a suffix-array entry past the
  // end must not reach a query.
  auto reseal = [](std::string* b) {
    EncodeFixed32(b->data() + 32, Crc32(std::string_view(*b).substr(40)));
    EncodeFixed32(b->data() + 36, Crc32(std::string_view(*b).substr(0, 36)));
  };
  // The text has 60 digits: w = 6 bits, 45 bytes of entries, the last byte
  // holding the top bits of entry 58 and all of entry 59, which 0xff makes 63.
  ASSERT_EQ(text.size(), 60u);
  std::string forged = good;
  forged[forged.size() - 9] = '\xff';
  reseal(&forged);
  Status s = PatternIndex::Open(forged, text, &out);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("out of range"), std::string::npos) << s.ToString();
  // So must a bucket table that runs backwards.
  forged = good;
  EncodeFixed32(forged.data() + 44, 61);
  reseal(&forged);
  s = PatternIndex::Open(forged, text, &out);
  EXPECT_NE(s.message().find("bucket table entry 1 is 61"), std::string::npos) << s.ToString();
  // And nonzero padding, which no writer produces.
  forged = good;
  forged[forged.size() - 1] = 1;
  reseal(&forged);
  s = PatternIndex::Open(forged, text, &out);
  EXPECT_NE(s.message().find("padding"), std::string::npos) << s.ToString();
  // The failed opens left `out` as it was (empty).
  EXPECT_EQ(out.size(), 0u);
}

}  // namespace
}  // namespace spirapi::pi
