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
  const Clock::time_point t0 = Clock::now();
  const uint64_t c0 = CycleClock::Now();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const uint64_t c1 = CycleClock::Now();
  const Clock::time_point t1 = Clock::now();
  const double steady = std::chrono::duration<double, std::nano>(t1 - t0).count();
  ASSERT_GT(c1, c0);
  const double cycle = static_cast<double>(CycleClock::ToNanos(c1 - c0));
  // The two are read back to back at each end, so only the calibration's
  // error shows: within 1% (it is about 0.003%).
  EXPECT_NEAR(cycle / steady, 1.0, 0.01) << "tsc " << CycleClock::UsesTsc();
}

}  // namespace
}  // namespace spirapi
