// pi_search_bench: the π pattern searches (src/pi/pattern_index.h,
// approximate_search.h, multi_pattern.h) on N digits of π, each against the
// plain scan it replaces, with the answers of the two compared. Prints
// Markdown tables.
//
//   pi_search_bench                      10^8 digits (computing them takes ~70 s)
//   pi_search_bench --quick              10^6 digits, a few seconds
//   pi_search_bench --digits N
//   pi_search_bench --digits-file PATH   read the digits from PATH (ASCII, no
//                                        "3."); compute and write it if it
//                                        is missing or too short
//   --seed S                             the patterns drawn (default 314159)
//
// Latencies are of single calls on one thread, timed with the steady clock.

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "bench_util.h"
#include "pi/approximate_search.h"
#include "pi/chudnovsky.h"
#include "pi/digit_analysis.h"
#include "pi/multi_pattern.h"
#include "pi/pattern_index.h"

namespace {

using spirapi::Status;
using spirapi_bench::FormatBytes;
using spirapi_bench::FormatLatency;
using spirapi_bench::NowNanos;
using spirapi_bench::Percentile;
using spirapi_bench::Rng;
using spirapi_bench::Stopwatch;
namespace pi = spirapi::pi;

[[noreturn]] void Die(const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "pi_search_bench: FATAL: %s\n", message.c_str());
  std::exit(2);
}

void Check(const Status& s, const char* what) {
  if (!s.ok()) Die(std::string(what) + ": " + s.ToString());
}

// The first n digits of π after the point, from `path` when it holds at
// least that many, else computed (and written to `path` if one is given).
std::string LoadDigits(uint64_t n, const std::string& path, std::string* source) {
  std::string digits;
  if (!path.empty()) {
    struct stat st {};
    if (stat(path.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_size) >= n) {
      std::ifstream in(path, std::ios::binary);
      digits.resize(n);
      if (!in.read(digits.data(), static_cast<std::streamsize>(n))) Die("cannot read " + path);
      Check(pi::ValidateDecimalDigits(digits), path.c_str());
      if (digits.compare(0, 10, "1415926535") != 0) Die(path + " does not hold the digits of π");
      *source = "read from " + path;
      return digits;
    }
  }
  Stopwatch watch;
  Check(pi::ComputePiDigits(n, pi::PiOptions(), &digits), "ComputePiDigits");
  *source = "computed in " + spirapi_bench::FormatFixed(watch.Seconds(), 1) + " s";
  if (!path.empty()) {
    const std::string tmp = path + ".tmp";
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(digits.data(), static_cast<std::streamsize>(digits.size()));
    out.close();
    if (!out || std::rename(tmp.c_str(), path.c_str()) != 0) Die("cannot write " + path);
    *source += ", written to " + path;
  }
  return digits;
}

std::string RandomDigits(Rng* rng, size_t len) {
  std::string s(len, '0');
  for (char& c : s) c = static_cast<char>('0' + rng->Uniform(10));
  return s;
}

std::string FromText(Rng* rng, const std::string& digits, size_t len) {
  return digits.substr(rng->Uniform(digits.size() - len + 1), len);
}

// The plain alternative to the index: every occurrence by std::string_view::find.
void ScanAll(std::string_view text, std::string_view p, uint64_t* count, uint64_t* first) {
  *count = 0;
  *first = UINT64_MAX;
  for (size_t pos = text.find(p); pos != std::string_view::npos; pos = text.find(p, pos + 1)) {
    if (*count == 0) *first = pos;
    ++*count;
  }
}

struct Latencies {
  std::vector<uint64_t> ns;
  std::string Median() { return FormatLatency(Percentile(&ns, 0.5)); }
  std::string P99() { return FormatLatency(Percentile(&ns, 0.99)); }
  double MedianNs() { return Percentile(&ns, 0.5); }
};

