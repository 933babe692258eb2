// The π engines the benchmarks compare: SpiraPi's Chudnovsky computation,
// MPFR (mpfr_const_pi + mpfr_get_str) and FLINT/Arb (arb_const_pi +
// arb_get_str), each run in a forked child. Shared by pi_bench and
// spirapi_bench; a program that includes this links MPFR, FLINT and Arb.

#ifndef SPIRAPI_BENCH_PI_PEERS_H_
#define SPIRAPI_BENCH_PI_PEERS_H_

#include <arb.h>
#include <flint/flint.h>
#include <mpfr.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "pi/chudnovsky.h"
#include "util/hash.h"

namespace spirapi_bench {

using PiClock = std::chrono::steady_clock;

struct PiResult {
  bool ok = false;
  double seconds = 0;
  double cpu_seconds = 0;  // user + system, all threads
  double peak_mib = 0;
  std::string digest;  // SHA-256 of the digits after the point
  std::string tail;    // the last 10 digits
  std::string error;
};

// Computes `digits` digits after the point with `engine` ("spirapi",
// "spirapi+verify", "mpfr" or "arb") into *out; returns seconds.
inline double ComputePiWith(const std::string& engine, uint64_t digits, int threads, std::string* out,
                 std::string* error) {
  const auto start = PiClock::now();
  const long prec = static_cast<long>(std::ceil(digits * 3.3219280948873623)) + 64;
  if (engine == "spirapi" || engine == "spirapi+verify") {
    spirapi::pi::PiOptions options;
    options.threads = threads;
    options.verify = engine == "spirapi+verify";
    spirapi::Status s = spirapi::pi::ComputePiDigits(digits, options, out);
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
  return std::chrono::duration<double>(PiClock::now() - start).count();
}

// Runs ComputePiWith in a forked child, so that its peak RSS (from wait4) is
// its own and no engine's caches help another; the child sends back its time,
// the SHA-256 of the digits and their last ten.
inline PiResult RunPiInChild(const std::string& engine, uint64_t digits, int threads) {
  PiResult r;
  int fds[2];
  if (pipe(fds) != 0) {
    r.error = "pipe failed";
    return r;
  }
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::string text, error;
    const double seconds = ComputePiWith(engine, digits, threads, &text, &error);
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

}  // namespace spirapi_bench

#endif  // SPIRAPI_BENCH_PI_PEERS_H_
