// pi_bench: times SpiraPi's π computation (binary splitting + decimal
// output) against MPFR (mpfr_const_pi + mpfr_get_str) and FLINT/Arb
// (arb_const_pi + arb_get_str), checks that all produce the same digits and
// prints a Markdown table.
//
// Each run happens in a forked child (bench/pi_peers.h), so that its peak
// RSS is its own and no engine's caches help another.
//
//   pi_bench            10^6 and 10^7 digits, all engines
//   pi_bench --quick    10^5 and 10^6
//   pi_bench --huge     also 10^8, SpiraPi only
//   pi_bench --digits N[,N...] [--engines spirapi,mpfr,arb] [--threads T]
//   --repeat R runs each R times and reports the fastest (the machine may be
//   shared; the CPU column, user + system time of all threads, is steadier).

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_util.h"
#include "pi_peers.h"

namespace {

using spirapi_bench::PiResult;
using spirapi_bench::RunPiInChild;
using spirapi_bench::SplitList;

}  // namespace

int main(int argc, char** argv) {
  std::vector<uint64_t> sizes = {1'000'000, 10'000'000};
  std::vector<std::string> engines = {"spirapi", "spirapi+verify", "mpfr", "arb"};
  bool huge = false;
  int threads = 2;
  int repeat = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--quick") {
      sizes = {100'000, 1'000'000};
    } else if (arg == "--huge") {
      huge = true;
    } else if (arg == "--digits" && has_value) {
      sizes.clear();
      for (const auto& s : SplitList(argv[++i])) sizes.push_back(std::stoull(s));
    } else if (arg == "--engines" && has_value) {
      engines = SplitList(argv[++i]);
    } else if (arg == "--threads" && has_value) {
      threads = std::atoi(argv[++i]);
    } else if (arg == "--repeat" && has_value) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr,
                   "usage: pi_bench [--quick] [--huge] [--digits N[,N...]] "
                   "[--engines spirapi,spirapi+verify,mpfr,arb] [--threads T] [--repeat R]\n");
      return 2;
    }
  }
  std::printf("π benchmark: %d thread(s) for SpiraPi and Arb (MPFR is single-threaded); "
              "GMP %s, MPFR %s, Arb %s, FLINT %s\n\n",
              threads, gmp_version, mpfr_get_version(), arb_version, FLINT_VERSION);
  std::printf("| digits | engine | seconds | CPU seconds | peak RSS (MiB) | last 10 digits | SHA-256 of the digits (prefix) | same digits |\n");
  std::printf("|---:|---|---:|---:|---:|---|---|---|\n");
  std::fflush(stdout);
  bool all_same = true;
  std::vector<std::pair<uint64_t, std::vector<std::string>>> plan;
  for (uint64_t n : sizes) plan.push_back({n, engines});
  if (huge) plan.push_back({100'000'000, {"spirapi"}});
  for (const auto& [digits, list] : plan) {
    std::string reference;
    for (const std::string& engine : list) {
      PiResult r = RunPiInChild(engine, digits, threads);
      for (int i = 1; i < repeat && r.ok; ++i) {
        PiResult again = RunPiInChild(engine, digits, threads);
        if (!again.ok || again.seconds < r.seconds) r = again;
      }
      if (!r.ok) {
        std::printf("| %llu | %s | failed: %s | | | | | |\n",
                    static_cast<unsigned long long>(digits), engine.c_str(), r.error.c_str());
        all_same = false;
        continue;
      }
      if (reference.empty()) reference = r.digest;
      const bool same = r.digest == reference;
      all_same = all_same && same;
      std::printf("| %llu | %s | %.3f | %.3f | %.0f | %s | %.16s | %s |\n",
                  static_cast<unsigned long long>(digits), engine.c_str(), r.seconds,
                  r.cpu_seconds, r.peak_mib, r.tail.c_str(), r.digest.c_str(), same ? "yes" : "NO");
      std::fflush(stdout);
    }
  }
  return all_same ? 0 : 1;
}
