// The π plots (PlotSequence, PlotSequenceToFile): each kind in each format
// from a stored sequence; the spiral's pixels; the tallies behind the
// distribution and the runs; caps; files written whole or not at all.

#include "plot/pi_plots.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "pi/ulam_spiral.h"
#include "plot_test_util.h"
#include "spirapi/db.h"
#include "spirapi/pi.h"
#include "spirapi/plot.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

using plot::Raster;

std::string RandomDigits(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '0');
  for (char& c : out) c = static_cast<char>('0' + rng() % 10);
  return out;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class PiPlotsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options o;
    o.background_work = false;
    ASSERT_TRUE(DB::Open(o, dir_.Sub("db"), &db_).ok());
    ASSERT_TRUE(PiStore::Open(db_.get(), &store_).ok());
  }
  void Store(const std::string& id, const std::string& digits) {
    SequenceInfo info;
    ASSERT_TRUE(store_->StoreSequence(id, digits, StoreOptions(), &info).ok());
  }
  std::string Plot(const std::string& id, PlotKind kind, PlotFormat format,
                   uint64_t max_digits = 0) {
    PlotOptions options;
    options.max_digits = max_digits;
    std::string out;
    Status s = PlotSequence(store_.get(), id, kind, format, options, &out);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  test::TempDir dir_;
  std::unique_ptr<DB> db_;
  std::unique_ptr<PiStore> store_;
};

TEST(DigitTallyTest, CountsDigitsAndRunsAcrossPieces) {
  plot::DigitTally tally;
  tally.Add("1122");
  tally.Add("2345");  // the run of 2s goes on across the pieces
  tally.Add("55");
  tally.Finish();
  EXPECT_EQ(tally.total(), 10u);
  EXPECT_EQ(tally.counts()[2], 3u);
  EXPECT_EQ(tally.counts()[5], 3u);
  // Runs: 11, 222, 3, 4, 555.
  ASSERT_EQ(tally.runs().size(), 4u);
  EXPECT_EQ(tally.runs()[1], 2u);
  EXPECT_EQ(tally.runs()[2], 1u);
  EXPECT_EQ(tally.runs()[3], 2u);
}

TEST(DigitTallyTest, ExpectedRunsSumToTheExpectedDigits) {
  // Σ k E[runs of length k] = n for any n.
  for (uint64_t n : {1, 2, 3, 10, 1000}) {
    double digits = 0;
    for (uint64_t k = 1; k <= n; ++k) digits += static_cast<double>(k) * plot::ExpectedRuns(n, k);
    EXPECT_NEAR(digits, static_cast<double>(n), 1e-9 * n) << n;
  }
  EXPECT_NEAR(plot::ExpectedRuns(2, 1), 1.8, 1e-12);
  EXPECT_NEAR(plot::ExpectedRuns(2, 2), 0.1, 1e-12);
  EXPECT_EQ(plot::ExpectedRuns(2, 3), 0);
}

TEST_F(PiPlotsTest, DistributionShowsCountsAndChiSquare) {
  Store("s", "0123456789011");
  const std::string svg = Plot("s", PlotKind::kDistribution, PlotFormat::kSvg);
  EXPECT_EQ(test::XmlProblem(svg), "");
  EXPECT_NE(svg.find("<title>Digit distribution of &apos;s&apos;</title>"), std::string::npos);
  EXPECT_NE(svg.find("all 13 digits"), std::string::npos);
  EXPECT_NE(svg.find("\xcf\x87\xc2\xb2 = "), std::string::npos);
  // Bars: ten, after the background; digits 0 and 1 (2 and 3 times) are 2x
  // and 3x as high as digit 2's.
  const std::vector<std::string> rects = test::Elements(svg, "rect");
  ASSERT_GE(rects.size(), 11u);
  const double h0 = std::stod(test::Attribute(rects[1], "height"));
  const double h1 = std::stod(test::Attribute(rects[2], "height"));
  const double h2 = std::stod(test::Attribute(rects[3], "height"));
  EXPECT_NEAR(h0 / h2, 2, 0.02);
  EXPECT_NEAR(h1 / h2, 3, 0.02);
}

