// RenderLineChart (include/spirapi/plot.h): time series as lines.

#include <algorithm>
#include <cmath>

#include "plot/axis.h"
#include "plot/chart_frame.h"
#include "plot/scene.h"
#include "spirapi/plot.h"

namespace spirapi {
namespace {

using plot::Anchor;
using plot::PlotArea;

constexpr size_t kMaxSeries = 100;
constexpr size_t kMaxLegendRows = 12;

}  // namespace

Status RenderLineChart(const LineChart& chart, PlotFormat format, std::string* out) {
  if (chart.width < 200 || chart.width > 4000 || chart.height < 150 || chart.height > 4000) {
    return Status::InvalidArgument("a line chart is 200..4000 by 150..4000 pixels");
  }
  if (chart.series.size() > kMaxSeries) {
    return Status::InvalidArgument("a line chart holds at most 100 series");
  }
  if (!(chart.max_gap_x >= 0)) return Status::InvalidArgument("max_gap_x must be >= 0");
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  for (const PlotSeries& s : chart.series) {
    for (const PlotPoint& p : s.points) {
      if (!std::isfinite(p.x)) {
        return Status::InvalidArgument("series '" + s.name + "' has a point with x not finite");
      }
      if (!std::isfinite(p.y)) continue;
      x_lo = std::min(x_lo, p.x);
      x_hi = std::max(x_hi, p.x);
      y_lo = std::min(y_lo, p.y);
      y_hi = std::max(y_hi, p.y);
    }
  }
  const bool has_data = std::isfinite(x_lo);
  if (has_data && (!std::isfinite(x_hi - x_lo) || !std::isfinite(y_hi - y_lo))) {
    return Status::InvalidArgument("the values span more than a double can hold");
  }

  plot::Scene scene;
  plot::DrawTitle(&scene, chart.width, chart.height, chart.title, chart.subtitle);
  const bool legend =
      !chart.series.empty() && !(chart.series.size() == 1 && chart.series[0].name.empty());
  const PlotArea area{76, chart.subtitle.empty() ? 44.0 : 64.0,
                      chart.width - (legend ? 170.0 : 24.0), chart.height - 52.0};
  const bool time_axis = chart.x_axis == PlotXAxis::kUnixMicros;

  // y: from 0 for values that are all >= 0 (latencies, sizes, rates).
  if (!has_data) {
    y_lo = 0;
    y_hi = 1;
  } else if (y_lo >= 0) {
    y_lo = 0;
  }
  const plot::UnitScale scale =
      plot::ScaleFor(chart.y_unit, std::max(std::abs(y_lo), std::abs(y_hi)));
  const plot::Ticks yt = plot::NiceTicks(y_lo / scale.divisor, y_hi / scale.divisor, 6);
  auto y_of = [&](double scaled) {
    return area.bottom - (scaled - yt.lo) / (yt.hi - yt.lo) * area.height();
  };
  std::vector<std::string> y_labels;
  for (double v : yt.values) y_labels.push_back(plot::TickLabel(v, yt.step));
  std::string y_label = chart.y_label;
  if (!scale.suffix.empty()) y_label += (y_label.empty() ? "" : " ") + ("(" + scale.suffix + ")");
  plot::DrawYAxis(&scene, area, yt.values, y_labels, y_label, y_of);

  // x: the data's range exactly, ticks inside it.
  if (!has_data) {
    x_lo = 0;
    x_hi = 1;
  } else if (x_hi == x_lo) {
    x_lo -= time_axis ? 30e6 : 0.5;
    x_hi += time_axis ? 30e6 : 0.5;
  }
  const int x_target = std::max(2, static_cast<int>(area.width() / 110));
  const plot::Ticks xt =
      time_axis ? plot::TimeTicks(x_lo, x_hi, x_target) : plot::NiceTicks(x_lo, x_hi, x_target);
  auto x_of = [&](double x) { return area.left + (x - x_lo) / (x_hi - x_lo) * area.width(); };
  for (double v : xt.values) {
    if (v < x_lo - 1e-9 * (x_hi - x_lo) || v > x_hi + 1e-9 * (x_hi - x_lo)) continue;
    const double x = x_of(v);
    scene.Add(plot::LineItem{x, area.top, x, area.bottom, plot::kGridGrey, 1, false});
    scene.Add(plot::LineItem{x, area.bottom, x, area.bottom + 4, plot::kAxisGrey, 1, false});
    scene.Text(x, area.bottom + 16,
               time_axis ? plot::TimeTickLabel(v, xt.step) : plot::TickLabel(v, xt.step), 11,
               Anchor::kMiddle);
  }
  plot::DrawAxisLines(&scene, area);
  std::string x_label = chart.x_label;
  if (x_label.empty() && time_axis) {
    x_label = "time (UTC)";
    if (has_data) x_label += ", from " + plot::TimeTickLabel(x_lo, 86400e6);
  }
  if (!x_label.empty()) {
    scene.Text((area.left + area.right) / 2, chart.height - 12, plot::Truncate(x_label, 90), 12,
               Anchor::kMiddle);
  }

  // The lines, broken at missing samples and at gaps wider than max_gap_x;
  // a lone sample between two breaks is a dot.
  for (size_t si = 0; si < chart.series.size(); ++si) {
    const PlotSeries& s = chart.series[si];
    const plot::Rgb color = plot::PaletteColor(si);
    plot::PolylineItem line;
    line.color = color;
    double last_x = NAN;
    auto flush = [&] {
      if (line.points.size() == 1) {
        const auto [px, py] = line.points[0];
        scene.Add(plot::RectItem{px - 2, py - 2, 4, 4, color});
      } else if (line.points.size() > 1) {
        scene.Add(line);
      }
      line.points.clear();
    };
    for (const PlotPoint& p : s.points) {
      if (!std::isfinite(p.y)) {
        flush();
        continue;
      }
      if (chart.max_gap_x > 0 && std::isfinite(last_x) && p.x - last_x > chart.max_gap_x) flush();
      line.points.emplace_back(x_of(p.x), y_of(p.y / scale.divisor));
      last_x = p.x;
    }
    flush();
  }
  if (!has_data) {
    scene.Text((area.left + area.right) / 2, (area.top + area.bottom) / 2, "no data", 14,
               Anchor::kMiddle);
  }
  if (legend) {
    const size_t rows = std::min(chart.series.size(), kMaxLegendRows);
    for (size_t i = 0; i < rows; ++i) {
      const double y = area.top + 10 + 18.0 * i;
      scene.Add(
          plot::LineItem{area.right + 12, y, area.right + 32, y, plot::PaletteColor(i), 3, false});
      scene.Text(area.right + 38, y + 4, plot::Truncate(chart.series[i].name, 18), 11);
    }
    if (chart.series.size() > rows) {
      scene.Text(area.right + 12, area.top + 14 + 18.0 * rows,
                 "+" + std::to_string(chart.series.size() - rows) + " more", 11);
    }
  }
  scene.description = chart.subtitle;
  return plot::RenderScene(scene, format, out);
}

}  // namespace spirapi
