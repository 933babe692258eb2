#include "plot/pi_plots.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "pi/digit_analysis.h"
#include "pi/ulam_spiral.h"
#include "plot/bar_chart.h"

namespace spirapi::plot {
namespace {

constexpr Rgb kUnreached{242, 242, 242};

std::string Thousands(uint64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// "all 10,000 digits" or "first 65,536 of 1,000,000 digits".
std::string ShownText(const SequenceExtent& e) {
  if (e.shown >= e.precision) {
    return (e.precision == 1 ? "1 digit" : "all " + Thousands(e.precision) + " digits");
  }
  return "first " + Thousands(e.shown) + " of " + Thousands(e.precision) + " digits";
}

}  // namespace

void DigitTally::Add(std::string_view digits) {
  for (char c : digits) {
    ++counts_[static_cast<unsigned char>(c - '0') % 10];
    if (run_length_ > 0 && c == run_digit_) {
      ++run_length_;
      continue;
    }
    Finish();
    run_digit_ = c;
    run_length_ = 1;
  }
  total_ += digits.size();
}

void DigitTally::Finish() {
  if (run_length_ == 0) return;
  if (runs_.size() <= run_length_) runs_.resize(run_length_ + 1);
  ++runs_[run_length_];
  run_length_ = 0;
}

double ExpectedRuns(uint64_t n, uint64_t k) {
  if (k == 0 || k > n) return 0;
  const double continues = std::pow(0.1, static_cast<double>(k - 1));
  if (k == n) return continues;
  // A run at either end has one neighbour that must differ, one inside two.
  return continues * (2 * 0.9 + static_cast<double>(n - k - 1) * 0.81);
}

Scene DistributionScene(const SequenceExtent& extent, const DigitTally& tally) {
  BarChart chart;
  const double n = static_cast<double>(tally.total());
  double chi = 0;
  for (uint64_t c : tally.counts()) {
    if (n > 0) chi += (c - n / 10) * (c - n / 10) / (n / 10);
  }
  const double p = n > 0 ? pi::ChiSquareUpperTail(chi, 9) : 1;
  char stats[160];
  std::snprintf(stats, sizeof(stats), "\xcf\x87\xc2\xb2 = %.2f (9 d.f.), p = %.3g: %s", chi, p,
                p >= 0.01 ? "consistent with uniform digits" : "uniformity rejected at 1%");
  chart.title = "Digit distribution of '" + extent.id + "'";
  chart.subtitle = ShownText(extent) + " \xc2\xb7 " + stats;
  chart.description = "Bar chart of how often each digit 0-9 occurs, " + ShownText(extent) +
                      ", against the uniform expectation " + Thousands(tally.total() / 10) + " (" +
                      stats + ").";
  chart.x_label = "digit";
  chart.y_label = "occurrences";
  for (int d = 0; d < 10; ++d) {
    chart.categories.push_back(std::to_string(d));
    chart.values.push_back(static_cast<double>(tally.counts()[d]));
    chart.expected.push_back(n / 10);
    chart.colors.push_back(PaletteColor(d));
  }
  chart.expected_label = "expected (uniform)";
  return BarChartScene(chart);
}

Scene RunsScene(const SequenceExtent& extent, const DigitTally& tally) {
  const uint64_t n = tally.total();
  const std::vector<uint64_t>& runs = tally.runs();
  const uint64_t longest = runs.empty() ? 0 : runs.size() - 1;
  uint64_t bars = std::max<uint64_t>(1, longest);
  // Also the lengths expected at least once that did not occur.
  while (bars < kMaxRunBars && ExpectedRuns(n, bars + 1) >= 1) ++bars;
  bars = std::min(bars, kMaxRunBars);
  BarChart chart;
  uint64_t total_runs = 0;
  for (uint64_t r : runs) total_runs += r;
  chart.title = "Runs of equal digits in '" + extent.id + "'";
  chart.subtitle = ShownText(extent) + " \xc2\xb7 " + Thousands(total_runs) +
                   " runs, the longest " + std::to_string(longest) + " digits";
  chart.description = "Bar chart (logarithmic) of the number of maximal runs of k equal digits, " +
                      ShownText(extent) + ", with the number expected of uniform random digits.";
  chart.x_label = "run length k (digits)";
  chart.y_label = "runs (log scale)";
  chart.log_y = true;
  chart.expected_label = "expected (uniform)";
  for (uint64_t k = 1; k <= bars; ++k) {
    const bool tail = k == bars && longest > bars;  // the last bar holds k and longer
    uint64_t observed = 0;
    double expected = 0;
    for (uint64_t j = k; j <= (tail ? longest : k); ++j) {
      if (j < runs.size()) observed += runs[j];
    }
    if (tail) {
      for (uint64_t j = k; j <= n; ++j) {
        const double e = ExpectedRuns(n, j);
        expected += e;
        if (e < 1e-300) break;
      }
    } else {
      expected = ExpectedRuns(n, k);
    }
    chart.categories.push_back(std::to_string(k) + (tail ? "+" : ""));
    chart.values.push_back(static_cast<double>(observed));
    chart.expected.push_back(expected);
  }
  return BarChartScene(chart);
}

SpiralLayout SpiralLayoutFor(uint64_t digits) {
  SpiralLayout l;
  l.ring = digits <= 1 ? 0 : pi::SpiralRingOf(digits);
  const int64_t side = 2 * l.ring + 1;
  l.cell_px = static_cast<int>(std::clamp<int64_t>(512 / side, 1, 32));
  l.left = 20;
  l.top = 64;
  return l;
}

Scene SpiralScene(const SequenceExtent& extent, std::string_view digits) {
  const SpiralLayout l = SpiralLayoutFor(extent.shown);
  const int side = static_cast<int>(2 * l.ring + 1);
  auto raster = std::make_shared<Raster>(side, side, kUnreached);
  for (uint64_t p = 1; p <= digits.size(); ++p) {
    const pi::SpiralCell c = pi::SpiralCellOf(p);
    raster->Set(static_cast<int>(c.x + l.ring), static_cast<int>(l.ring - c.y),
                PaletteColor(static_cast<unsigned char>(digits[p - 1] - '0') % 10));
  }
  const int picture = side * l.cell_px;
  Scene scene;
  scene.width = std::max(l.left + picture + 110, 420);
  scene.height = std::max(l.top + picture + 20, 64 + 10 * 22 + 20);
  scene.title = "Ulam spiral of '" + extent.id + "'";
  scene.description = "The digits of '" + extent.id + "' on the Ulam spiral, " + ShownText(extent) +
                      ": position 1 in the centre, then counter-clockwise, each cell coloured "
                      "by its digit (legend at the right).";
  scene.Text(scene.width / 2.0, 24, scene.title, 16, Anchor::kMiddle, true);
  scene.Text(scene.width / 2.0, 44,
             ShownText(extent) + ", " + std::to_string(side) + " \xc3\x97 " + std::to_string(side) +
                 " cells",
             12, Anchor::kMiddle);
  scene.Add(ImageItem{static_cast<double>(l.left), static_cast<double>(l.top),
                      static_cast<double>(picture), static_cast<double>(picture), raster});
  const double lx = l.left + picture + 24;
  for (int d = 0; d < 10; ++d) {
    const double y = l.top + 22.0 * d;
    scene.Add(RectItem{lx, y, 14, 14, PaletteColor(d)});
    scene.Text(lx + 22, y + 12, "digit " + std::to_string(d), 12);
  }
  return scene;
}

}  // namespace spirapi::plot