TEST_F(PiPlotsTest, SpiralPngHasEachDigitsColourAtItsCell) {
  const std::string digits = RandomDigits(1000, 7);
  Store("r", digits);
  Raster r;
  ASSERT_TRUE(test::DecodePng(Plot("r", PlotKind::kSpiral, PlotFormat::kPng), &r));
  const plot::SpiralLayout l = plot::SpiralLayoutFor(digits.size());
  EXPECT_EQ(l.ring, 16);  // 1000 cells reach ring 16 (33² = 1089)
  EXPECT_GE(r.width, l.left + 33 * l.cell_px);
  for (uint64_t p : {1ull, 2ull, 5ull, 77ull, 1000ull}) {
    const pi::SpiralCell c = pi::SpiralCellOf(p);
    const int px = l.left + static_cast<int>(c.x + l.ring) * l.cell_px + l.cell_px / 2;
    const int py = l.top + static_cast<int>(l.ring - c.y) * l.cell_px + l.cell_px / 2;
    EXPECT_EQ(r.At(px, py), plot::PaletteColor(digits[p - 1] - '0')) << "position " << p;
  }
  // The SVG has the same picture (as rects or an image), a legend of ten.
  const std::string svg = Plot("r", PlotKind::kSpiral, PlotFormat::kSvg);
  EXPECT_EQ(test::XmlProblem(svg), "");
  for (int d = 0; d < 10; ++d) {
    EXPECT_NE(svg.find(">digit " + std::to_string(d) + "</text>"), std::string::npos);
  }
}

TEST_F(PiPlotsTest, OneDigitSequencesPlotInEveryKindAndFormat) {
  Store("one", "7");
  for (PlotKind kind : {PlotKind::kDistribution, PlotKind::kSpiral, PlotKind::kRuns}) {
    const std::string svg = Plot("one", kind, PlotFormat::kSvg);
    EXPECT_EQ(test::XmlProblem(svg), "") << PlotKindName(kind);
    EXPECT_NE(svg.find("1 digit"), std::string::npos) << PlotKindName(kind);
    Raster r;
    EXPECT_TRUE(test::DecodePng(Plot("one", kind, PlotFormat::kPng), &r)) << PlotKindName(kind);
  }
  Raster r;
  ASSERT_TRUE(test::DecodePng(Plot("one", PlotKind::kSpiral, PlotFormat::kPng), &r));
  const plot::SpiralLayout l = plot::SpiralLayoutFor(1);
  EXPECT_EQ(r.At(l.left + l.cell_px / 2, l.top + l.cell_px / 2), plot::PaletteColor(7));
}

TEST_F(PiPlotsTest, RunsCompareObservedWithExpected) {
  Store("runs", "1112222333344444" + RandomDigits(5000, 3));
  const std::string svg = Plot("runs", PlotKind::kRuns, PlotFormat::kSvg);
  EXPECT_EQ(test::XmlProblem(svg), "");
  EXPECT_NE(svg.find("the longest 5 digits"), std::string::npos);
  EXPECT_NE(svg.find(">runs (log scale)</text>"), std::string::npos);
  // A constant sequence: one run of its whole length, in the last bar.
  Store("zeros", std::string(1000, '0'));
  const std::string zeros = Plot("zeros", PlotKind::kRuns, PlotFormat::kSvg);
  EXPECT_NE(zeros.find(">25+</text>"), std::string::npos);
  EXPECT_NE(zeros.find("the longest 1000 digits"), std::string::npos);
}