void Row(const std::string& what, Latencies* l, const std::string& notes) {
  std::printf("| %s | %zu | %s | %s | %s |\n", what.c_str(), l->ns.size(), l->Median().c_str(),
              l->P99().c_str(), notes.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t n = 100'000'000;
  bool quick = false;
  std::string digits_file;
  uint64_t seed = 314159;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quick") {
      quick = true;
      n = 1'000'000;
    } else if (arg == "--digits" && i + 1 < argc) {
      n = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--digits-file" && i + 1 < argc) {
      digits_file = argv[++i];
    } else if (arg == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr,
                   "usage: pi_search_bench [--quick] [--digits N] [--digits-file PATH] "
                   "[--seed S]\n");
      return 2;
    }
  }
  if (n < 1000 || n > pi::kMaxIndexedDigits) Die("--digits must be in 1000..2^31-1");
  Rng rng(seed);

  std::string source;
  const std::string digits = LoadDigits(n, digits_file, &source);
  std::printf("# pi_search_bench\n\n");
  std::printf("- date: %s\n", spirapi_bench::UtcDateTime().c_str());
  std::printf("- machine: %ld CPUs, %s, %s RAM\n", sysconf(_SC_NPROCESSORS_ONLN),
              spirapi_bench::CpuModel().c_str(),
              FormatBytes(static_cast<double>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE))
                  .c_str());
  std::printf("- digits: %s of π after \"3.\" (%s)\n", spirapi_bench::FormatCount(n).c_str(),
              source.c_str());
  std::printf("- seed: %llu\n\n", static_cast<unsigned long long>(seed));

  // ---- Build, size, open.
  pi::PatternIndex index;
  spirapi_bench::PeakRssTracker build_rss;
  const uint64_t rss_before = spirapi_bench::CurrentRssBytes();
  Stopwatch build_watch;
  Check(pi::PatternIndex::Build(digits, &index), "Build");
  const double build_s = build_watch.Seconds();
  const uint64_t build_peak = build_rss.PeakBytes();
  const double bytes_per_digit = static_cast<double>(index.bytes().size()) / n;
  std::string copy = index.bytes();
  pi::PatternIndex opened;
  Stopwatch open_watch;
  Check(pi::PatternIndex::Open(std::move(copy), digits, &opened), "Open");
  const double open_s = open_watch.Seconds();
  opened = pi::PatternIndex();

  std::printf("## Index\n\n| measure | value |\n|---|---:|\n");
  std::printf("| build (divsufsort + bucket table + CRCs), 1 thread | %.2f s |\n", build_s);
  std::printf("| index size | %s = %.3f bytes/digit (k = %d) |\n",
              FormatBytes(static_cast<double>(index.bytes().size())).c_str(), bytes_per_digit,
              index.bucket_digits());
  std::printf("| peak RSS during build (process, digits included) | %s (%s before) |\n",
              FormatBytes(static_cast<double>(build_peak)).c_str(),
              FormatBytes(static_cast<double>(rss_before)).c_str());
  std::printf("| Open (checksums + range checks) | %.3f s |\n\n", open_s);

  // ---- Count.
  const int count_patterns = quick ? 2000 : 10000;
  const int scan_patterns = quick ? 100 : 300;
  std::vector<std::string> patterns;
  for (int i = 0; i < count_patterns; ++i) {
    const size_t len = 4 + rng.Uniform(17);  // 4..20
    patterns.push_back(i % 2 == 0 ? FromText(&rng, digits, len) : RandomDigits(&rng, len));
  }
  Latencies count_all, count_short, count_long, scan;
  std::vector<uint64_t> counts(patterns.size());
  uint64_t sink = 0;
  for (size_t i = 0; i < patterns.size(); ++i) {
    const uint64_t t0 = NowNanos();
    counts[i] = index.Count(patterns[i]);
    const uint64_t t = NowNanos() - t0;
    count_all.ns.push_back(t);
    (patterns[i].size() <= static_cast<size_t>(index.bucket_digits()) ? count_short : count_long)
        .ns.push_back(t);
    sink += counts[i];
  }
  for (int i = 0; i < scan_patterns; ++i) {
    uint64_t c = 0, first = 0;
    const uint64_t t0 = NowNanos();
    ScanAll(digits, patterns[i], &c, &first);
    scan.ns.push_back(NowNanos() - t0);
    if (c != counts[i]) Die("Count(" + patterns[i] + ") disagrees with the scan");
  }
  // First and Locate on patterns drawn from the text (so they occur).
  Latencies first_l, locate6, locate8, locate_page;
  std::vector<uint64_t> offsets;
  double totals[3] = {0, 0, 0};  // occurrences, summed, of the three Locate kinds
  for (int i = 0; i < (quick ? 500 : 2000); ++i) {
    const std::string p = FromText(&rng, digits, 4 + i % 9);
    uint64_t first = 0;
    uint64_t t0 = NowNanos();
    if (!index.First(p, &first)) Die("First missed " + p);
    first_l.ns.push_back(NowNanos() - t0);
    if (digits.find(p) != first) Die("First(" + p + ") disagrees with find");
  }
  for (int i = 0; i < (quick ? 500 : 2000); ++i) {
    for (size_t len : {6, 8}) {
      const std::string p = FromText(&rng, digits, len);
      uint64_t total = 0;
      const uint64_t t0 = NowNanos();
      index.Locate(p, 0, 100, &offsets, &total);
      (len == 6 ? locate6 : locate8).ns.push_back(NowNanos() - t0);
      sink += offsets.size();
      totals[len == 6 ? 0 : 1] += static_cast<double>(total);
    }
    const std::string p = FromText(&rng, digits, 4);  // ~n/10^4 occurrences
    uint64_t total = 0;
    const uint64_t t0 = NowNanos();
    index.Locate(p, 1000, 100, &offsets, &total);
    locate_page.ns.push_back(NowNanos() - t0);
    totals[2] += static_cast<double>(total);
  }
  auto mean_total = [&](int kind, Latencies& l) {
    return "mean " + spirapi_bench::FormatFixed(totals[kind] / l.ns.size(), 1) + " occurrences";
  };

  std::printf("## Exact search (%s digits)\n\n", spirapi_bench::FormatCount(n).c_str());
  std::printf("| operation | queries | median | p99 | notes |\n|---|---:|---:|---:|---|\n");
  Row("Count, lengths 4..20", &count_all,
      "half drawn from the text, half random; every count checked against the scan for the "
      "first " + std::to_string(scan_patterns));
  Row("Count, lengths <= k", &count_short, "answered from the bucket table");
  Row("Count, lengths > k", &count_long, "binary search within one bucket");
  Row("linear scan (string_view::find, every occurrence)", &scan, "the baseline");
  Row("First, lengths 4..12", &first_l, "checked against string_view::find");
  Row("Locate, length 6, first 100", &locate6, mean_total(0, locate6));
  Row("Locate, length 8, first 100", &locate8, mean_total(1, locate8));
  Row("Locate, length 4, skip 1000, limit 100", &locate_page, mean_total(2, locate_page));
  std::printf("\n");

  // ---- Approximate.
  std::printf("## Approximate search (Hamming distance d)\n\n");
  const int approx_queries = quick ? 50 : 200;
  const int scan_queries = 3;
  std::printf("Queries: windows of the text with d digits replaced at random; the first 1,000 matches returned, all counted. Plan: s pieces × e mismatches per piece (the last query's), and the median number of candidate windows verified. The scans (SSE2, and naive: digit by digit with early exit, for d = 3) ran on the first %d queries of each row and their answers were compared.\n\n", scan_queries);
  std::printf("| length | d | queries | median | p99 | plan, candidates | SSE2 scan median | naive scan median |\n");
  std::printf("|---:|---:|---:|---:|---:|---|---:|---:|\n");
  // Length 8 shows the filter near its crossover with the scan.
  for (size_t len : {8, 12, 16, 20, 32}) {
    for (int d = 1; d <= 3; ++d) {
      Latencies filtered, scanned, naive;
      std::vector<uint64_t> candidates;
      std::string plan;
      std::vector<std::string> queries;
      for (int i = 0; i < approx_queries; ++i) {
        std::string p = FromText(&rng, digits, len);
        for (int j = 0; j < d; ++j) p[rng.Uniform(len)] = static_cast<char>('0' + rng.Uniform(10));
        queries.push_back(p);
      }
      std::vector<pi::ApproximateMatch> got, want;
      for (const std::string& p : queries) {
        uint64_t total = 0;
        pi::ApproximateSearchInfo info;
        const uint64_t t0 = NowNanos();
        Check(pi::FindApproximate(index, digits, p, d, 1000, pi::ApproximateSearchOptions(), &got,
                                  &total, &info),
              "FindApproximate");
        filtered.ns.push_back(NowNanos() - t0);
        candidates.push_back(info.candidates);
        plan = info.scanned ? "scan" : std::to_string(info.pieces) + "×" +
                                           std::to_string(info.piece_mismatches);
      }
      for (int i = 0; i < scan_queries; ++i) {
        const std::string& p = queries[i];
        uint64_t total = 0, want_total = 0;
        pi::ApproximateSearchOptions scan_options;
        scan_options.method = pi::ApproximateSearchOptions::Method::kScan;
        Check(pi::FindApproximate(index, digits, p, d, 1000, &got, &total), "FindApproximate");
        uint64_t t0 = NowNanos();
        Check(pi::FindApproximate(index, digits, p, d, 1000, scan_options, &want, &want_total,
                                  nullptr),
              "FindApproximate scan");
        scanned.ns.push_back(NowNanos() - t0);
        if (got != want || total != want_total) Die("approximate search disagrees with the scan");
        // The naive brute force: every window, compared digit by digit.
        if (d == 3) {
          t0 = NowNanos();
          uint64_t naive_total = 0;
          for (uint64_t w = 0; w + len <= n; ++w) {
            int mismatches = 0;
            for (size_t j = 0; j < len && mismatches <= d; ++j) mismatches += digits[w + j] != p[j];
            naive_total += mismatches <= d;
          }
          naive.ns.push_back(NowNanos() - t0);
          if (naive_total != want_total) Die("naive brute force disagrees");
        }
      }
      std::printf("| %zu | %d | %zu | %s | %s | %s, %s | %s | %s |\n", len, d,
                  filtered.ns.size(), filtered.Median().c_str(), filtered.P99().c_str(),
                  plan.c_str(), spirapi_bench::FormatCount(Percentile(&candidates, 0.5)).c_str(),
                  scanned.Median().c_str(), naive.ns.empty() ? "—" : naive.Median().c_str());
    }
  }
  std::printf("\n");

  // ---- Multi-pattern.
  std::printf("## Many patterns in one pass\n\n");
  std::printf("Count and first offset of every pattern; the pass is the fastest of 3, the scans count every occurrence with string_view::find and their answers are compared.\n\n");
  std::printf("| patterns | lengths | one pass (Aho-Corasick) | trie nodes | one string_view::find scan per pattern | speed-up |\n");
  std::printf("|---:|---|---:|---:|---:|---:|\n");
  for (size_t count : {size_t{100}, size_t{10'000}}) {
    std::vector<std::string> set;
    for (size_t i = 0; i < count; ++i) {
      const size_t len = 4 + rng.Uniform(9);  // 4..12
      set.push_back(i % 2 == 0 ? FromText(&rng, digits, len) : RandomDigits(&rng, len));
    }
    pi::MultiPatternMatcher matcher;
    Check(pi::MultiPatternMatcher::Build(set, &matcher), "MultiPatternMatcher::Build");
    // The fastest of 3 passes: the machine is shared.
    std::vector<pi::PatternOccurrences> found;
    double pass_s = 1e100;
    for (int rep = 0; rep < 3; ++rep) {
      Stopwatch pass;
      Check(matcher.Scan(digits, pi::MultiPatternOptions(), &found), "Scan");
      pass_s = std::min(pass_s, pass.Seconds());
    }
    // The scans: all of them for 100 patterns, a sample of 100 for more
    // (extrapolated).
    const size_t scans = std::min<size_t>(count, 100);
    Stopwatch scan_watch;
    for (size_t i = 0; i < scans; ++i) {
      uint64_t c = 0, first = 0;
      ScanAll(digits, set[i], &c, &first);
      if (c != found[i].count || (c > 0 && first != found[i].first)) {
        Die("multi-pattern result differs for " + set[i]);
      }
    }
    const double scan_s = scan_watch.Seconds() * static_cast<double>(count) / scans;
    std::printf("| %s | 4..12, half from the text | %s | %s | %s%s | %.1f× |\n",
                spirapi_bench::FormatCount(count).c_str(), FormatLatency(pass_s * 1e9).c_str(),
                spirapi_bench::FormatCount(matcher.node_count()).c_str(),
                FormatLatency(scan_s * 1e9).c_str(),
                scans < count ? " (100 timed, scaled)" : "", scan_s / pass_s);
  }
  std::printf("\n(checksum %llu)\n", static_cast<unsigned long long>(sink % 1000));
  std::printf("\npeak RSS of the process: %s\n",
              FormatBytes(static_cast<double>(spirapi_bench::ReadProcKiB("/proc/self/status",
                                                                          "VmHWM:")))
                  .c_str());
  return 0;
}
