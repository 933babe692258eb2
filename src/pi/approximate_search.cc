#include "pi/approximate_search.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace spirapi::pi {

namespace {

// Costs in nanoseconds, measured on 10^8 digits (see the header).
constexpr double kLookupLongNs = 800;   // a piece longer than the bucket prefix
constexpr double kLookupShortNs = 200;  // a piece answered by the bucket table
constexpr double kVerifyNs = 30;        // one candidate window, prefetched
constexpr double kScanNs = 1.5;         // one window of the scan
// Plans needing more variants than this per piece are never the cheapest.
constexpr double kMaxVariants = 1e6;

struct Piece {
  size_t offset = 0;
  size_t length = 0;
};

// s pieces covering the pattern, the first m mod s one digit longer.
std::vector<Piece> SplitPattern(size_t m, int s) {
  std::vector<Piece> pieces;
  size_t offset = 0;
  for (int j = 0; j < s; ++j) {
    const size_t length = m / s + (static_cast<size_t>(j) < m % s ? 1 : 0);
    pieces.push_back({offset, length});
    offset += length;
  }
  return pieces;
}

// Strings of `length` digits within Hamming distance e of a given one.
double VariantCount(size_t length, int e) {
  double total = 0, choose = 1, nines = 1;
  for (int i = 0; i <= e && static_cast<size_t>(i) <= length; ++i) {
    total += choose * nines;
    choose = choose * static_cast<double>(length - i) / (i + 1);
    nines *= 9;
  }
  return total;
}

struct Plan {
  int pieces = 0;
  int e = 0;
  double cost = INFINITY;
};

Plan ChoosePlan(size_t m, int d, uint64_t n, int bucket_digits) {
  Plan best;
  for (int s = 1; s <= d + 1 && static_cast<size_t>(s) <= m; ++s) {
    Plan plan{s, d / s, 0};
    for (const Piece& p : SplitPattern(m, s)) {
      const double variants = VariantCount(p.length, plan.e);
      if (variants > kMaxVariants) plan.cost = INFINITY;
      const double lookup =
          p.length <= static_cast<size_t>(bucket_digits) ? kLookupShortNs : kLookupLongNs;
      const double expected = static_cast<double>(n) * std::pow(10.0, -static_cast<double>(p.length));
      plan.cost += variants * (lookup + expected * kVerifyNs);
    }
    if (plan.cost < best.cost) best = plan;
  }
  return best;
}

// Calls fn(variant) for every string within distance e of *s that differs
// from it only at positions >= from; *s is restored on return.
template <typename Fn>
void ForEachVariant(std::string* s, size_t from, int e, Fn& fn) {
  fn(static_cast<const std::string&>(*s));
  if (e == 0) return;
  for (size_t i = from; i < s->size(); ++i) {
    const char original = (*s)[i];
    for (char c = '0'; c <= '9'; ++c) {
      if (c == original) continue;
      (*s)[i] = c;
      ForEachVariant(s, i + 1, e - 1, fn);
    }
    (*s)[i] = original;
  }
}

int Hamming(const char* a, const char* b, size_t n) {
  int mismatches = 0;
  for (size_t i = 0; i < n; ++i) mismatches += a[i] != b[i];
  return mismatches;
}

// Collects matches of the scan: counts all, keeps the first `limit`.
struct Sink {
  uint64_t limit;
  std::vector<ApproximateMatch>* out;
  uint64_t total = 0;
  void Add(uint64_t offset, int mismatches) {
    if (total++ < limit) out->push_back({offset, mismatches});
  }
};

// Every window, D = max_mismatches as a template parameter so that the test
// "at most D bits set" is D clear-lowest-bit steps rather than a popcount.
template <int D>
void ScanWindows(std::string_view digits, std::string_view pattern, Sink* sink) {
  const size_t m = pattern.size();
  const uint64_t n = digits.size();
  const uint64_t last = n - m;  // the last window start; m <= n
  const char* t = digits.data();
  uint64_t w = 0;
#if defined(__SSE2__)
  alignas(16) char pat[32] = {};
  std::memcpy(pat, pattern.data(), m);
  const __m128i p0 = _mm_load_si128(reinterpret_cast<const __m128i*>(pat));
  const __m128i p1 = _mm_load_si128(reinterpret_cast<const __m128i*>(pat + 16));
  const uint32_t mask = m == 32 ? ~uint32_t{0} : (uint32_t{1} << m) - 1;
  const uint64_t reach = m <= 16 ? 16 : 32;  // bytes each step loads
  for (; w <= last && w + reach <= n; ++w) {
    uint32_t equal = static_cast<uint32_t>(_mm_movemask_epi8(
        _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(t + w)), p0)));
    if (reach == 32) {
      equal |= static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(
                   _mm_loadu_si128(reinterpret_cast<const __m128i*>(t + w + 16)), p1)))
               << 16;
    }
    const uint32_t differ = ~equal & mask;
    uint32_t x = differ;
    for (int i = 0; i < D; ++i) x &= x - 1;
    if (x == 0) sink->Add(w, std::popcount(differ));
  }
