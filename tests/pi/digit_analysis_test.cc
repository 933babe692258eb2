// Tests for pi/digit_analysis.h: the incomplete gamma function against closed
// forms and tables, the statistics against brute force on random digits and
// against known facts about the first 1,000 decimals of π, the uniqueness
// score on hand-computed cases, and the JSON rendering.

#include "pi/digit_analysis.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>

namespace spirapi::pi {
namespace {

// The first 1,000 decimals of π (after "3.").
constexpr char kPi1000[] =
    "14159265358979323846264338327950288419716939937510"
    "58209749445923078164062862089986280348253421170679"
    "82148086513282306647093844609550582231725359408128"
    "48111745028410270193852110555964462294895493038196"
    "44288109756659334461284756482337867831652712019091"
    "45648566923460348610454326648213393607260249141273"
    "72458700660631558817488152092096282925409171536436"
    "78925903600113305305488204665213841469519415116094"
    "33057270365759591953092186117381932611793105118548"
    "07446237996274956735188575272489122793818301194912"
    "98336733624406566430860213949463952247371907021798"
    "60943702770539217176293176752384674818467669405132"
    "00056812714526356082778577134275778960917363717872"
    "14684409012249534301465495853710507922796892589235"
    "42019956112129021960864034418159813629774771309960"
    "51870721134999999837297804995105973173281609631859"
    "50244594553469083026425223082533446850352619311881"
    "71010003137838752886587533208381420617177669147303"
    "59825349042875546873115956286388235378759375195778"
    "18577805321712268066130019278766111959092164201989";

std::string RandomDigits(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> digit(0, 9);
  std::string s(n, '0');
  for (char& c : s) c = static_cast<char>('0' + digit(rng));
  return s;
}

// Q(n + 1/2, y) = erfc(√y) + e^-y Σ_{j<n} y^(j+1/2) / Γ(j + 3/2), from
// Q(a+1, y) = Q(a, y) + y^a e^-y / Γ(a+1) and Q(1/2, y) = erfc(√y).
double HalfIntegerUpperGamma(int n, double y) {
  double q = std::erfc(std::sqrt(y));
  for (int j = 0; j < n; ++j) q += std::exp(-y + (j + 0.5) * std::log(y) - std::lgamma(j + 1.5));
  return q;
}

// Q(n, y) = e^-y Σ_{j<n} y^j / j! for a whole n (the Poisson tail).
double IntegerUpperGamma(int n, double y) {
  double term = std::exp(-y), sum = 0;
  for (int j = 0; j < n; ++j) {
    sum += term;
    term *= y / (j + 1);
  }
  return sum;
}

TEST(DigitAnalysisTest, ValidateDecimalDigitsNamesTheOffset) {
  EXPECT_TRUE(ValidateDecimalDigits("").ok());
  EXPECT_TRUE(ValidateDecimalDigits("0123456789").ok());
  Status s = ValidateDecimalDigits("12a4");
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("offset 2: 'a'"), std::string::npos) << s.ToString();
  // Past the first 64-byte block, and an unprintable byte.
  std::string long_input = RandomDigits(300, 1);
  long_input[200] = '\0';
  s = ValidateDecimalDigits(long_input);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("offset 200: byte 0"), std::string::npos) << s.ToString();
  long_input[200] = '5';
  long_input[299] = static_cast<char>(0xff);
  EXPECT_NE(ValidateDecimalDigits(long_input).message().find("offset 299: byte 255"), std::string::npos);
  // '/' and ':' border the digits in ASCII.
  EXPECT_TRUE(ValidateDecimalDigits("/").IsInvalidArgument());
  EXPECT_TRUE(ValidateDecimalDigits(":").IsInvalidArgument());
}

TEST(DigitAnalysisTest, EveryEntryPointRejectsNonDigits) {
  DigitDistribution distribution;
  PatternAnalysis patterns;
  UniquenessScore score;
  EXPECT_TRUE(AnalyzeDigitDistribution("31.4", &distribution).IsInvalidArgument());
  EXPECT_TRUE(AnalyzePatterns("3 14", PatternOptions(), &patterns).IsInvalidArgument());
  EXPECT_TRUE(ComputeUniquenessScore("14-15", 1, &score).IsInvalidArgument());
}

