#include "plot/bar_chart.h"

#include <algorithm>
#include <cmath>

#include "plot/axis.h"
#include "plot/chart_frame.h"

namespace spirapi::plot {
namespace {

// Up to this many categories each bar gets its value written above it.
constexpr size_t kMaxValueLabels = 16;

std::string ValueLabel(double v) {
  char buf[32];
  if (v == std::floor(v) && std::abs(v) < 1e15) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.3g", v);
  }
  return buf;
}

}  // namespace

Scene BarChartScene(const BarChart& chart) {
  Scene scene;
  DrawTitle(&scene, chart.width, chart.height, chart.title, chart.subtitle);
  scene.description = chart.description;
  const PlotArea area{70, chart.subtitle.empty() ? 44.0 : 64.0, chart.width - 20.0,
                      chart.height - 52.0};
  const size_t n = chart.categories.size();
  auto expected_at = [&](size_t i) {
    return i < chart.expected.size() ? chart.expected[i] : std::nan("");
  };

  // The y range: from 0 (or the smallest power of ten below the smallest
  // positive value, on a log axis) to the largest value or expectation.
  double max_v = 0;
  double min_pos = INFINITY;
  for (size_t i = 0; i < n; ++i) {
    for (double v : {chart.values[i], expected_at(i)}) {
      if (!std::isfinite(v)) continue;
      max_v = std::max(max_v, v);
      if (v > 0) min_pos = std::min(min_pos, v);
    }
  }
  std::vector<double> ticks;
  std::vector<std::string> labels;
  double lo = 0, hi = 1;
  if (chart.log_y) {
    const int e0 = std::isfinite(min_pos) ? static_cast<int>(std::floor(std::log10(min_pos))) : 0;
    int e1 = max_v > 0 ? static_cast<int>(std::ceil(std::log10(max_v))) : 1;
    if (e1 <= e0) e1 = e0 + 1;
    lo = e0;
    hi = e1;
    // At most ~8 labelled decades.
    const int every = std::max(1, (e1 - e0 + 7) / 8);
    for (int e = e0; e <= e1; e += every) {
      ticks.push_back(e);
      labels.push_back(e >= -3 && e < 7 ? TickLabel(std::pow(10.0, e), std::pow(10.0, e))
                                        : "1e" + std::to_string(e));
    }
  } else {
    const Ticks t = NiceTicks(0, max_v > 0 ? max_v : 1, 6);
    lo = 0;
    hi = t.hi;
    const UnitScale scale = ScaleFor(PlotUnit::kNone, hi);
    for (double v : t.values) {
      if (v < 0) continue;
      ticks.push_back(v);
      labels.push_back(TickLabel(v / scale.divisor, t.step / scale.divisor) + scale.suffix);
    }
  }
  // Scene y of a value (a log10 of it on a log axis).
  auto y_of_axis = [&](double a) { return area.bottom - (a - lo) / (hi - lo) * area.height(); };
  auto y_of_value = [&](double v) {
    if (chart.log_y) return v > 0 ? y_of_axis(std::log10(v)) : area.bottom;
    return y_of_axis(v);
  };

  // Bars first (see the header).
  const double slot = n > 0 ? area.width() / n : area.width();
  const double bar_w = slot * 0.7;
  for (size_t i = 0; i < n; ++i) {
    const double v = chart.values[i];
    const double top = std::min(area.bottom, y_of_value(v));
    const Rgb color = i < chart.colors.size() ? chart.colors[i] : PaletteColor(0);
    scene.Add(
        RectItem{area.left + slot * i + (slot - bar_w) / 2, top, bar_w, area.bottom - top, color});
  }
  DrawYAxis(&scene, area, ticks, labels, chart.y_label, y_of_axis);
  DrawAxisLines(&scene, area);

  // Expected values: one line across if they are all the same.
  bool any_expected = false;
  bool all_same = n > 0;
  for (size_t i = 0; i < n; ++i) {
    const double e = expected_at(i);
    if (std::isfinite(e)) any_expected = true;
    if (!(e == expected_at(0))) all_same = false;
  }
  if (any_expected && all_same && std::isfinite(expected_at(0))) {
    const double y = y_of_value(expected_at(0));
    scene.Add(LineItem{area.left, y, area.right, y, kExpectedRed, 2, true});
  } else if (any_expected) {
    for (size_t i = 0; i < n; ++i) {
      const double e = expected_at(i);
      if (!std::isfinite(e) || (chart.log_y && e <= 0)) continue;
      const double y = y_of_value(e);
      scene.Add(LineItem{area.left + slot * i + 2, y, area.left + slot * (i + 1) - 2, y,
                         kExpectedRed, 2, true});
    }
  }
  if (any_expected) {
    const double x = area.right - 150;
    scene.Add(LineItem{x, area.top + 10, x + 24, area.top + 10, kExpectedRed, 2, true});
    scene.Text(x + 30, area.top + 14, chart.expected_label, 11);
  }

  // Category labels, thinned out so they never overlap; values over bars.
  const size_t every = std::max<size_t>(1, static_cast<size_t>(std::ceil(n * 40.0 / area.width())));
  for (size_t i = 0; i < n; ++i) {
    const double cx = area.left + slot * (i + 0.5);
    if (i % every == 0)
      scene.Text(cx, area.bottom + 16, Truncate(chart.categories[i], 8), 11, Anchor::kMiddle);
    if (n <= kMaxValueLabels && chart.values[i] > 0) {
      scene.Text(cx, std::min(area.bottom, y_of_value(chart.values[i])) - 4,
                 ValueLabel(chart.values[i]), 10, Anchor::kMiddle);
    }
  }
  if (!chart.x_label.empty()) {
    scene.Text((area.left + area.right) / 2, chart.height - 12, Truncate(chart.x_label, 90), 12,
               Anchor::kMiddle);
  }
  return scene;
}

}  // namespace spirapi::plot
