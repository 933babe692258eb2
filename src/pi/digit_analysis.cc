#include "pi/digit_analysis.h"

#include <algorithm>
#include <bitset>
#include <cmath>
#include <limits>

namespace spirapi::pi {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

uint32_t PowerOfTen(int k) {
  uint32_t p = 1;
  for (int i = 0; i < k; ++i) p *= 10;
  return p;
}

// log Γ(a). Not std::lgamma: glibc's writes the global signgam, a data race
// when two threads compute p-values at once.
double LogGamma(double a) {
  int sign;
  return lgamma_r(a, &sign);
}

// Q(a, x) for x >= a + 1, by its continued fraction (modified Lentz):
//   Q = e^-x x^a / Γ(a) · 1/(x+1-a- 1(1-a)/(x+3-a- 2(2-a)/(x+5-a- ...)))
// which converges quickly there.
double UpperGammaContinuedFraction(double a, double x) {
  constexpr double kTiny = 1e-300;
  double b = x + 1 - a;
  double c = 1 / kTiny;
  double d = 1 / b;
  double h = d;
  for (int i = 1; i < 1000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < 1e-16) break;
  }
  return std::exp(-x + a * std::log(x) - LogGamma(a)) * h;
}

// P(a, x) = 1 - Q(a, x) for x < a + 1, by its power series
//   P = e^-x x^a / Γ(a+1) · Σ_n x^n / ((a+1)(a+2)...(a+n)),
// whose terms shrink at least geometrically there.
double LowerGammaSeries(double a, double x) {
  double term = 1 / a;
  double sum = term;
  double ap = a;
  for (int n = 1; n < 1000; ++n) {
    ap += 1;
    term *= x / ap;
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * 1e-17) break;
  }
  return sum * std::exp(-x + a * std::log(x) - LogGamma(a));
}

void FindLongestRuns(std::string_view digits, std::array<DigitRun, 10>* runs) {
  size_t i = 0;
  while (i < digits.size()) {
    size_t j = i + 1;
    while (j < digits.size() && digits[j] == digits[i]) ++j;
    DigitRun& best = (*runs)[digits[i] - '0'];
    if (j - i > best.length) best = {j - i, i + 1};  // strictly longer: earliest wins
    i = j;
  }
}

// Occurrence count and first position of one k-gram; kept together so that
// the counting pass touches one cache line per digit.
struct KgramCell {
  uint64_t count = 0;
  uint64_t first = 0;
};

// Counts the k-grams of the largest k in one pass; every shorter k-gram
// occurrence is the prefix of a longer one, except the one ending the input.
std::vector<KgramCell> CountKgrams(std::string_view digits, int k) {
  std::vector<KgramCell> cells(PowerOfTen(k));
  if (digits.size() < static_cast<size_t>(k)) return cells;
  const uint32_t lead_weight = PowerOfTen(k - 1);
  uint32_t suffix = 0;  // the k-1 digits before i, as a number
  for (int i = 0; i < k - 1; ++i) suffix = suffix * 10 + (digits[i] - '0');
  for (size_t i = k - 1; i < digits.size(); ++i) {
    const uint32_t kgram = suffix * 10 + (digits[i] - '0');
    KgramCell& cell = cells[kgram];
    if (cell.count++ == 0) cell.first = i - k + 2;
    suffix = kgram - (digits[i + 1 - k] - '0') * lead_weight;
  }
  return cells;
}

// The (k-1)-gram cells from the k-gram cells: sum over the ten extensions,
// plus the (k-1)-gram that ends the input, which has none.
std::vector<KgramCell> ShortenKgrams(std::string_view digits, int k,
                                     const std::vector<KgramCell>& longer) {
  std::vector<KgramCell> cells(PowerOfTen(k - 1));
  for (size_t g = 0; g < cells.size(); ++g) {
    KgramCell& cell = cells[g];
    for (size_t d = 0; d < 10; ++d) {
      const KgramCell& ext = longer[g * 10 + d];
      if (ext.count == 0) continue;
      cell.count += ext.count;
      if (cell.first == 0 || ext.first < cell.first) cell.first = ext.first;
    }
  }
  const size_t n = digits.size();
  if (n >= static_cast<size_t>(k - 1)) {
    uint32_t last = 0;
    for (size_t i = n - (k - 1); i < n; ++i) last = last * 10 + (digits[i] - '0');
    KgramCell& cell = cells[last];
    if (cell.count++ == 0) cell.first = n - (k - 1) + 1;
  }
  return cells;
}

// True if a should be listed before b: higher count, then smaller k-gram.
bool MoreFrequent(const KgramCount& a, const KgramCount& b) {
  return a.count != b.count ? a.count > b.count : a.kgram < b.kgram;
}