TEST(DigitAnalysisTest, ChiSquareTailMatchesTables) {
  // 9 degrees of freedom: the median is near 8.34, the 5% and 1% critical
  // values are 16.919 and 21.666.
  EXPECT_NEAR(ChiSquareUpperTail(9, 9), 0.4372741889, 1e-10);
  EXPECT_NEAR(ChiSquareUpperTail(16.919, 9), 0.05, 1e-6);
  EXPECT_NEAR(ChiSquareUpperTail(16.92, 9), 0.05, 1e-4);
  EXPECT_NEAR(ChiSquareUpperTail(21.666, 9), 0.01, 1e-6);
  EXPECT_NEAR(ChiSquareUpperTail(21.67, 9), 0.01, 1e-4);
  EXPECT_NEAR(ChiSquareUpperTail(8.343, 9), 0.5, 1e-4);
  EXPECT_EQ(ChiSquareUpperTail(0, 9), 1.0);
  // 1 degree of freedom: P(|Z| >= 1.959964) = 0.05.
  EXPECT_NEAR(ChiSquareUpperTail(1.959964 * 1.959964, 1), 0.05, 1e-7);
}

TEST(DigitAnalysisTest, UpperGammaMatchesClosedForms) {
  for (double y = 0.01; y < 120; y *= 1.07) {
    for (int n = 0; n <= 12; ++n) {
      EXPECT_NEAR(RegularizedUpperGamma(n + 0.5, y), HalfIntegerUpperGamma(n, y), 1e-12)
          << "a = " << n + 0.5 << ", x = " << y;
    }
    for (int n = 1; n <= 12; ++n) {
      EXPECT_NEAR(RegularizedUpperGamma(n, y), IntegerUpperGamma(n, y), 1e-12)
          << "a = " << n << ", x = " << y;
    }
  }
  EXPECT_EQ(RegularizedUpperGamma(4.5, 0), 1.0);
  EXPECT_EQ(RegularizedUpperGamma(4.5, INFINITY), 0.0);
  EXPECT_TRUE(std::isnan(RegularizedUpperGamma(0, 1)));
  EXPECT_TRUE(std::isnan(RegularizedUpperGamma(1, -1)));
  EXPECT_TRUE(std::isnan(RegularizedUpperGamma(1, NAN)));
}

TEST(DigitAnalysisTest, DistributionOfSmallInputs) {
  DigitDistribution d;
  ASSERT_TRUE(AnalyzeDigitDistribution("", &d).ok());
  EXPECT_EQ(d.total, 0u);
  EXPECT_EQ(d.chi_square, 0);
  EXPECT_EQ(d.p_value, 1);

  ASSERT_TRUE(AnalyzeDigitDistribution("0123456789", &d).ok());
  EXPECT_EQ(d.total, 10u);
  for (uint64_t count : d.counts) EXPECT_EQ(count, 1u);
  EXPECT_EQ(d.chi_square, 0);
  EXPECT_EQ(d.p_value, 1);

  // Expected 1 of each: (10 - 1)²/1 for the zeros plus 9 · (0 - 1)²/1.
  ASSERT_TRUE(AnalyzeDigitDistribution("0000000000", &d).ok());
  EXPECT_EQ(d.counts[0], 10u);
  EXPECT_DOUBLE_EQ(d.chi_square, 90);
  EXPECT_NEAR(d.p_value, HalfIntegerUpperGamma(4, 45), 1e-15);

  // Lengths that are not a multiple of the four-way unrolled loop.
  ASSERT_TRUE(AnalyzeDigitDistribution("7777777", &d).ok());
  EXPECT_EQ(d.counts[7], 7u);
  EXPECT_EQ(d.total, 7u);
}

