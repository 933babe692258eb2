// Tests for util/cycle_clock.h: its nanoseconds agree with steady_clock's
// over an interval.

#include "util/cycle_clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace spirapi {
namespace {

TEST(CycleClockTest, AgreesWithSteadyClock) {
  using Clock = std::chrono::steady_clock;
  // Each steady_clock read is bracketed by two CycleClock reads, so that a
  // preemption anywhere only widens the bounds, never fails the test.
  const uint64_t c0_before = CycleClock::Now();
  const Clock::time_point t0 = Clock::now();
  const uint64_t c0_after = CycleClock::Now();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const uint64_t c1_before = CycleClock::Now();
  const Clock::time_point t1 = Clock::now();
  const uint64_t c1_after = CycleClock::Now();
  const double steady = std::chrono::duration<double, std::nano>(t1 - t0).count();
  ASSERT_GT(c1_before, c0_after);
  const double shortest = static_cast<double>(CycleClock::ToNanos(c1_before - c0_after));
  const double longest = static_cast<double>(CycleClock::ToNanos(c1_after - c0_before));
  // The calibration's error is about 0.003%; 0.5% allowed.
  EXPECT_LE(shortest, steady * 1.005) << "tsc " << CycleClock::UsesTsc();
  EXPECT_GE(longest, steady * 0.995) << "tsc " << CycleClock::UsesTsc();
}

}  // namespace
}  // namespace spirapi