KgramStats SummarizeKgrams(int k, const std::vector<KgramCell>& cells, int top) {
  KgramStats stats;
  stats.k = k;
  stats.first_position.resize(cells.size());
  uint64_t completed_by = 0;
  // A heap of the best `top` repeated k-grams so far, the worst on top.
  std::vector<KgramCount> heap;
  for (size_t g = 0; g < cells.size(); ++g) {
    const KgramCell& cell = cells[g];
    stats.first_position[g] = cell.first;
    if (cell.count == 0) continue;
    ++stats.distinct;
    completed_by = std::max(completed_by, cell.first + k - 1);
    if (cell.count < 2 || top == 0) continue;
    const KgramCount entry{static_cast<uint32_t>(g), cell.count};
    if (heap.size() < static_cast<size_t>(top)) {
      heap.push_back(entry);
      std::push_heap(heap.begin(), heap.end(), MoreFrequent);
    } else if (MoreFrequent(entry, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), MoreFrequent);
      heap.back() = entry;
      std::push_heap(heap.begin(), heap.end(), MoreFrequent);
    }
  }
  std::sort_heap(heap.begin(), heap.end(), MoreFrequent);
  stats.most_frequent = std::move(heap);
  stats.all_occurred = stats.distinct == cells.size();
  if (stats.all_occurred) stats.all_occurred_by = completed_by;
  return stats;
}

// Σ d[i]·d[i+lag] for i + lag < n. Blocks of a fixed length, so that the
// compiler can vectorize the inner loop and its 32-bit sums cannot overflow
// (4096 · 81 < 2^32); each block is reused from cache for every lag.
void SumLaggedProducts(std::string_view digits, int max_lag, std::vector<uint64_t>* sums) {
  constexpr size_t kBlock = 4096;
  const auto* d = reinterpret_cast<const uint8_t*>(digits.data());
  const size_t n = digits.size();
  sums->assign(max_lag + 1, 0);
  for (size_t begin = 0; begin < n; begin += kBlock) {
    for (int lag = 1; lag <= max_lag; ++lag) {
      if (begin + lag >= n) break;
      const size_t end = std::min(begin + kBlock, n - lag);
      uint32_t sum = 0;
      if (end - begin == kBlock) {
        for (size_t i = 0; i < kBlock; ++i) {
          sum += static_cast<uint32_t>((d[begin + i] - '0') * (d[begin + i + lag] - '0'));
        }
      } else {
        for (size_t i = begin; i < end; ++i) {
          sum += static_cast<uint32_t>((d[i] - '0') * (d[i + lag] - '0'));
        }
      }
      (*sums)[lag] += sum;
    }
  }
}

std::vector<double> SerialCorrelation(std::string_view digits, int max_lag) {
  std::vector<uint64_t> products;
  SumLaggedProducts(digits, max_lag, &products);
  int64_t sum = 0;
  int64_t sum_squares = 0;
  for (char c : digits) {
    sum += c - '0';
    sum_squares += (c - '0') * (c - '0');
  }
  std::vector<double> result(max_lag, kNaN);
  const int64_t n = static_cast<int64_t>(digits.size());
  for (int lag = 1; lag <= max_lag && lag < n - 1; ++lag) {
    // x = d[0 .. n-lag), y = d[lag .. n): the totals less `lag` digits.
    int64_t sx = sum, sxx = sum_squares, sy = sum, syy = sum_squares;
    for (int j = 0; j < lag; ++j) {
      const int64_t tail = digits[n - 1 - j] - '0';
      const int64_t head = digits[j] - '0';
      sx -= tail;
      sxx -= tail * tail;
      sy -= head;
      syy -= head * head;
    }
    // Exact in 128 bits: m·Σxy reaches 10^19 near n = 10^9 digits.
    const __int128 m = n - lag;
    const __int128 covariance = m * static_cast<__int128>(products[lag]) -
                                static_cast<__int128>(sx) * sy;
    const __int128 var_x = m * sxx - static_cast<__int128>(sx) * sx;
    const __int128 var_y = m * syy - static_cast<__int128>(sy) * sy;
    if (var_x == 0 || var_y == 0) continue;  // a constant series
    result[lag - 1] = static_cast<double>(covariance) /
                      (std::sqrt(static_cast<double>(var_x)) *
                       std::sqrt(static_cast<double>(var_y)));
  }
  return result;
}

}  // namespace

Status ValidateDecimalDigits(std::string_view digits) {
  // Branch-free over blocks: the common case is a long, valid input.
  constexpr size_t kBlock = 64;
  const auto* d = reinterpret_cast<const uint8_t*>(digits.data());
  size_t i = 0;
  for (; i + kBlock <= digits.size(); i += kBlock) {
    uint8_t bad = 0;
    for (size_t j = 0; j < kBlock; ++j) bad |= static_cast<uint8_t>(d[i + j] - '0') > 9;
    if (bad != 0) break;
  }
  for (; i < digits.size(); ++i) {
    if (static_cast<uint8_t>(d[i] - '0') > 9) {
      const uint8_t c = d[i];
      std::string shown = c >= 0x20 && c < 0x7f ? "'" + std::string(1, static_cast<char>(c)) + "'"
                                                 : "byte " + std::to_string(c);
      return Status::InvalidArgument("not a decimal digit at offset " + std::to_string(i) +
                                     ": " + shown);
    }
  }
  return Status::OK();
}

