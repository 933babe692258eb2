// spiral_bench: square windows over the Ulam spiral of N digit positions,
// answered two ways on the same random queries:
//   intervals  pi/ulam_spiral.h: the window as a few runs of positions, one
//              per ring side, computed from the window alone (no index)
//   rtree      boost::geometry::index::rtree<point, rstar<16>>, bulk loaded
//              (packing constructor) with all N cells and their positions
// Each query does real work on its answer, in two variants: summing the
// digits it covers from a string of N pseudo-random digits, and materialising
// its positions into a buffer. Before timing, the first queries of each size
// are answered both ways and their sorted positions compared; the timed runs
// must agree on the total of the digit sums as well.
//
// Each method is timed in 3 rounds (interleaved with the other's), a round
// repeating the query list for at least 0.3 s; the best round is reported,
// as the machine may be shared.
//
// Results go to stdout as Markdown; progress to stderr. Exit status 1 if the
// two methods disagree.
//
// Build and run (a Release build, on a quiet machine):
//   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSPIRAPI_BUILD_BENCH=ON
//   cmake --build build --target spiral_bench
//   build/spiral_bench            # 10^7 positions
//   build/spiral_bench --quick    # 10^6 positions, few queries: a smoke test

#include <boost/geometry.hpp>  // the algorithms the R-tree's predicates need
#include <boost/geometry/index/rtree.hpp>
#include <boost/iterator/function_output_iterator.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "bench_util.h"
#include "pi/ulam_spiral.h"

namespace spirapi_bench {
namespace {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

using Point = bg::model::point<int32_t, 2, bg::cs::cartesian>;
using Box = bg::model::box<Point>;
using Entry = std::pair<Point, uint32_t>;  // cell, position
using RTree = bgi::rtree<Entry, bgi::rstar<16>>;

struct Config {
  uint64_t positions = 10'000'000;
  std::vector<std::pair<int, int>> sides_and_queries = {{16, 100'000}, {64, 10'000}, {256, 1'000}};
  int verified_queries = 200;  // per side, compared position by position
  int rounds = 3;               // timed rounds per method; the best is reported
  double min_round_seconds = 0.3;
  uint64_t seed = 1;
};

[[noreturn]] void Fail(const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "spiral_bench: %s\n", message.c_str());
  std::exit(1);
}

// Σ of the digits in [begin, begin + n). A run of positions is a run of
// bytes, so it is summed 16 at a time (PSADBW adds 8 bytes into one lane).
uint64_t SumDigits(const char* begin, size_t n) {
  uint64_t sum = 0;
  size_t i = 0;
#ifdef __SSE2__
  const __m128i zero = _mm_setzero_si128();
  __m128i lanes = zero;
  for (; i + 16 <= n; i += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(begin + i));
    lanes = _mm_add_epi64(lanes, _mm_sad_epu8(bytes, zero));
  }
  sum = static_cast<uint64_t>(_mm_cvtsi128_si64(lanes)) +
        static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(lanes, lanes)));
#endif
  for (; i < n; ++i) sum += static_cast<uint8_t>(begin[i]);
  return sum - uint64_t{'0'} * n;
}

// Writes first..last to out; returns the end. Two positions per store.
uint64_t* FillPositions(uint64_t first, uint64_t last, uint64_t* out) {
  uint64_t p = first;
#ifdef __SSE2__
  __m128i pair = _mm_set_epi64x(static_cast<int64_t>(p + 1), static_cast<int64_t>(p));
  const __m128i two = _mm_set1_epi64x(2);
  for (; p + 1 <= last; p += 2, out += 2) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), pair);
    pair = _mm_add_epi64(pair, two);
  }
#endif
  for (; p <= last; ++p) *out++ = p;
  return out;
}

spirapi::pi::SpiralWindow RandomWindow(Rng* rng, int64_t ring, int side) {
  // Lower-left corners such that the window lies in the square of the
  // outermost ring; windows on that ring are clipped to N by both methods.
  const uint64_t span = static_cast<uint64_t>(2 * ring + 1 - side + 1);
  const int64_t x0 = -ring + static_cast<int64_t>(rng->Uniform(span));
  const int64_t y0 = -ring + static_cast<int64_t>(rng->Uniform(span));
  return {x0, x0 + side - 1, y0, y0 + side - 1};
}

Box ToBox(const spirapi::pi::SpiralWindow& w) {
  return Box(Point(static_cast<int32_t>(w.x0), static_cast<int32_t>(w.y0)),
             Point(static_cast<int32_t>(w.x1), static_cast<int32_t>(w.y1)));
}

void IntervalsOf(const spirapi::pi::SpiralWindow& w, uint64_t n,
                 std::vector<spirapi::pi::PositionInterval>* intervals) {
  spirapi::Status s = spirapi::pi::SpiralWindowIntervals(w, n, intervals);
  if (!s.ok()) Fail("SpiralWindowIntervals: " + s.ToString());
}

enum class Work { kSumDigits, kMaterialise };