#endif
  for (; w <= last; ++w) {
    const int mismatches = Hamming(t + w, pattern.data(), m);
    if (mismatches <= D) sink->Add(w, mismatches);
  }
}

void Scan(std::string_view digits, std::string_view pattern, int d, Sink* sink) {
  switch (d) {
    case 0:
      return ScanWindows<0>(digits, pattern, sink);
    case 1:
      return ScanWindows<1>(digits, pattern, sink);
    case 2:
      return ScanWindows<2>(digits, pattern, sink);
    default:
      return ScanWindows<3>(digits, pattern, sink);
  }
}

}  // namespace

Status FindApproximate(const PatternIndex& index, std::string_view digits,
                       std::string_view pattern, int max_mismatches, uint64_t limit,
                       std::vector<ApproximateMatch>* out, uint64_t* total) {
  return FindApproximate(index, digits, pattern, max_mismatches, limit,
                         ApproximateSearchOptions(), out, total, nullptr);
}

Status FindApproximate(const PatternIndex& index, std::string_view digits,
                       std::string_view pattern, int max_mismatches, uint64_t limit,
                       const ApproximateSearchOptions& options,
                       std::vector<ApproximateMatch>* out, uint64_t* total,
                       ApproximateSearchInfo* info) {
  Status s = ValidatePattern(pattern);
  if (!s.ok()) return s;
  if (pattern.size() > kMaxApproximatePatternDigits) {
    return Status::InvalidArgument("approximate search: pattern has " +
                                   std::to_string(pattern.size()) + " digits, more than the " +
                                   std::to_string(kMaxApproximatePatternDigits) + " allowed");
  }
  if (max_mismatches < 0 || max_mismatches > kMaxMismatches) {
    return Status::InvalidArgument("approximate search: max_mismatches " +
                                   std::to_string(max_mismatches) + " is not in 0.." +
                                   std::to_string(kMaxMismatches));
  }
  if (index.size() != digits.size()) {
    return Status::InvalidArgument("approximate search: the index covers " +
                                   std::to_string(index.size()) + " digits, the text has " +
                                   std::to_string(digits.size()));
  }
  ApproximateSearchInfo local;
  if (info == nullptr) info = &local;
  *info = ApproximateSearchInfo();
  out->clear();
  if (total != nullptr) *total = 0;
  const size_t m = pattern.size();
  const uint64_t n = digits.size();
  if (m > n) return Status::OK();

  const int d = max_mismatches;
  const double scan_cost = static_cast<double>(n) * kScanNs;
  const Plan plan = ChoosePlan(m, d, n, index.bucket_digits());
  using Method = ApproximateSearchOptions::Method;
  bool scan = options.method == Method::kScan || plan.pieces == 0 ||
              (options.method == Method::kAuto && plan.cost > scan_cost);

  // The lookups: the suffix-array range of every variant of every piece.
  struct Lookup {
    PatternIndex::SuffixRange range;
    int piece;
  };
  std::vector<Lookup> lookups;
  const std::vector<Piece> pieces = scan ? std::vector<Piece>() : SplitPattern(m, plan.pieces);
  if (!scan) {
    info->pieces = plan.pieces;
    info->piece_mismatches = plan.e;
    double cost = 0;
    uint64_t candidates = 0;
    for (int j = 0; j < plan.pieces; ++j) {
      const Piece& p = pieces[j];
      std::string variant(pattern.substr(p.offset, p.length));
      const double lookup_cost =
          p.length <= static_cast<size_t>(index.bucket_digits()) ? kLookupShortNs : kLookupLongNs;
      auto add = [&](const std::string& v) {
        const PatternIndex::SuffixRange r = index.Find(v);
        cost += lookup_cost + static_cast<double>(r.size()) * kVerifyNs;
        candidates += r.size();
        if (r.size() > 0) lookups.push_back({r, j});
        ++info->lookups;
      };
      ForEachVariant(&variant, 0, plan.e, add);
    }
    // The plan was chosen on what random digits would give; the real
    // counts decide (a text with long repeats can have far more candidates).
    if (options.method == Method::kAuto && cost > scan_cost) {
      scan = true;
      lookups.clear();
    }
    info->candidates = candidates;
  }
  if (scan) {
    *info = ApproximateSearchInfo();
    info->scanned = true;
    Sink sink{limit, out};
    Scan(digits, pattern, d, &sink);
    if (total != nullptr) *total = sink.total;
    return Status::OK();
  }

  // Candidates as window start * 4 + piece (at most 4 pieces), gathered
  // first so that verification can prefetch the windows ahead.
  std::vector<uint64_t> candidates;
  candidates.reserve(info->candidates);
  for (const Lookup& l : lookups) {
    const Piece& p = pieces[l.piece];
    for (uint64_t r = l.range.begin; r < l.range.end; ++r) {
      const uint64_t occurrence = index.SuffixAt(r);
      if (occurrence < p.offset || occurrence - p.offset > n - m) continue;
      candidates.push_back((occurrence - p.offset) * 4 + static_cast<uint64_t>(l.piece));
    }
  }
  std::vector<ApproximateMatch> matches;
  constexpr size_t kPrefetchAhead = 8;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (i + kPrefetchAhead < candidates.size()) {
      __builtin_prefetch(digits.data() + (candidates[i + kPrefetchAhead] >> 2));
    }
    const uint64_t w = candidates[i] >> 2;
    const int piece = static_cast<int>(candidates[i] & 3);
    // Reported only by the first piece within e of the window.
    int mismatches = 0, owner = -1;
    for (int j = 0; j < plan.pieces; ++j) {
      const Piece& p = pieces[j];
      const int x = Hamming(digits.data() + w + p.offset, pattern.data() + p.offset, p.length);
      if (owner < 0 && x <= plan.e) owner = j;
      mismatches += x;
    }
    if (mismatches <= d && owner == piece) matches.push_back({w, mismatches});
  }
  if (total != nullptr) *total = matches.size();
  const auto by_offset = [](const ApproximateMatch& a, const ApproximateMatch& b) {
    return a.offset < b.offset;
  };
  // Select the first `keep` by offset, then sort only those (partial_sort
  // is a heap sort: several times slower when most are kept).
  const size_t keep = static_cast<size_t>(std::min<uint64_t>(limit, matches.size()));
  const auto middle = matches.begin() + static_cast<ptrdiff_t>(keep);
  if (keep < matches.size()) std::nth_element(matches.begin(), middle, matches.end(), by_offset);
  std::sort(matches.begin(), middle, by_offset);
  matches.resize(keep);
  *out = std::move(matches);
  return Status::OK();
}

}  // namespace spirapi::pi
