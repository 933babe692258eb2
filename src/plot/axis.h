// Axis ticks and their labels: "nice" steps (1, 2 or 5 times a power of
// ten), time steps that fall on whole seconds, minutes, hours or days, and
// unit-aware scales (µs/ms/s, KiB/MiB, k/M).

#ifndef SPIRAPI_PLOT_AXIS_H_
#define SPIRAPI_PLOT_AXIS_H_

#include <string>
#include <vector>

#include "spirapi/plot.h"

namespace spirapi::plot {

struct Ticks {
  double lo = 0;  // the axis range: the data's, widened to whole steps
  double hi = 1;
  double step = 1;
  std::vector<double> values;  // lo, lo + step, ..., hi
};

// The nice number near `x` > 0: 1, 2, 5 or 10 times a power of ten, the
// nearest one if `round`, else the smallest one >= x.
double NiceNumber(double x, bool round);

// About `target` ticks covering [lo, hi] (a single value or an empty range
// gets a range around it).
Ticks NiceTicks(double lo, double hi, int target);

// Ticks for a time axis over [lo, hi] in microseconds since the epoch, at a
// step from 1 s, 2 s, 5 s, 10 s, 15 s, 30 s, 1 min, ... 12 h, 1 day, 2, 7,
// 14, 30, 90, 365 days (and multiples of 365 days beyond), aligned to it in
// UTC.
Ticks TimeTicks(double lo_us, double hi_us, int target);

// The label of time tick `us` for ticks `step_us` apart: "14:05" or
// "14:05:30" within a day, "12-07 14:00" or "2026-12-07" beyond.
std::string TimeTickLabel(double us, double step_us);

// A tick value with as many decimals as the step needs: 0.25, 1.5, 100.
std::string TickLabel(double v, double step);

// How y values of `unit` are shown when the largest magnitude is `max_abs`:
// values are divided by `divisor` and labelled with `suffix` ("ms").
struct UnitScale {
  double divisor = 1;
  std::string suffix;
};
UnitScale ScaleFor(PlotUnit unit, double max_abs);

}  // namespace spirapi::plot

#endif  // SPIRAPI_PLOT_AXIS_H_