// Both methods write positions into a buffer of side² entries, the most a
// window can hold, so neither pays for growing a vector.
// One pass over the queries; returns the digit sum or the position count
// over all of them.
uint64_t IntervalPass(const std::vector<spirapi::pi::SpiralWindow>& queries, const std::string& digits,
                      Work work, uint64_t* buffer) {
  std::vector<spirapi::pi::PositionInterval> intervals;
  uint64_t checksum = 0;
  for (const spirapi::pi::SpiralWindow& w : queries) {
    IntervalsOf(w, digits.size(), &intervals);
    if (work == Work::kSumDigits) {
      // Every run's first line is requested before any is summed, so the
      // cache misses overlap.
      for (const spirapi::pi::PositionInterval& run : intervals) {
        __builtin_prefetch(digits.data() + run.first - 1);
      }
      for (const spirapi::pi::PositionInterval& run : intervals) {
        checksum += SumDigits(digits.data() + run.first - 1, run.last - run.first + 1);
      }
    } else {
      uint64_t* end = buffer;
      for (const spirapi::pi::PositionInterval& run : intervals) {
        end = FillPositions(run.first, run.last, end);
      }
      checksum += static_cast<uint64_t>(end - buffer);
    }
  }
  return checksum;
}

uint64_t RTreePass(const std::vector<spirapi::pi::SpiralWindow>& queries, const std::string& digits,
                   const RTree& tree, Work work, uint64_t* buffer) {
  uint64_t checksum = 0;
  for (const spirapi::pi::SpiralWindow& w : queries) {
    if (work == Work::kSumDigits) {
      uint64_t sum = 0;
      tree.query(bgi::intersects(ToBox(w)), boost::make_function_output_iterator(
                                                [&](const Entry& e) {
                                                  sum += static_cast<uint64_t>(
                                                      digits[e.second - 1] - '0');
                                                }));
      checksum += sum;
    } else {
      uint64_t* end = buffer;
      tree.query(bgi::intersects(ToBox(w)),
                 boost::make_function_output_iterator([&](const Entry& e) { *end++ = e.second; }));
      checksum += static_cast<uint64_t>(end - buffer);
    }
  }
  return checksum;
}

struct Rate {
  double queries_per_second = 0;  // the best round's
  uint64_t checksum = 0;
};

// One round: passes repeated for at least min_seconds. The machine may be
// shared, so callers keep the best of a few rounds, the least disturbed.
template <typename Pass>
void MeasureRound(const Pass& pass, size_t queries, double min_seconds, Rate* best) {
  uint64_t passes = 0;
  Stopwatch watch;
  do {
    const uint64_t checksum = pass();
    if (passes++ > 0 && checksum != best->checksum) Fail("a pass changed its answer");
    best->checksum = checksum;
  } while (watch.Seconds() < min_seconds);
  const double rate = static_cast<double>(passes * queries) / watch.Seconds();
  best->queries_per_second = std::max(best->queries_per_second, rate);
}

// Both methods' positions for w, sorted, must be equal.
void Verify(const spirapi::pi::SpiralWindow& w, uint64_t n, const RTree& tree) {
  std::vector<spirapi::pi::PositionInterval> intervals;
  IntervalsOf(w, n, &intervals);
  std::vector<uint64_t> from_intervals;
  for (const auto& run : intervals) {
    for (uint64_t p = run.first; p <= run.last; ++p) from_intervals.push_back(p);
  }
  std::vector<uint64_t> from_tree;
  tree.query(bgi::intersects(ToBox(w)),
             boost::make_function_output_iterator(
                 [&](const Entry& e) { from_tree.push_back(e.second); }));
  std::sort(from_tree.begin(), from_tree.end());
  if (from_intervals != from_tree) {
    Fail("methods disagree on window x " + std::to_string(w.x0) + ".." + std::to_string(w.x1) +
         ", y " + std::to_string(w.y0) + ".." + std::to_string(w.y1) + ": " +
         std::to_string(from_intervals.size()) + " vs " + std::to_string(from_tree.size()) +
         " positions");
  }
}

Config ParseArgs(int argc, char** argv) {
  Config config;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      config.positions = 1'000'000;
      config.sides_and_queries = {{16, 2'000}, {64, 500}, {256, 50}};
      config.verified_queries = 50;
      config.rounds = 1;
      config.min_round_seconds = 0.02;
    } else if (arg.rfind("--seed=", 0) == 0) {
      config.seed = std::stoull(arg.substr(7));
    } else {
      Fail("unknown argument " + arg + " (usage: spiral_bench [--quick] [--seed=N])");
    }
  }
  return config;
}

