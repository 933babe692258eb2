// Axis ticks: nice steps, time steps on whole units, unit-aware scales.

#include "plot/axis.h"

#include <gtest/gtest.h>

#include <cmath>

namespace spirapi::plot {
namespace {

// 1, 2 or 5 times a power of ten.
bool IsNice(double step) {
  const double power = std::pow(10.0, std::floor(std::log10(step) + 1e-9));
  const double m = step / power;
  return std::abs(m - 1) < 1e-9 || std::abs(m - 2) < 1e-9 || std::abs(m - 5) < 1e-9;
}

TEST(AxisTest, NiceTicksCoverTheRangeInNiceSteps) {
  const struct {
    double lo, hi;
  } cases[] = {{0, 1046}, {0, 1}, {0.0012, 0.0097}, {-3, 17},
               {5, 5},    {0, 0}, {1e9, 3.3e9},     {-0.5, -0.1}};
  for (const auto& c : cases) {
    const Ticks t = NiceTicks(c.lo, c.hi, 6);
    EXPECT_TRUE(IsNice(t.step)) << c.lo << ".." << c.hi << ": step " << t.step;
    EXPECT_LE(t.lo, std::min(c.lo, c.hi));
    EXPECT_GE(t.hi, std::max(c.lo, c.hi));
    EXPECT_LT(t.lo, t.hi);
    EXPECT_GE(t.values.size(), 2u);
    EXPECT_LE(t.values.size(), 12u);
    for (size_t i = 1; i < t.values.size(); ++i) {
      EXPECT_NEAR(t.values[i] - t.values[i - 1], t.step, t.step * 1e-9);
    }
    // Each tick a whole multiple of the step.
    for (double v : t.values) EXPECT_NEAR(v / t.step, std::round(v / t.step), 1e-6);
  }
  const Ticks t = NiceTicks(0, 1046, 6);
  EXPECT_EQ(t.step, 200);
  EXPECT_EQ(t.hi, 1200);
  EXPECT_EQ(NiceNumber(3.2, true), 5);
  EXPECT_EQ(NiceNumber(3.2, false), 5);
  EXPECT_EQ(NiceNumber(1.4, true), 1);
  EXPECT_EQ(NiceNumber(0.07, false), 0.1);
}

TEST(AxisTest, TickLabelsHaveTheDecimalsTheStepNeeds) {
  EXPECT_EQ(TickLabel(0.30000000000000004, 0.1), "0.3");
  EXPECT_EQ(TickLabel(0.25, 0.05), "0.25");
  EXPECT_EQ(TickLabel(1200, 200), "1200");
  EXPECT_EQ(TickLabel(0, 0.5), "0.0");
}

TEST(AxisTest, TimeTicksFallOnWholeUnitsInUtc) {
  // 2026-12-07 14:03:17 UTC to 14:58:40: ticks every 10 minutes.
  const double start = 1796652197e6;
  const Ticks t = TimeTicks(start, start + 55 * 60e6 + 23e6, 6);
  EXPECT_EQ(t.step, 600e6);
  for (double v : t.values) EXPECT_EQ(std::fmod(v, 600e6), 0);
  EXPECT_EQ(TimeTickLabel(1796652000e6, t.step), "14:00");
  EXPECT_EQ(TimeTickLabel(1796652030e6, 30e6), "14:00:30");
  // Days: dates.
  const Ticks days = TimeTicks(start, start + 20 * 86400e6, 6);
  EXPECT_GE(days.step, 86400e6);
  EXPECT_EQ(TimeTickLabel(1796652000e6, days.step), "2026-12-07");
  // Hours crossing midnight name the day at midnight.
  EXPECT_EQ(TimeTickLabel(1796601600e6, 3 * 3600e6), "12-07 00:00");
  // A single instant still gets an axis.
  const Ticks one = TimeTicks(start, start, 6);
  EXPECT_LT(one.lo, one.hi);
}

TEST(AxisTest, UnitScalesPickReadableUnits) {
  EXPECT_EQ(ScaleFor(PlotUnit::kSeconds, 0.0042).suffix, "ms");
  EXPECT_EQ(ScaleFor(PlotUnit::kSeconds, 0.0000042).suffix, "\xc2\xb5s");
  EXPECT_EQ(ScaleFor(PlotUnit::kSeconds, 3).suffix, "s");
  EXPECT_EQ(ScaleFor(PlotUnit::kSeconds, 4e-8).suffix, "ns");
  EXPECT_EQ(ScaleFor(PlotUnit::kBytes, 1000).suffix, "B");
  EXPECT_EQ(ScaleFor(PlotUnit::kBytes, 5 << 20).suffix, "MiB");
  EXPECT_EQ(ScaleFor(PlotUnit::kBytes, 5 << 20).divisor, 1 << 20);
  EXPECT_EQ(ScaleFor(PlotUnit::kBytes, 3.0 * (1ull << 40)).suffix, "TiB");
  EXPECT_EQ(ScaleFor(PlotUnit::kOpsPerSecond, 25000).suffix, "k ops/s");
  EXPECT_EQ(ScaleFor(PlotUnit::kNone, 500).suffix, "");
  EXPECT_EQ(ScaleFor(PlotUnit::kNone, 2e6).suffix, "M");
}

}  // namespace
}  // namespace spirapi::plot