double RegularizedUpperGamma(double a, double x) {
  if (!(a > 0) || !(x >= 0)) return kNaN;
  if (x == 0) return 1;
  if (std::isinf(x)) return 0;
  if (x < a + 1) return 1 - LowerGammaSeries(a, x);
  return UpperGammaContinuedFraction(a, x);
}

double ChiSquareUpperTail(double chi_square, int degrees) {
  return RegularizedUpperGamma(degrees / 2.0, chi_square / 2);
}

Status AnalyzeDigitDistribution(std::string_view digits, DigitDistribution* out) {
  Status s = ValidateDecimalDigits(digits);
  if (!s.ok()) return s;
  *out = DigitDistribution();
  // Four tables, so that runs of one digit do not serialize on one counter.
  uint64_t counts[4][10] = {};
  const auto* d = reinterpret_cast<const uint8_t*>(digits.data());
  const size_t n = digits.size();
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    ++counts[0][d[i] - '0'];
    ++counts[1][d[i + 1] - '0'];
    ++counts[2][d[i + 2] - '0'];
    ++counts[3][d[i + 3] - '0'];
  }
  for (; i < n; ++i) ++counts[0][d[i] - '0'];
  for (int digit = 0; digit < 10; ++digit) {
    out->counts[digit] = counts[0][digit] + counts[1][digit] + counts[2][digit] + counts[3][digit];
  }
  out->total = n;
  if (n == 0) return Status::OK();
  const double expected = static_cast<double>(n) / 10;
  double chi_square = 0;
  for (uint64_t count : out->counts) {
    const double deviation = static_cast<double>(count) - expected;
    chi_square += deviation * deviation / expected;
  }
  out->chi_square = chi_square;
  out->p_value = ChiSquareUpperTail(chi_square, 9);
  return Status::OK();
}

Status AnalyzePatterns(std::string_view digits, const PatternOptions& options,
                       PatternAnalysis* out) {
  if (options.max_kgram_length < 1 || options.max_kgram_length > kMaxKgramLength) {
    return Status::InvalidArgument("max_kgram_length must be 1.." +
                                   std::to_string(kMaxKgramLength));
  }
  if (options.top_kgrams < 0) return Status::InvalidArgument("top_kgrams must be >= 0");
  // Each lag costs a pass over the digits; hundreds is already generous.
  if (options.max_lag < 0 || options.max_lag > 1000) {
    return Status::InvalidArgument("max_lag must be 0..1000");
  }
  Status s = ValidateDecimalDigits(digits);
  if (!s.ok()) return s;
  *out = PatternAnalysis();
  FindLongestRuns(digits, &out->longest_runs);

  const int max_k = options.max_kgram_length;
  out->kgrams.resize(max_k);
  std::vector<KgramCell> cells = CountKgrams(digits, max_k);
  for (int k = max_k; k >= 1; --k) {
    out->kgrams[k - 1] = SummarizeKgrams(k, cells, options.top_kgrams);
    if (k > 1) cells = ShortenKgrams(digits, k, cells);
  }
  out->serial_correlation = SerialCorrelation(digits, options.max_lag);
  return Status::OK();
}

std::string KgramText(uint32_t kgram, int k) {
  std::string text(k, '0');
  for (int i = k - 1; i >= 0 && kgram > 0; --i, kgram /= 10) text[i] = '0' + kgram % 10;
  return text;
}

Status ComputeUniquenessScore(std::string_view digits, uint64_t position,
                              UniquenessScore* out) {
  if (digits.empty()) return Status::InvalidArgument("uniqueness score of an empty sequence");
  Status s = ValidateDecimalDigits(digits);
  if (!s.ok()) return s;
  uint64_t counts[10] = {};
  std::bitset<100> pairs;
  for (size_t i = 0; i < digits.size(); ++i) {
    ++counts[digits[i] - '0'];
    if (i > 0) pairs.set((digits[i - 1] - '0') * 10 + (digits[i] - '0'));
  }
  const double length = static_cast<double>(digits.size());
  double entropy_bits = 0;
  for (uint64_t count : counts) {
    if (count == 0) continue;
    const double share = static_cast<double>(count) / length;
    entropy_bits -= share * std::log2(share);
  }
  UniquenessScore score;
  score.entropy = entropy_bits / std::log2(10.0);
  score.position = 1 / (1 + std::log10(static_cast<double>(position) + 1));
  score.length = std::min(length / 20, 1.0);
  const size_t possible_pairs = std::min<size_t>(digits.size() - 1, 100);
  score.variety = possible_pairs == 0 ? 0
                                      : static_cast<double>(pairs.count()) /
                                            static_cast<double>(possible_pairs);
  score.score = 0.3 * score.entropy + 0.3 * score.position + 0.2 * score.length +
                0.2 * score.variety;
  *out = score;
  return Status::OK();
}

}  // namespace spirapi::pi