int Main(int argc, char** argv) {
  const Config config = ParseArgs(argc, argv);
  const uint64_t n = config.positions;
  const int64_t ring = spirapi::pi::SpiralRingOf(n);
  Rng rng(config.seed);

  std::fprintf(stderr, "generating %s digits\n", FormatCount(static_cast<double>(n)).c_str());
  std::string digits(n, '0');
  for (char& c : digits) c = static_cast<char>('0' + rng.Uniform(10));

  // The R-tree's memory: resident set after the build, with the input vector
  // freed, less the resident set before the input was made.
  std::fprintf(stderr, "bulk loading the R-tree\n");
  ReleaseFreeMemory();
  const uint64_t rss_before = CurrentRssBytes();
  PeakRssTracker peak;
  std::vector<Entry> entries;
  entries.reserve(n);
  for (uint64_t p = 1; p <= n; ++p) {
    const spirapi::pi::SpiralCell c = spirapi::pi::SpiralCellOf(p);
    entries.emplace_back(Point(static_cast<int32_t>(c.x), static_cast<int32_t>(c.y)),
                         static_cast<uint32_t>(p));
  }
  Stopwatch build_watch;
  RTree tree(entries.begin(), entries.end());
  const double build_seconds = build_watch.Seconds();
  const uint64_t peak_bytes = peak.PeakBytes();
  std::vector<Entry>().swap(entries);
  ReleaseFreeMemory();
  const uint64_t tree_bytes = CurrentRssBytes() - rss_before;

  std::printf("# spiral_bench\n\n");
  std::printf("%s positions (rings 0..%lld), one pseudo-random digit each; CPU: %s\n\n",
              FormatCount(static_cast<double>(n)).c_str(), static_cast<long long>(ring),
              CpuModel().c_str());
  std::printf("R-tree (rstar<16>, packing constructor): build %.2f s, %s resident after the "
              "build (%.1f B per position), peak RSS during the build %s above the start "
              "(input vector of %s included). Interval method: 0 index bytes.\n\n",
              build_seconds, FormatBytes(static_cast<double>(tree_bytes)).c_str(),
              static_cast<double>(tree_bytes) / static_cast<double>(n),
              FormatBytes(static_cast<double>(peak_bytes - std::min(peak_bytes, rss_before)))
                  .c_str(),
              FormatBytes(static_cast<double>(n * sizeof(Entry))).c_str());
  std::printf("| side | work | queries | cells/query | intervals/query | intervals q/s | "
              "rtree q/s | speedup |\n");
  std::printf("|---:|---|---:|---:|---:|---:|---:|---:|\n");

  std::string misses;  // rows under the 20x target
  for (const auto& [side, count] : config.sides_and_queries) {
    std::unique_ptr<uint64_t[]> buffer(new uint64_t[static_cast<size_t>(side) * side]);
    std::vector<spirapi::pi::SpiralWindow> queries;
    for (int i = 0; i < count; ++i) queries.push_back(RandomWindow(&rng, ring, side));
    std::fprintf(stderr, "side %d: verifying %d queries\n", side, config.verified_queries);
    uint64_t interval_count = 0;
    std::vector<spirapi::pi::PositionInterval> intervals;
    for (int i = 0; i < count; ++i) {
      if (i < config.verified_queries) Verify(queries[i], n, tree);
      IntervalsOf(queries[i], n, &intervals);
      interval_count += intervals.size();
    }
    for (Work work : {Work::kSumDigits, Work::kMaterialise}) {
      std::fprintf(stderr, "side %d: timing %d queries\n", side, count);
      Rate a, b;
      for (int round = 0; round < config.rounds; ++round) {
        MeasureRound([&] { return IntervalPass(queries, digits, work, buffer.get()); },
                     queries.size(), config.min_round_seconds, &a);
        MeasureRound([&] { return RTreePass(queries, digits, tree, work, buffer.get()); },
                     queries.size(), config.min_round_seconds, &b);
      }
      if (a.checksum != b.checksum) {
        Fail("side " + std::to_string(side) + ": checksums differ, " + std::to_string(a.checksum) +
             " vs " + std::to_string(b.checksum));
      }
      const double speedup = a.queries_per_second / b.queries_per_second;
      if (speedup < 20) {
        char miss[96];
        std::snprintf(miss, sizeof(miss), "%sside %d %s at %.1fx", misses.empty() ? "" : "; ", side,
                      work == Work::kSumDigits ? "sum digits" : "materialise", speedup);
        misses += miss;
      }
      const bool sums = work == Work::kSumDigits;
      const double cells = sums ? kNaN : static_cast<double>(a.checksum) / count;
      std::printf("| %d | %s | %s | %s | %.1f | %s | %s | %.1fx |\n", side,
                  sums ? "sum digits" : "materialise", FormatCount(count).c_str(),
                  sums ? "" : FormatCount(cells).c_str(),
                  static_cast<double>(interval_count) / count,
                  FormatCount(a.queries_per_second).c_str(),
                  FormatCount(b.queries_per_second).c_str(),
                  speedup);
      std::fflush(stdout);
    }
  }
  const std::string verdict = misses.empty() ? "met." : "missed for " + misses + ".";
  std::printf("\nAnswers agree (%d queries per side compared position by position, all by "
              "checksum). Target >= 20x for every side: %s\n",
              config.verified_queries, verdict.c_str());
  return 0;
}

}  // namespace
}  // namespace spirapi_bench

int main(int argc, char** argv) { return spirapi_bench::Main(argc, argv); }
