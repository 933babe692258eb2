// CycleClock: a cheap monotonic clock for timing single operations (the
// metrics' latencies). On x86-64 with an invariant time-stamp counter it
// reads the TSC (about 10 ns; steady_clock costs about 28 ns under kvm-clock,
// docs/BENCHMARKS.md "Metrics overhead"), converted to nanoseconds at a rate
// measured against steady_clock once per process; elsewhere it is
// steady_clock in nanoseconds.

#ifndef SPIRAPI_UTIL_CYCLE_CLOCK_H_
#define SPIRAPI_UTIL_CYCLE_CLOCK_H_

#include <chrono>
#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace spirapi {

class CycleClock {
 public:
  // Ticks: only differences mean anything, through ToNanos.
  static uint64_t Now() {
#if defined(__x86_64__)
    if (rate().tsc) return __rdtsc();
#endif
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
  }

  // Nanoseconds in `ticks` (a difference of two Now()).
  static uint64_t ToNanos(uint64_t ticks) {
    return static_cast<uint64_t>(static_cast<double>(ticks) * rate().nanos_per_tick);
  }

  // Measures the rate now rather than at the first timed operation (which
  // would take the measurement's 2 ms).
  static void Calibrate() { rate(); }

  static bool UsesTsc() { return rate().tsc; }

 private:
  struct Rate {
    bool tsc = false;
    double nanos_per_tick = 1.0;
  };
  static Rate Measure();
  static const Rate& rate() {
    static const Rate measured = Measure();
    return measured;
  }
};

}  // namespace spirapi

#endif  // SPIRAPI_UTIL_CYCLE_CLOCK_H_
