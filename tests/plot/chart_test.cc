// Bar charts (bar heights, expected lines, log scale) and line charts
// (RenderLineChart: gaps, units, time axis, refusals).

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "plot/bar_chart.h"
#include "plot/svg_writer.h"
#include "plot_test_util.h"
#include "spirapi/plot.h"

namespace spirapi::plot {
namespace {

std::vector<RectItem> Rects(const Scene& scene) {
  std::vector<RectItem> out;
  for (const Item& item : scene.items) {
    if (const auto* r = std::get_if<RectItem>(&item)) out.push_back(*r);
  }
  return out;
}

std::vector<LineItem> DashedLines(const Scene& scene) {
  std::vector<LineItem> out;
  for (const Item& item : scene.items) {
    if (const auto* l = std::get_if<LineItem>(&item); l != nullptr && l->dashed) out.push_back(*l);
  }
  return out;
}

TEST(BarChartTest, BarHeightsAreProportionalToValues) {
  BarChart chart;
  chart.title = "t";
  chart.categories = {"a", "b", "c", "d"};
  chart.values = {100, 250, 0, 400};
  chart.expected = {250, 250, 250, 250};
  const Scene scene = BarChartScene(chart);
  const std::vector<RectItem> bars = Rects(scene);
  ASSERT_GE(bars.size(), 4u);
  // All bars stand on the same baseline; heights in the ratio of the values.
  const double base = bars[0].y + bars[0].h;
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(bars[i].y + bars[i].h, base, 1e-9);
  EXPECT_NEAR(bars[1].h / bars[0].h, 2.5, 1e-9);
  EXPECT_NEAR(bars[3].h / bars[0].h, 4.0, 1e-9);
  EXPECT_EQ(bars[2].h, 0);
  EXPECT_LT(bars[0].x, bars[1].x);
  // Equal expectations: one dashed line across, at 250 (the legend's
  // sample is the second).
  const std::vector<LineItem> dashed = DashedLines(scene);
  ASSERT_EQ(dashed.size(), 2u);
  EXPECT_NEAR(dashed[0].y1, bars[1].y, 1e-9);
  EXPECT_LT(dashed[0].x1, bars[0].x);
  EXPECT_GT(dashed[0].x2, bars[3].x + bars[3].w);
}

TEST(BarChartTest, LogScaleBarsFollowTheLogarithm) {
  BarChart chart;
  chart.categories = {"1", "2", "3"};
  chart.values = {10000, 100, 0};
  chart.expected = {8100, 810, 81};
  chart.log_y = true;
  const Scene scene = BarChartScene(chart);
  const std::vector<RectItem> bars = Rects(scene);
  // 10^4 is twice as high as 10^2 above the axis' bottom at 10^0 (the
  // smallest value, 81, rounds down to the decade 10^1: so measure ratios
  // of heights above 10^1: 3 decades vs 1).
  const double base = bars[0].y + bars[0].h;
  EXPECT_NEAR((bars[0].h) / (bars[1].h), 3.0, 1e-9) << base;
  EXPECT_EQ(bars[2].h, 0);  // 0 has no bar on a log axis
  // Unequal expectations: one dashed segment per category, plus the legend's.
  EXPECT_EQ(DashedLines(scene).size(), 4u);
}

TEST(BarChartTest, EmptyAndOddInputStillMakeAWellFormedPicture) {
  BarChart chart;
  chart.title = "nothing <here>";
  std::string svg;
  ASSERT_TRUE(RenderSvg(BarChartScene(chart), &svg).ok());
  EXPECT_EQ(test::XmlProblem(svg), "");
  chart.categories = {"only"};
  chart.values = {0};
  ASSERT_TRUE(RenderSvg(BarChartScene(chart), &svg).ok());
  EXPECT_EQ(test::XmlProblem(svg), "");
}

LineChart LatencyChart() {
  LineChart chart;
  chart.title = "read latency";
  chart.y_label = "p99";
  chart.x_axis = PlotXAxis::kUnixMicros;
  chart.y_unit = PlotUnit::kSeconds;
  PlotSeries p99{"p99", {}};
  PlotSeries p50{"p50 <fast>", {}};
  const double t0 = 1796652000e6;
  for (int i = 0; i < 60; ++i) {
    const double t = t0 + i * 60e6;
    p99.points.push_back({t, i == 20 ? NAN : 0.004 + 0.0001 * i});
    p50.points.push_back({t, 0.001});
  }
  chart.series = {p99, p50};
  return chart;
}

TEST(LineChartTest, SvgHasLinesBrokenAtGapsUnitLabelsAndLegend) {
  std::string svg;
  ASSERT_TRUE(RenderLineChart(LatencyChart(), PlotFormat::kSvg, &svg).ok());
  EXPECT_EQ(test::XmlProblem(svg), "") << svg;
  // p99 broken at its missing sample: two lines; p50 one.
  EXPECT_EQ(test::Elements(svg, "polyline").size(), 3u);
  EXPECT_NE(svg.find(">p99 (ms)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">14:00</text>"), std::string::npos);
  EXPECT_NE(svg.find(">time (UTC), from 2026-12-07</text>"), std::string::npos);
  EXPECT_NE(svg.find(">p50 &lt;fast&gt;</text>"), std::string::npos);
}

TEST(LineChartTest, WideGapsBreakTheLineAndLoneSamplesAreDots) {
  LineChart chart;
  chart.series = {{"", {{0, 1}, {1, 2}, {10, 3}, {11, 4}, {20, 5}}}};
  chart.max_gap_x = 2;
  std::string svg;
  ASSERT_TRUE(RenderLineChart(chart, PlotFormat::kSvg, &svg).ok());
  EXPECT_EQ(test::Elements(svg, "polyline").size(), 2u);
  // Background, then the dot of the lone sample at x = 20.
  EXPECT_EQ(test::Elements(svg, "rect").size(), 2u);
}

TEST(LineChartTest, PngDecodesToTheChartSize) {
  LineChart chart = LatencyChart();
  chart.width = 640;
  chart.height = 300;
  std::string png;
  ASSERT_TRUE(RenderLineChart(chart, PlotFormat::kPng, &png).ok());
  Raster r;
  ASSERT_TRUE(test::DecodePng(png, &r));
  EXPECT_EQ(r.width, 640);
  EXPECT_EQ(r.height, 300);
  // Both series' colours are drawn.
  bool first = false, second = false;
  for (int y = 0; y < r.height; ++y) {
    for (int x = 0; x < r.width; ++x) {
      first |= r.At(x, y) == PaletteColor(0);
      second |= r.At(x, y) == PaletteColor(1);
    }
  }
  EXPECT_TRUE(first && second);
}

TEST(LineChartTest, NoDataSaysSoAndBadChartsAreRefused) {
  LineChart chart;
  chart.title = "empty";
  chart.series = {{"nothing", {{1, NAN}}}};
  std::string svg;
  ASSERT_TRUE(RenderLineChart(chart, PlotFormat::kSvg, &svg).ok());
  EXPECT_NE(svg.find(">no data</text>"), std::string::npos);
  EXPECT_EQ(test::XmlProblem(svg), "");

  std::string out = "untouched";
  chart.width = 10;
  EXPECT_TRUE(RenderLineChart(chart, PlotFormat::kSvg, &out).IsInvalidArgument());
  chart.width = 800;
  chart.series = {{"bad", {{INFINITY, 1}}}};
  EXPECT_TRUE(RenderLineChart(chart, PlotFormat::kSvg, &out).IsInvalidArgument());
  chart.series.assign(101, PlotSeries{});
  EXPECT_TRUE(RenderLineChart(chart, PlotFormat::kSvg, &out).IsInvalidArgument());
  EXPECT_EQ(out, "untouched");
}

TEST(LineChartTest, ExtremeValuesNeverHangOrBreakTheDocument) {
  const std::vector<std::vector<PlotPoint>> cases = {
      {{0, 1e308}, {1, -1e308}},      // a y range past a double
      {{-1e308, 1}, {1e308, 2}},      // an x range past a double
      {{0, 1e-320}, {1, 2e-320}},     // denormal values
      {{0, 1e300}, {1e-300, 1e300}},  // a tiny x step
      {{5, 7}},                       // one point
      {{1, -3}, {2, -3}},             // constant negative
  };
  for (const auto& points : cases) {
    for (PlotXAxis axis : {PlotXAxis::kNumber, PlotXAxis::kUnixMicros}) {
      LineChart chart;
      chart.x_axis = axis;
      chart.y_unit = PlotUnit::kBytes;
      chart.series = {{"s", points}};
      std::string svg;
      Status s = RenderLineChart(chart, PlotFormat::kSvg, &svg);
      if (!s.ok()) {
        EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
        continue;
      }
      EXPECT_EQ(test::XmlProblem(svg), "");
      EXPECT_LT(svg.size(), 100'000u);
      std::string png;
      EXPECT_TRUE(RenderLineChart(chart, PlotFormat::kPng, &png).ok());
    }
  }
}

}  // namespace
}  // namespace spirapi::plot