TEST(DigitAnalysisTest, DistributionOfPi) {
  DigitDistribution d;
  ASSERT_TRUE(AnalyzeDigitDistribution(kPi1000, &d).ok());
  const std::array<uint64_t, 10> expected = {93, 116, 103, 102, 93, 97, 94, 95, 101, 106};
  EXPECT_EQ(d.counts, expected);
  // Deviations from 100: -7 16 3 2 -7 -3 -6 -5 1 6; squares sum to 474.
  EXPECT_NEAR(d.chi_square, 4.74, 1e-12);
  EXPECT_NEAR(d.p_value, HalfIntegerUpperGamma(4, 4.74 / 2), 1e-12);
  EXPECT_NEAR(d.p_value, 0.85636, 1e-5);
}

TEST(DigitAnalysisTest, PatternsOfPi) {
  PatternOptions options;
  options.max_kgram_length = 3;
  options.top_kgrams = 1;
  PatternAnalysis p;
  ASSERT_TRUE(AnalyzePatterns(kPi1000, options, &p).ok());
  // The Feynman point: six 9s from decimal 762.
  EXPECT_EQ(p.longest_runs[9].length, 6u);
  EXPECT_EQ(p.longest_runs[9].start, 762u);
  EXPECT_EQ(p.longest_runs[0].length, 3u);
  EXPECT_EQ(p.longest_runs[0].start, 601u);
  ASSERT_EQ(p.kgrams.size(), 3u);
  // Every digit has occurred by "...3.14159265358979323846264338327950": the
  // last new one, 0, is decimal 32.
  EXPECT_TRUE(p.kgrams[0].all_occurred);
  EXPECT_EQ(p.kgrams[0].all_occurred_by, 32u);
  EXPECT_EQ(p.kgrams[0].first_position[0], 32u);
  EXPECT_EQ(p.kgrams[0].first_position[1], 1u);
  EXPECT_TRUE(p.kgrams[1].all_occurred);
  EXPECT_EQ(p.kgrams[1].all_occurred_by, 606u);
  EXPECT_FALSE(p.kgrams[2].all_occurred);
  EXPECT_EQ(p.kgrams[2].distinct, 633u);
  ASSERT_EQ(p.kgrams[1].most_frequent.size(), 1u);
  EXPECT_EQ(p.kgrams[1].most_frequent[0].kgram, 17u);
  EXPECT_EQ(p.kgrams[1].most_frequent[0].count, 18u);
}

TEST(DigitAnalysisTest, PatternsOfAHandExample) {
  PatternOptions options;
  options.max_kgram_length = 2;
  options.max_lag = 0;
  PatternAnalysis p;
  ASSERT_TRUE(AnalyzePatterns("112223", options, &p).ok());
  EXPECT_EQ(p.longest_runs[1].length, 2u);
  EXPECT_EQ(p.longest_runs[1].start, 1u);
  EXPECT_EQ(p.longest_runs[2].length, 3u);
  EXPECT_EQ(p.longest_runs[2].start, 3u);
  EXPECT_EQ(p.longest_runs[3].length, 1u);
  EXPECT_EQ(p.longest_runs[3].start, 6u);
  EXPECT_EQ(p.longest_runs[0].length, 0u);
  EXPECT_EQ(p.kgrams[0].first_position[3], 6u);
  EXPECT_EQ(p.kgrams[0].distinct, 3u);
  // 2-grams: 11@1 12@2 22@3,4 23@5. Only 22 repeats.
  EXPECT_EQ(p.kgrams[1].first_position[11], 1u);
  EXPECT_EQ(p.kgrams[1].first_position[12], 2u);
  EXPECT_EQ(p.kgrams[1].first_position[22], 3u);
  EXPECT_EQ(p.kgrams[1].first_position[23], 5u);
  EXPECT_EQ(p.kgrams[1].distinct, 4u);
  ASSERT_EQ(p.kgrams[1].most_frequent.size(), 1u);
  EXPECT_EQ(p.kgrams[1].most_frequent[0].kgram, 22u);
  EXPECT_EQ(p.kgrams[1].most_frequent[0].count, 2u);
  EXPECT_TRUE(p.serial_correlation.empty());
}

