// pi_bench: times SpiraPi's π computation (binary splitting + decimal
// output) against MPFR (mpfr_const_pi + mpfr_get_str) and FLINT/Arb
// (arb_const_pi + arb_get_str), checks that all produce the same digits and
// prints a Markdown table.
//
// Each run happens in a forked child, so that its peak RSS (from wait4) is
// its own and no engine's caches help another.
//
//   pi_bench            10^6 and 10^7 digits, all engines
//   pi_bench --quick    10^5 and 10^6
//   pi_bench --huge     also 10^8, SpiraPi only
//   pi_bench --digits N[,N...] [--engines spirapi,mpfr,arb] [--threads T]
//   --repeat R runs each R times and reports the fastest (the machine may be
//   shared; the CPU column, user + system time of all threads, is steadier).

#include <arb.h>
#include <flint/flint.h>
#include <mpfr.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "pi/chudnovsky.h"
#include "util/hash.h"

namespace {

using spirapi::Status;
using Clock = std::chrono::steady_clock;

struct Result {
  bool ok = false;
  double seconds = 0;
  double cpu_seconds = 0;  // user + system, all threads
  double peak_mib = 0;
  std::string digest;  // SHA-256 of the digits after the point
  std::string tail;    // the last 10 digits
  std::string error;
};

// Computes `digits` digits after the point with `engine`; returns seconds.
double RunEngine(const std::string& engine, uint64_t digits, int threads, std::string* out,
                 std::string* error) {
  const auto start = Clock::now();
  const long prec = static_cast<long>(std::ceil(digits * 3.3219280948873623)) + 64;
  if (engine == "spirapi" || engine == "spirapi+verify") {
    spirapi::pi::PiOptions options;
    options.threads = threads;
    options.verify = engine == "spirapi+verify";
    Status s = spirapi::pi::ComputePiDigits(digits, options, out);
    if (!s.ok()) *error = s.ToString();
  } else if (engine == "mpfr") {
    mpfr_t x;
    mpfr_init2(x, prec);
    mpfr_const_pi(x, MPFR_RNDN);
    mpfr_exp_t exp = 0;
    char* s = mpfr_get_str(nullptr, &exp, 10, digits + 10, x, MPFR_RNDZ);
    out->assign(s + 1, digits);  // s is "31415..." with exp == 1
    mpfr_free_str(s);
    mpfr_clear(x);
  } else if (engine == "arb") {
    flint_set_num_threads(threads);
    arb_t x;
    arb_init(x);
    arb_const_pi(x, prec);
    char* s = arb_get_str(x, digits + 10, ARB_STR_NO_RADIUS);
    if (std::strlen(s) < digits + 2) {
      *error = "arb returned too few digits";
    } else {
      out->assign(s + 2, digits);  // s is "3.14159..."
    }
    flint_free(s);
    arb_clear(x);
  } else {
    *error = "unknown engine " + engine;
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Result RunInChild(const std::string& engine, uint64_t digits, int threads) {
  Result r;
  int fds[2];
  if (pipe(fds) != 0) {
    r.error = "pipe failed";
    return r;
  }
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::string text, error;
    const double seconds = RunEngine(engine, digits, threads, &text, &error);
    std::string line;
    if (error.empty()) {
      const auto d = spirapi::Sha256Of(text);
      line = std::to_string(seconds) + " " + spirapi::ToHex(d.data(), d.size()) + " " +
             text.substr(text.size() - std::min<size_t>(10, text.size()));
    } else {
      line = "error " + error;
    }
    const ssize_t ignored = write(fds[1], line.data(), line.size());
    (void)ignored;
    _exit(0);
  }
  close(fds[1]);
  std::string reply;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) reply.append(buf, n);
  close(fds[0]);
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  r.peak_mib = usage.ru_maxrss / 1024.0;  // kilobytes on Linux
  r.cpu_seconds = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec +
                  usage.ru_stime.tv_usec / 1e6;
  if (reply.rfind("error ", 0) == 0 || reply.empty()) {
    r.error = reply.empty() ? "child died, status " + std::to_string(status) : reply.substr(6);
    return r;
  }
  char digest[65] = {0}, tail[16] = {0};
  if (std::sscanf(reply.c_str(), "%lf %64s %15s", &r.seconds, digest, tail) == 3) {
    r.ok = true;
    r.digest = digest;
    r.tail = tail;
  } else {
    r.error = "bad reply: " + reply;
  }
  return r;
}

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t comma; (comma = s.find(',', start)) != std::string::npos; start = comma + 1) {
    parts.push_back(s.substr(start, comma - start));
  }
  parts.push_back(s.substr(start));
  return parts;
}

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
      for (const auto& s : Split(argv[++i])) sizes.push_back(std::stoull(s));
    } else if (arg == "--engines" && has_value) {
      engines = Split(argv[++i]);
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
      Result r = RunInChild(engine, digits, threads);
      for (int i = 1; i < repeat && r.ok; ++i) {
        Result again = RunInChild(engine, digits, threads);
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