TEST_F(PiPlotsTest, LongSequencesAreCappedAndSaySo) {
  Store("long", RandomDigits(70'000, 11));
  const std::string svg = Plot("long", PlotKind::kSpiral, PlotFormat::kSvg);
  EXPECT_NE(svg.find("first 65,536 of 70,000 digits"), std::string::npos);
  EXPECT_EQ(test::Elements(svg, "image").size(), 1u);  // too many cells for rects
  EXPECT_LT(svg.size(), 400'000u);
  EXPECT_NE(Plot("long", PlotKind::kDistribution, PlotFormat::kSvg, 500).find("first 500 of"),
            std::string::npos);
  EXPECT_NE(Plot("long", PlotKind::kDistribution, PlotFormat::kSvg).find("all 70,000 digits"),
            std::string::npos);
  PlotOptions too_many;
  too_many.max_digits = kMaxSpiralPlotDigits + 1;
  std::string out;
  EXPECT_TRUE(
      PlotSequence(store_.get(), "long", PlotKind::kSpiral, PlotFormat::kPng, too_many, &out)
          .IsInvalidArgument());
}

TEST_F(PiPlotsTest, UnknownSequenceIsNotFound) {
  std::string out;
  EXPECT_TRUE(
      PlotSequence(store_.get(), "absent", PlotKind::kRuns, PlotFormat::kSvg, PlotOptions(), &out)
          .IsNotFound());
}

TEST_F(PiPlotsTest, FilesAreWrittenWholeOrNotAtAll) {
  Store("s", RandomDigits(500, 5));
  const std::string svg = dir_.Sub("plot.SVG");
  ASSERT_TRUE(
      PlotSequenceToFile(store_.get(), "s", PlotKind::kDistribution, svg, PlotOptions()).ok());
  EXPECT_EQ(test::XmlProblem(Slurp(svg)), "");
  const std::string png = dir_.Sub("plot.png");
  ASSERT_TRUE(PlotSequenceToFile(store_.get(), "s", PlotKind::kSpiral, png, PlotOptions()).ok());
  Raster r;
  EXPECT_TRUE(test::DecodePng(Slurp(png), &r));
  // Replacing an existing file.
  ASSERT_TRUE(PlotSequenceToFile(store_.get(), "s", PlotKind::kRuns, png, PlotOptions()).ok());
  EXPECT_TRUE(test::DecodePng(Slurp(png), &r));

  // Refusals leave nothing behind.
  const auto files = [&] {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_.path())) ++n;
    return n;
  };
  const size_t before = files();
  EXPECT_TRUE(
      PlotSequenceToFile(store_.get(), "s", PlotKind::kRuns, dir_.Sub("plot.jpg"), PlotOptions())
          .IsInvalidArgument());
  EXPECT_TRUE(
      PlotSequenceToFile(store_.get(), "absent", PlotKind::kRuns, dir_.Sub("a.svg"), PlotOptions())
          .IsNotFound());
  EXPECT_TRUE(PlotSequenceToFile(store_.get(), "s", PlotKind::kRuns, dir_.Sub("no/dir/a.svg"),
                                 PlotOptions())
                  .IsIOError());
  // A directory in the way: the rename fails, the temporary file is removed.
  std::filesystem::create_directory(dir_.Sub("taken.svg"));
  EXPECT_TRUE(
      PlotSequenceToFile(store_.get(), "s", PlotKind::kRuns, dir_.Sub("taken.svg"), PlotOptions())
          .IsIOError());
  EXPECT_EQ(files(), before + 1);  // only the directory made above
  if (::geteuid() != 0) {          // root writes anywhere
    std::filesystem::create_directory(dir_.Sub("ro"));
    ::chmod(dir_.Sub("ro").c_str(), 0555);
    EXPECT_TRUE(WritePlotFile(dir_.Sub("ro/a.svg"), "x").IsIOError());
    EXPECT_TRUE(std::filesystem::is_empty(dir_.Sub("ro")));
  }
}

TEST(PlotNamesTest, KindsAndFormatsParse) {
  PlotKind kind;
  PlotFormat format;
  for (PlotKind k : {PlotKind::kDistribution, PlotKind::kSpiral, PlotKind::kRuns}) {
    ASSERT_TRUE(ParsePlotKind(PlotKindName(k), &kind).ok());
    EXPECT_EQ(kind, k);
  }
  EXPECT_TRUE(ParsePlotKind("Spiral", &kind).IsInvalidArgument());
  EXPECT_TRUE(ParsePlotFormat("png", &format).ok());
  EXPECT_EQ(format, PlotFormat::kPng);
  EXPECT_TRUE(ParsePlotFormat("gif", &format).IsInvalidArgument());
  EXPECT_TRUE(PlotFormatForPath("a/b.Png", &format).ok());
  EXPECT_EQ(format, PlotFormat::kPng);
  EXPECT_TRUE(PlotFormatForPath("a.svg", &format).ok());
  EXPECT_EQ(format, PlotFormat::kSvg);
  EXPECT_TRUE(PlotFormatForPath("svg", &format).IsInvalidArgument());
  EXPECT_TRUE(PlotFormatForPath("a.svg.txt", &format).IsInvalidArgument());
}

}  // namespace
}  // namespace spirapi