// Brute force: every k-gram by substring, for comparison.
void CheckKgramsAgainstBruteForce(const std::string& digits, const PatternOptions& options) {
  PatternAnalysis p;
  ASSERT_TRUE(AnalyzePatterns(digits, options, &p).ok());
  ASSERT_EQ(p.kgrams.size(), static_cast<size_t>(options.max_kgram_length));
  for (int k = 1; k <= options.max_kgram_length; ++k) {
    SCOPED_TRACE("n = " + std::to_string(digits.size()) + ", k = " + std::to_string(k));
    std::map<std::string, std::pair<uint64_t, uint64_t>> seen;  // count, first position
    for (size_t i = 0; i + k <= digits.size(); ++i) {
      auto& entry = seen[digits.substr(i, k)];
      if (entry.first++ == 0) entry.second = i + 1;
    }
    const KgramStats& stats = p.kgrams[k - 1];
    EXPECT_EQ(stats.k, k);
    ASSERT_EQ(stats.first_position.size(), static_cast<size_t>(std::pow(10, k)));
    EXPECT_EQ(stats.distinct, seen.size());
    uint64_t completed_by = 0;
    for (uint32_t g = 0; g < stats.first_position.size(); ++g) {
      auto it = seen.find(KgramText(g, k));
      const uint64_t expected = it == seen.end() ? 0 : it->second.second;
      ASSERT_EQ(stats.first_position[g], expected) << KgramText(g, k);
      if (it != seen.end()) completed_by = std::max(completed_by, expected + k - 1);
    }
    EXPECT_EQ(stats.all_occurred, seen.size() == stats.first_position.size());
    EXPECT_EQ(stats.all_occurred_by, stats.all_occurred ? completed_by : 0);
    std::vector<KgramCount> repeated;
    for (const auto& [text, entry] : seen) {
      if (entry.first < 2) continue;
      repeated.push_back({static_cast<uint32_t>(std::stoul(text)), entry.first});
    }
    std::sort(repeated.begin(), repeated.end(), [](const KgramCount& a, const KgramCount& b) {
      return a.count != b.count ? a.count > b.count : a.kgram < b.kgram;
    });
    repeated.resize(std::min(repeated.size(), static_cast<size_t>(options.top_kgrams)));
    ASSERT_EQ(stats.most_frequent.size(), repeated.size());
    for (size_t i = 0; i < repeated.size(); ++i) {
      EXPECT_EQ(stats.most_frequent[i].kgram, repeated[i].kgram) << i;
      EXPECT_EQ(stats.most_frequent[i].count, repeated[i].count) << i;
    }
  }
}

TEST(DigitAnalysisTest, KgramsMatchBruteForce) {
  PatternOptions options;
  options.max_kgram_length = 4;
  options.top_kgrams = 7;
  for (size_t n : {0, 1, 2, 3, 4, 5, 9, 10, 57, 1000, 20000}) {
    CheckKgramsAgainstBruteForce(RandomDigits(n, static_cast<uint32_t>(n)), options);
  }
  // Skewed digits: many repeats, ties broken by value.
  std::string skewed = RandomDigits(3000, 7);
  for (char& c : skewed) c = c < '7' ? '0' : c;
  CheckKgramsAgainstBruteForce(skewed, options);
  options.max_kgram_length = 6;
  options.top_kgrams = 3;
  CheckKgramsAgainstBruteForce(RandomDigits(5000, 11), options);
}

TEST(DigitAnalysisTest, LongestRunsMatchBruteForce) {
  std::string digits = RandomDigits(5000, 3);
  for (char& c : digits) c = c < '5' ? '1' : c;  // long runs of 1
  PatternAnalysis p;
  PatternOptions options;
  options.max_kgram_length = 1;
  ASSERT_TRUE(AnalyzePatterns(digits, options, &p).ok());
  for (int d = 0; d < 10; ++d) {
    uint64_t best = 0, start = 0;
    for (size_t i = 0; i < digits.size(); ++i) {
      size_t j = i;
      while (j < digits.size() && digits[j] == '0' + d) ++j;
      if (j - i > best) best = j - i, start = i + 1;
    }
    EXPECT_EQ(p.longest_runs[d].length, best) << d;
    EXPECT_EQ(p.longest_runs[d].start, start) << d;
  }
}

