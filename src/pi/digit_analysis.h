// Statistics of a string of decimal digits: the digit distribution with a
// chi-square test of uniformity, runs, k-gram coverage and frequencies,
// serial correlation, the uniqueness score of a subsequence, and the compact
// JSON of the "mathematical_properties" a stored sequence carries.
//
// Digits are a std::string_view of the characters '0'..'9' (no "3." prefix).
// Position p is 1-based: position 1 is the first character of the view, so
// for the digits of π after "3." position p is the p-th decimal. Offsets in
// error messages are 0-based byte offsets into the view.
//
// Every function reads its input once or a few times, linearly; none keeps
// per-digit state. Nothing here touches storage.
//
// Thread safety: all functions are pure; distinct outputs may be computed
// from different threads at once.

#ifndef SPIRAPI_PI_DIGIT_ANALYSIS_H_
#define SPIRAPI_PI_DIGIT_ANALYSIS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "spirapi/status.h"

namespace spirapi::pi {

// OK if every character is '0'..'9', else InvalidArgument naming the offset
// and the character of the first one that is not.
Status ValidateDecimalDigits(std::string_view digits);

// The regularized upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a),
// for a > 0 and x >= 0 (NaN otherwise): a power series below x = a + 1, a
// continued fraction above. Absolute error below 1e-12 where tested (a up to
// 12.5, i.e. chi-square up to 25 degrees of freedom).
double RegularizedUpperGamma(double a, double x);

// P(X >= chi_square) for X chi-square distributed with `degrees` degrees of
// freedom: Q(degrees / 2, chi_square / 2).
double ChiSquareUpperTail(double chi_square, int degrees);

struct DigitDistribution {
  uint64_t total = 0;
  std::array<uint64_t, 10> counts{};  // counts[d]: occurrences of digit d
  // Σ (count - total/10)² / (total/10); 0 for an empty input.
  double chi_square = 0;
  // Upper tail of chi-square with 9 degrees of freedom at chi_square: the
  // probability that uniform random digits deviate at least this much.
  double p_value = 1;
};

Status AnalyzeDigitDistribution(std::string_view digits, DigitDistribution* out);

// k-grams (substrings of k digits) are identified by their value read as a
// decimal number, so "007" is 7 when k = 3; KgramText renders them back.
inline constexpr int kMaxKgramLength = 6;  // 10^6 counters: a few MiB

struct PatternOptions {
  int max_kgram_length = 4;  // K: k-grams for k = 1..K, at most kMaxKgramLength
  int top_kgrams = 10;       // N: most frequent k-grams reported per k
  int max_lag = 10;          // L: serial correlation at lags 1..L
};

struct DigitRun {
  uint64_t length = 0;  // 0 if the digit does not occur
  uint64_t start = 0;   // position of the first digit of the earliest longest run
};

struct KgramCount {
  uint32_t kgram = 0;
  uint64_t count = 0;
};

struct KgramStats {
  int k = 0;
  // first_position[g]: position of the first digit of the first occurrence
  // of k-gram g, 0 if it never occurs. Size 10^k.
  std::vector<uint64_t> first_position;
  uint64_t distinct = 0;  // how many of the 10^k k-grams occur
  // When all 10^k occur: the position of the last digit of the k-gram that
  // completed the set, i.e. the shortest prefix containing every k-gram.
  bool all_occurred = false;
  uint64_t all_occurred_by = 0;
  // The N most frequent k-grams, by count descending then value ascending.
  std::vector<KgramCount> most_frequent;
};

struct PatternAnalysis {
  std::array<DigitRun, 10> longest_runs{};
  std::vector<KgramStats> kgrams;  // kgrams[k - 1] for k = 1..K
  // serial_correlation[lag - 1]: Pearson correlation of d[i] and d[i + lag]
  // over all i with both in range. NaN when undefined (fewer than two pairs
  // or a constant series).
  std::vector<double> serial_correlation;
};

// InvalidArgument for a bad digit or options out of range.
Status AnalyzePatterns(std::string_view digits, const PatternOptions& options,
                       PatternAnalysis* out);

// The k-gram as k characters, leading zeros kept.
std::string KgramText(uint32_t kgram, int k);

// The uniqueness score of `digits` (length L >= 1) taken at `position`, and
// its parts: score = 0.3 E + 0.3 P + 0.2 Lf + 0.2 R, each part in [0, 1].
struct UniquenessScore {
  double entropy = 0;   // E: Shannon entropy of the digit counts / log2(10)
  double position = 0;  // P: 1 / (1 + log10(position + 1)); early digits weigh more
  double length = 0;    // Lf: min(L / 20, 1)
  // R: distinct 2-digit substrings / min(L - 1, 100), the share of the
  // possible pairs that occur. For L = 1 there is no pair and R is 0: a
  // single digit shows no variety (and E is 0 for the same reason).
  double variety = 0;
  double score = 0;
};

// InvalidArgument for an empty or non-digit input.
Status ComputeUniquenessScore(std::string_view digits, uint64_t position,
                              UniquenessScore* out);

// The compact JSON object
//   {"digit_distribution":{...},"pattern_analysis":{...}}
// meant as the "mathematical_properties" member of a stored sequence. First
// positions are listed for k <= 2 only (10^k numbers); larger k report how
// many k-grams occurred and where the set was completed. An undefined
// correlation is null.
std::string MathematicalPropertiesJson(const DigitDistribution& distribution,
                                       const PatternAnalysis& patterns);

}  // namespace spirapi::pi

#endif  // SPIRAPI_PI_DIGIT_ANALYSIS_H_
