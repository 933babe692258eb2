// The pictures of a π sequence (include/spirapi/plot.h, PlotSequence), as
// scenes built from digits already read, so they are testable without a
// database.

#ifndef SPIRAPI_PLOT_PI_PLOTS_H_
#define SPIRAPI_PLOT_PI_PLOTS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plot/scene.h"

namespace spirapi::plot {

// Digit counts and runs of a digit string, accumulated piece by piece so
// that a long sequence is read a chunk at a time.
class DigitTally {
 public:
  void Add(std::string_view digits);
  // Ends the last run; call once, after the last Add.
  void Finish();

  uint64_t total() const { return total_; }
  const std::array<uint64_t, 10>& counts() const { return counts_; }
  // runs()[k]: maximal runs of exactly k equal digits (index 0 unused).
  const std::vector<uint64_t>& runs() const { return runs_; }

 private:
  uint64_t total_ = 0;
  std::array<uint64_t, 10> counts_{};
  std::vector<uint64_t> runs_;
  char run_digit_ = 0;
  uint64_t run_length_ = 0;
};

// What a plot of `shown` digits of a sequence of `precision` names.
struct SequenceExtent {
  std::string id;
  uint64_t precision = 0;
  uint64_t shown = 0;
};

// The expected number of maximal runs of exactly k equal digits among n
// uniform random digits.
double ExpectedRuns(uint64_t n, uint64_t k);

// Runs of this length and longer share the last bar of the runs plot.
inline constexpr uint64_t kMaxRunBars = 25;

Scene DistributionScene(const SequenceExtent& extent, const DigitTally& tally);
Scene RunsScene(const SequenceExtent& extent, const DigitTally& tally);

// Where the spiral of `digits` cells sits in its picture: the cell (x, y)
// fills the square of side cell_px at (left + (x + ring) * cell_px,
// top + (ring - y) * cell_px).
struct SpiralLayout {
  int64_t ring = 0;
  int cell_px = 1;
  int left = 0;
  int top = 0;
};
SpiralLayout SpiralLayoutFor(uint64_t digits);

// `digits` holds the first extent.shown digits.
Scene SpiralScene(const SequenceExtent& extent, std::string_view digits);

}  // namespace spirapi::plot

#endif  // SPIRAPI_PLOT_PI_PLOTS_H_
