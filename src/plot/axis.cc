#include "plot/axis.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace spirapi::plot {
namespace {

constexpr double kSecond = 1e6;  // in microseconds
constexpr double kDay = 86400 * kSecond;

// Ticks at the multiples of `step` in [lo, hi] after widening the range to
// whole steps.
Ticks StepTicks(double lo, double hi, double step) {
  Ticks t;
  // Ranges a double cannot split into steps (overflowing, or denormal):
  // just the two ends.
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(step > 0) || !std::isfinite(step) ||
      !((hi - lo) / step < 1000)) {
    t.lo = std::isfinite(lo) ? lo : 0;
    t.hi = std::isfinite(hi) && hi > t.lo ? hi : t.lo + 1;
    t.step = t.hi - t.lo;
    t.values = {t.lo, t.hi};
    return t;
  }
  t.step = step;
  t.lo = std::floor(lo / step) * step;
  t.hi = std::ceil(hi / step) * step;
  if (t.hi <= t.lo) t.hi = t.lo + step;
  const int n = static_cast<int>(std::lround((t.hi - t.lo) / step));
  for (int i = 0; i <= n; ++i) {
    const double v = t.lo + i * step;
    // Keeps 0.1 * 3 from printing as 0.30000000000000004 and -0 as "-0".
    t.values.push_back(std::abs(v) < step * 1e-9 ? 0 : v);
  }
  return t;
}

}  // namespace

double NiceNumber(double x, bool round) {
  const double exponent = std::floor(std::log10(x));
  const double power = std::pow(10.0, exponent);
  const double fraction = x / power;
  double nice;
  if (round) {
    nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  } else {
    nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  }
  return nice * power;
}

Ticks NiceTicks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return StepTicks(0, 1, 0.2);
  if (hi < lo) std::swap(lo, hi);
  if (hi == lo) {
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double step = NiceNumber((hi - lo) / std::max(1, target - 1), true);
  return StepTicks(lo, hi, step);
}

Ticks TimeTicks(double lo_us, double hi_us, int target) {
  static constexpr double kSteps[] = {
      1,    2,    5,     10,    15,    30,    60,     120,    300,     600,     900,     1800,
      3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 1209600, 2592000, 7776000, 31536000};
  if (!std::isfinite(lo_us) || !std::isfinite(hi_us)) return StepTicks(0, kSecond, kSecond);
  if (hi_us < lo_us) std::swap(lo_us, hi_us);
  if (hi_us - lo_us < kSecond) hi_us = lo_us + kSecond;
  const double wanted = (hi_us - lo_us) / std::max(1, target);
  double step = 0;
  for (double s : kSteps) {
    if (s * kSecond >= wanted) {
      step = s * kSecond;
      break;
    }
  }
  if (step == 0) step = std::ceil(wanted / (365 * kDay)) * 365 * kDay;
  return StepTicks(lo_us, hi_us, step);
}

std::string TimeTickLabel(double us, double step_us) {
  const auto seconds = static_cast<std::time_t>(std::floor(us / kSecond));
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  if (step_us >= kDay) {
    std::strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
  } else if (step_us >= 3600 * kSecond && step_us < kDay && tm.tm_hour == 0) {
    std::strftime(buf, sizeof(buf), "%m-%d %H:%M", &tm);
  } else if (step_us < 60 * kSecond) {
    std::strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
  } else {
    std::strftime(buf, sizeof(buf), "%H:%M", &tm);
  }
  return buf;
}

std::string TickLabel(double v, double step) {
  int decimals = 0;
  if (step > 0 && step < 1) {
    decimals = static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
    if (decimals > 9) decimals = 9;
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

UnitScale ScaleFor(PlotUnit unit, double max_abs) {
  switch (unit) {
    case PlotUnit::kSeconds:
      if (max_abs >= 1) return {1, "s"};
      if (max_abs >= 1e-3) return {1e-3, "ms"};
      if (max_abs >= 1e-6) return {1e-6, "\xc2\xb5s"};
      return {1e-9, "ns"};
    case PlotUnit::kBytes: {
      static constexpr const char* kNames[] = {"B", "KiB", "MiB", "GiB", "TiB"};
      double divisor = 1;
      int i = 0;
      while (i < 4 && max_abs >= divisor * 1024) {
        divisor *= 1024;
        ++i;
      }
      return {divisor, kNames[i]};
    }
    case PlotUnit::kOpsPerSecond:
      if (max_abs >= 1e6) return {1e6, "M ops/s"};
      if (max_abs >= 1e3) return {1e3, "k ops/s"};
      return {1, "ops/s"};
    case PlotUnit::kNone:
      if (max_abs >= 1e9) return {1e9, "G"};
      if (max_abs >= 1e6) return {1e6, "M"};
      if (max_abs >= 1e4) return {1e3, "k"};
      return {1, ""};
  }
  return {1, ""};
}

}  // namespace spirapi::plot