double PearsonBruteForce(const std::string& digits, int lag) {
  const size_t m = digits.size() - lag;
  double mx = 0, my = 0;
  for (size_t i = 0; i < m; ++i) {
    mx += digits[i] - '0';
    my += digits[i + lag] - '0';
  }
  mx /= m;
  my /= m;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < m; ++i) {
    const double x = digits[i] - '0' - mx, y = digits[i + lag] - '0' - my;
    sxy += x * y;
    sxx += x * x;
    syy += y * y;
  }
  return sxy / std::sqrt(sxx * syy);
}

TEST(DigitAnalysisTest, SerialCorrelationMatchesBruteForce) {
  PatternOptions options;
  options.max_kgram_length = 1;
  options.max_lag = 12;
  // Lengths around the 4096-digit blocks of the implementation.
  for (size_t n : {20, 4095, 4096, 4097, 4108, 50000}) {
    std::string digits = RandomDigits(n, static_cast<uint32_t>(n));
    // Some dependence, so that the correlations are not all near zero.
    for (size_t i = 3; i < n; i += 3) digits[i] = digits[i - 3];
    PatternAnalysis p;
    ASSERT_TRUE(AnalyzePatterns(digits, options, &p).ok());
    ASSERT_EQ(p.serial_correlation.size(), 12u);
    for (int lag = 1; lag <= 12; ++lag) {
      EXPECT_NEAR(p.serial_correlation[lag - 1], PearsonBruteForce(digits, lag), 1e-9)
          << "n = " << n << ", lag = " << lag;
    }
  }
}

TEST(DigitAnalysisTest, SerialCorrelationEdgeCases) {
  PatternOptions options;
  options.max_kgram_length = 1;
  options.max_lag = 3;
  PatternAnalysis p;
  // Alternating: anti-correlated at odd lags, perfectly correlated at even.
  ASSERT_TRUE(AnalyzePatterns("09090909090909", options, &p).ok());
  EXPECT_NEAR(p.serial_correlation[0], -1, 1e-12);
  EXPECT_NEAR(p.serial_correlation[1], 1, 1e-12);
  EXPECT_NEAR(p.serial_correlation[2], -1, 1e-12);
  // Constant: undefined.
  ASSERT_TRUE(AnalyzePatterns("5555555", options, &p).ok());
  for (double r : p.serial_correlation) EXPECT_TRUE(std::isnan(r));
  // Too short for two pairs at lags 2 and 3.
  ASSERT_TRUE(AnalyzePatterns("123", options, &p).ok());
  EXPECT_NEAR(p.serial_correlation[0], 1, 1e-12);  // (1,2), (2,3)
  EXPECT_TRUE(std::isnan(p.serial_correlation[1]));
  EXPECT_TRUE(std::isnan(p.serial_correlation[2]));
}

TEST(DigitAnalysisTest, PatternOptionsAreChecked) {
  PatternAnalysis p;
  PatternOptions options;
  options.max_kgram_length = 0;
  EXPECT_TRUE(AnalyzePatterns("1", options, &p).IsInvalidArgument());
  options.max_kgram_length = kMaxKgramLength + 1;
  EXPECT_TRUE(AnalyzePatterns("1", options, &p).IsInvalidArgument());
  options = PatternOptions();
  options.top_kgrams = -1;
  EXPECT_TRUE(AnalyzePatterns("1", options, &p).IsInvalidArgument());
  options = PatternOptions();
  options.max_lag = -1;
  EXPECT_TRUE(AnalyzePatterns("1", options, &p).IsInvalidArgument());
}

TEST(DigitAnalysisTest, KgramText) {
  EXPECT_EQ(KgramText(7, 3), "007");
  EXPECT_EQ(KgramText(0, 2), "00");
  EXPECT_EQ(KgramText(123456, 6), "123456");
}

