// Approximate search: the windows of a digit string that differ from a
// pattern in at most d positions (Hamming distance; no insertions or
// deletions), found through a PatternIndex.
//
// Method. Split the pattern into s pieces. A window within distance d has,
// by pigeonhole, a piece with at most e = floor(d / s) mismatches. So every
// string within distance e of a piece (its "variants") is looked up in the
// index; each occurrence names a candidate window, which is verified.
// s = d + 1 gives e = 0 (exact pieces, one lookup each); fewer, longer pieces
// with e = 1 trade more lookups for far fewer candidates, which wins for
// short patterns: 12 digits with d = 3 as 2 pieces of 6 with one mismatch
// each is 110 lookups and ~11,000 candidates in 10^8 digits, against 4 exact
// pieces of 3 and ~400,000 candidates. Each plan's cost is estimated from
// the expected occurrences of a piece in random digits, and the cheapest is
// taken; a window is reported only by the first piece within e of it, so no
// window comes twice.
//
// Crossover. When the lookups and candidates of the best plan would cost
// more than reading every window (the candidates are counted in the index
// before any is verified, so a text that is not random is handled too), the
// digits are scanned instead, comparing 16 or 32 digits at a time (SSE2).
// The model's costs, measured on 10^8 digits of π on the project's 2-core
// VM: ~0.8 µs per lookup of a piece longer than the index's bucket prefix
// (two binary searches), ~0.2 µs for a shorter one, ~30 ns per candidate
// verified (prefetched; more when most candidates are matches to sort),
// ~1.5 ns per window scanned. In 10^8 digits that puts the crossover at
// about 5 million candidates: with d = 3 the scan is taken for patterns of
// 5 digits or fewer (every 12th window matches), 6 digits is even (170 ms
// either way for all 1.6 million matches), and from 7 digits the filter
// wins (41 ms against 132 ms); with d = 2 the filter wins from 5 digits.
//
// Thread safety: pure functions of their inputs.

#ifndef SPIRAPI_PI_APPROXIMATE_SEARCH_H_
#define SPIRAPI_PI_APPROXIMATE_SEARCH_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "pi/pattern_index.h"
#include "spirapi/status.h"

namespace spirapi::pi {

inline constexpr int kMaxMismatches = 3;
inline constexpr size_t kMaxApproximatePatternDigits = 32;

struct ApproximateMatch {
  uint64_t offset = 0;  // 0-based start of the window in the digits
  int mismatches = 0;   // Hamming distance from the pattern, <= max_mismatches

  bool operator==(const ApproximateMatch&) const = default;
};

struct ApproximateSearchOptions {
  enum class Method {
    kAuto,    // the cheaper of kFilter and kScan, as described above
    kFilter,  // pieces and variants through the index (when the pattern has
              // at least one digit per piece; otherwise a scan)
    kScan,    // every window of the digits
  };
  Method method = Method::kAuto;
};

// How a search was done, for benchmarks and tuning.
struct ApproximateSearchInfo {
  bool scanned = false;    // the digits were read window by window
  int pieces = 0;          // s, when filtered
  int piece_mismatches = 0;  // e, when filtered
  uint64_t lookups = 0;    // index searches (one per variant of a piece)
  uint64_t candidates = 0;  // windows verified
};

// The windows of `digits` of pattern.size() digits within Hamming distance
// `max_mismatches` of `pattern`, sorted by offset: *total (if not null) gets
// how many there are, *out (cleared first) the first `limit` of them.
// `index` must have been built over `digits`. InvalidArgument if the pattern
// is not 1..kMaxApproximatePatternDigits digits, max_mismatches is not in
// 0..kMaxMismatches, or the index covers a different number of digits.
Status FindApproximate(const PatternIndex& index, std::string_view digits,
                       std::string_view pattern, int max_mismatches, uint64_t limit,
                       std::vector<ApproximateMatch>* out, uint64_t* total);
Status FindApproximate(const PatternIndex& index, std::string_view digits,
                       std::string_view pattern, int max_mismatches, uint64_t limit,
                       const ApproximateSearchOptions& options,
                       std::vector<ApproximateMatch>* out, uint64_t* total,
                       ApproximateSearchInfo* info);

}  // namespace spirapi::pi

#endif  // SPIRAPI_PI_APPROXIMATE_SEARCH_H_
