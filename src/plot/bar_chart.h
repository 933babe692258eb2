// Bar charts: one bar per category, with an optional expected value per
// category drawn as a dashed line (one line across the chart when all are
// equal), on a linear or logarithmic y axis.

#ifndef SPIRAPI_PLOT_BAR_CHART_H_
#define SPIRAPI_PLOT_BAR_CHART_H_

#include <string>
#include <vector>

#include "plot/scene.h"

namespace spirapi::plot {

struct BarChart {
  std::string title;
  std::string subtitle;
  std::string description;  // the picture's <desc>
  std::string x_label;
  std::string y_label;
  std::vector<std::string> categories;
  std::vector<double> values;    // one per category, >= 0
  std::vector<double> expected;  // empty, or one per category (NaN: none)
  std::string expected_label = "expected";
  std::vector<Rgb> colors;  // one per category; empty: all PaletteColor(0)
  // Logarithmic y: bars of value 0 are not drawn, ticks at powers of ten.
  bool log_y = false;
  int width = 720;
  int height = 420;
};

// The chart as a scene. The bars are its first RectItems, in category
// order, each as high as its value on the axis (tests rely on this).
Scene BarChartScene(const BarChart& chart);

}  // namespace spirapi::plot

#endif  // SPIRAPI_PLOT_BAR_CHART_H_