TEST(DigitAnalysisTest, UniquenessScoreOfHandComputedCases) {
  UniquenessScore u;
  // "1415926535" at position 1, L = 10.
  //   counts 1:2 4:1 5:3 9:1 2:1 6:1 3:1, so
  //   H = 0.2·log2(5) + 0.3·log2(10/3) + 5·0.1·log2(10) = 2.646438... bits,
  //   E = H / log2(10) = 0.796658
  //   P = 1 / (1 + log10(2)) = 0.768622
  //   Lf = 10 / 20 = 0.5
  //   R: pairs 14 41 15 59 92 26 65 53 35, all 9 distinct, / min(9, 100) = 1
  //   score = 0.3·0.796658 + 0.3·0.768622 + 0.2·0.5 + 0.2·1 = 0.769584
  ASSERT_TRUE(ComputeUniquenessScore("1415926535", 1, &u).ok());
  const double h = 0.2 * std::log2(5.0) + 0.3 * std::log2(10.0 / 3) + 0.5 * std::log2(10.0);
  EXPECT_NEAR(u.entropy, h / std::log2(10.0), 1e-15);
  EXPECT_NEAR(u.entropy, 0.7966576, 1e-7);
  EXPECT_NEAR(u.position, 0.7686218, 1e-7);
  EXPECT_EQ(u.length, 0.5);
  EXPECT_EQ(u.variety, 1.0);
  EXPECT_NEAR(u.score, 0.7695838, 1e-7);

  // "0000" at position 999: E = 0 (one symbol); P = 1 / (1 + log10(1000)) =
  // 1/4; Lf = 4/20 = 0.2; R = 1 distinct pair (00) / min(3, 100) = 1/3;
  // score = 0 + 0.075 + 0.04 + 0.2/3 = 0.181667.
  ASSERT_TRUE(ComputeUniquenessScore("0000", 999, &u).ok());
  EXPECT_EQ(u.entropy, 0);
  EXPECT_DOUBLE_EQ(u.position, 0.25);
  EXPECT_DOUBLE_EQ(u.length, 0.2);
  EXPECT_DOUBLE_EQ(u.variety, 1.0 / 3);
  EXPECT_NEAR(u.score, 0.075 + 0.04 + 0.2 / 3, 1e-15);

  // "0123456789" four times (L = 40) at position 9: E = 1 (4 of each digit);
  // P = 1 / (1 + log10(10)) = 1/2; Lf = min(2, 1) = 1; R = 10 pairs (01..89
  // and 90) / min(39, 100) = 10/39; score = 0.3 + 0.15 + 0.2 + 2/39 = 0.701282.
  std::string cycle;
  for (int i = 0; i < 4; ++i) cycle += "0123456789";
  ASSERT_TRUE(ComputeUniquenessScore(cycle, 9, &u).ok());
  EXPECT_NEAR(u.entropy, 1, 1e-15);
  EXPECT_DOUBLE_EQ(u.position, 0.5);
  EXPECT_EQ(u.length, 1);
  EXPECT_DOUBLE_EQ(u.variety, 10.0 / 39);
  EXPECT_NEAR(u.score, 0.65 + 2.0 / 39, 1e-15);

  // "00" "01" ... "99" (L = 200) at position 1: 20 of each digit, E = 1;
  // all 100 pairs occur (at even offsets), R = 100 / min(199, 100) = 1;
  // Lf = 1; score = 0.3 + 0.3·0.768622 + 0.2 + 0.2 = 0.930587.
  std::string all_pairs;
  for (int i = 0; i < 100; ++i) all_pairs += KgramText(i, 2);
  ASSERT_TRUE(ComputeUniquenessScore(all_pairs, 1, &u).ok());
  EXPECT_DOUBLE_EQ(u.variety, 1);
  EXPECT_NEAR(u.score, 0.9305865, 1e-7);

  // L = 1: "7" at position 0: E = 0, P = 1 / (1 + log10(1)) = 1, Lf = 1/20,
  // R = 0 by definition (no pair); score = 0.3 + 0.01 = 0.31.
  ASSERT_TRUE(ComputeUniquenessScore("7", 0, &u).ok());
  EXPECT_EQ(u.entropy, 0);
  EXPECT_EQ(u.position, 1);
  EXPECT_EQ(u.variety, 0);
  EXPECT_NEAR(u.score, 0.31, 1e-15);

  EXPECT_TRUE(ComputeUniquenessScore("", 1, &u).IsInvalidArgument());
  // The largest position does not overflow: log10(2^64) = 19.27.
  ASSERT_TRUE(ComputeUniquenessScore("12", UINT64_MAX, &u).ok());
  EXPECT_NEAR(u.position, 1 / (1 + 64 * std::log10(2.0)), 1e-12);
}

TEST(DigitAnalysisTest, JsonHasTheSpecShape) {
  DigitDistribution distribution;
  PatternAnalysis patterns;
  PatternOptions options;
  options.max_kgram_length = 3;
  options.top_kgrams = 2;
  options.max_lag = 2;
  ASSERT_TRUE(AnalyzeDigitDistribution(kPi1000, &distribution).ok());
  ASSERT_TRUE(AnalyzePatterns(kPi1000, options, &patterns).ok());
  const std::string json = MathematicalPropertiesJson(distribution, patterns);
  EXPECT_EQ(json.find(' '), std::string::npos) << "not compact";
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  ASSERT_FALSE(doc.HasParseError()) << json;
  const auto& dist = doc["digit_distribution"];
  EXPECT_EQ(dist["total"].GetUint64(), 1000u);
  EXPECT_EQ(dist["counts"][1].GetUint64(), 116u);
  EXPECT_NEAR(dist["chi_square"].GetDouble(), 4.74, 1e-12);
  EXPECT_NEAR(dist["p_value"].GetDouble(), distribution.p_value, 1e-15);
  const auto& pat = doc["pattern_analysis"];
  ASSERT_EQ(pat["longest_runs"].Size(), 10u);
  EXPECT_EQ(pat["longest_runs"][9]["length"].GetUint64(), 6u);
  EXPECT_EQ(pat["longest_runs"][9]["position"].GetUint64(), 762u);
  ASSERT_EQ(pat["kgrams"].Size(), 3u);
  EXPECT_EQ(pat["kgrams"][0]["first_positions"].Size(), 10u);
  EXPECT_EQ(pat["kgrams"][1]["first_positions"].Size(), 100u);
  EXPECT_FALSE(pat["kgrams"][2].HasMember("first_positions"));
  EXPECT_EQ(pat["kgrams"][1]["all_occurred_by"].GetUint64(), 606u);
  EXPECT_TRUE(pat["kgrams"][2]["all_occurred_by"].IsNull());
  EXPECT_STREQ(pat["kgrams"][1]["most_frequent"][0]["kgram"].GetString(), "17");
  EXPECT_EQ(pat["kgrams"][1]["most_frequent"][0]["count"].GetUint64(), 18u);
  ASSERT_EQ(pat["serial_correlation"].Size(), 2u);
  EXPECT_NEAR(pat["serial_correlation"][0].GetDouble(), patterns.serial_correlation[0], 1e-15);

  // An undefined correlation is null, not NaN (which is not JSON).
  ASSERT_TRUE(AnalyzePatterns("0000", options, &patterns).ok());
  ASSERT_TRUE(AnalyzeDigitDistribution("0000", &distribution).ok());
  doc.Parse(MathematicalPropertiesJson(distribution, patterns).c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_TRUE(doc["pattern_analysis"]["serial_correlation"][0].IsNull());
  EXPECT_STREQ(doc["pattern_analysis"]["kgrams"][2]["most_frequent"][0]["kgram"].GetString(),
               "000");
}

// Not a check: run with --gtest_also_run_disabled_tests to print how long the
// analyses take on 10^7 random digits (the figure quoted in reviews).
}  // namespace
}  // namespace spirapi::pi
