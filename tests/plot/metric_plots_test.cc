// Charts of the metrics history by name (MetricChart, PlotMetric): the series
// of a known history stored as the database stores its samples, the pictures
// with their labels, unknown names and a database without history.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "db/metrics_history.h"
#include "plot/scene.h"
#include "plot_test_util.h"
#include "spirapi/db.h"
#include "spirapi/plot.h"
#include "support/temp_dir.h"

namespace spirapi {
namespace {

constexpr int64_t kT0 = int64_t{1796652000} * 1000000;  // 2026-12-07 14:00 UTC
constexpr int64_t kMinute = int64_t{60} * 1000000;
constexpr uint64_t kFastNs = 1000;     // 1 µs
constexpr uint64_t kSlowNs = 1000000;  // 1 ms

void AddOps(MetricsSample* s, MetricOp op, uint64_t n, uint64_t ns) {
  MetricsSample::Histogram& h = s->latency[static_cast<int>(op)];
  h.buckets.emplace_back(HistogramData::BucketOf(ns), n);
  h.sum_ns += n * ns;
  h.max_ns = std::max(h.max_ns, ns);
}

// The minute [kT0 + i min, kT0 + (i + 1) min): 60 gets (2 failing in minute
// 1), and in minutes 0..3 also 90 fast puts and 10 slow commits; 90 cache
// hits and 10 misses but in minute 0; disk and records growing.
MetricsSample Minute(int i) {
  MetricsSample s;
  s.resolution = MetricsResolution::kMinute;
  s.start_us = kT0 + i * kMinute;
  s.end_us = s.start_us + kMinute;
  AddOps(&s, MetricOp::kGet, 60, 2 * kFastNs);
  if (i == 1) s.ops[static_cast<int>(MetricOp::kGet)].errors = 2;
  if (i <= 3) {
    AddOps(&s, MetricOp::kPut, 90, kFastNs);
    AddOps(&s, MetricOp::kCommit, 10, kSlowNs);
  }
  if (i != 0) {
    s.block_cache_hits = 90;
    s.block_cache_misses = 10;
  }
  s.total_disk_bytes = 1000 * (i + 1);
  s.records[static_cast<int>(Component::kSequence)] = i + 1;
  FinishMetricsSample(&s);
  return s;
}

// Minutes 0..3, then (the database closed for a while) 10 and 11.
const std::vector<int> kMinutes = {0, 1, 2, 3, 10, 11};

std::vector<MetricsSample> History() {
  std::vector<MetricsSample> samples;
  for (int i : kMinutes) samples.push_back(Minute(i));
  return samples;
}

const PlotSeries* Find(const LineChart& chart, const std::string& name) {
  for (const PlotSeries& s : chart.series) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::vector<std::string> Names(const LineChart& chart) {
  std::vector<std::string> names;
  for (const PlotSeries& s : chart.series) names.push_back(s.name);
  return names;
}

class MetricPlotsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options o;
    o.metrics_interval_seconds = 0;
    o.background_work = false;
    ASSERT_TRUE(DB::Open(o, dir_.Sub("db"), &db_).ok());
  }
  void StoreHistory() {
    for (const MetricsSample& s : History()) ASSERT_TRUE(StoreMetricsSample(db_.get(), s).ok());
  }

  test::TempDir dir_;
  std::unique_ptr<DB> db_;
};

TEST(MetricChartTest, ReadLatencyIsGetsPercentilesAtEachIntervalsEnd) {
  LineChart chart;
  ASSERT_TRUE(MetricChart("read_latency", History(), &chart).ok());
  EXPECT_EQ(chart.title, "Read latency (get)");
  EXPECT_EQ(chart.x_axis, PlotXAxis::kUnixMicros);
  EXPECT_EQ(chart.y_unit, PlotUnit::kSeconds);
  EXPECT_EQ(Names(chart), (std::vector<std::string>{"p50", "p90", "p99"}));
  // A minute apart at the closest: a silence over 3 minutes is a gap.
  EXPECT_EQ(chart.max_gap_x, 3.0 * kMinute);
  const std::vector<MetricsSample> samples = History();
  for (const PlotSeries& s : chart.series) {
    ASSERT_EQ(s.points.size(), kMinutes.size());
    for (size_t i = 0; i < kMinutes.size(); ++i) {
      EXPECT_EQ(s.points[i].x, static_cast<double>(kT0 + (kMinutes[i] + 1) * kMinute));
      // Every get took 2 µs: each percentile is its bucket's, within 6.25%.
      EXPECT_NEAR(s.points[i].y, 2e-6, 2e-6 * 0.0625) << s.name;
    }
  }
  EXPECT_EQ(Find(chart, "p99")->points[2].y, samples[2].op(MetricOp::kGet).p99_seconds);
}

TEST(MetricChartTest, WriteLatencyMergesPutsDeletesAndCommits) {
  LineChart chart;
  ASSERT_TRUE(MetricChart("write_latency", History(), &chart).ok());
  EXPECT_EQ(chart.subtitle, "put, delete and commit together");
  const PlotSeries* p50 = Find(chart, "p50");
  const PlotSeries* p99 = Find(chart, "p99");
  ASSERT_TRUE(p50 != nullptr && p99 != nullptr);
  // 90 puts of 1 µs and 10 commits of 1 ms: the median is a put's, the 99th
  // percentile a commit's.
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(p50->points[i].y, 1e-6, 1e-6 * 0.0625);
    EXPECT_NEAR(p99->points[i].y, 1e-3, 1e-3 * 0.0625);
  }
  // No write in minutes 10 and 11: no latency there (a gap, not 0).
  EXPECT_TRUE(std::isnan(p50->points[4].y));
  EXPECT_TRUE(std::isnan(p99->points[5].y));
}

TEST(MetricChartTest, ThroughputErrorsCacheDiskAndRecords) {
  const std::vector<MetricsSample> samples = History();
  LineChart chart;
  ASSERT_TRUE(MetricChart("throughput", samples, &chart).ok());
  // Only the kinds seen, in MetricOp order.
  EXPECT_EQ(Names(chart), (std::vector<std::string>{"get", "put", "commit"}));
  EXPECT_EQ(chart.y_unit, PlotUnit::kOpsPerSecond);
  EXPECT_DOUBLE_EQ(Find(chart, "get")->points[0].y, 1.0);  // 60 in a minute
  EXPECT_DOUBLE_EQ(Find(chart, "put")->points[0].y, 1.5);  // 90
  EXPECT_DOUBLE_EQ(Find(chart, "put")->points[4].y, 0.0);  // none: 0 ops/s

  ASSERT_TRUE(MetricChart("errors", samples, &chart).ok());
  EXPECT_EQ(Names(chart), (std::vector<std::string>{"all", "get"}));
  EXPECT_DOUBLE_EQ(Find(chart, "all")->points[1].y, 2.0);  // per minute
  EXPECT_DOUBLE_EQ(Find(chart, "get")->points[0].y, 0.0);

  ASSERT_TRUE(MetricChart("cache_hit_rate", samples, &chart).ok());
  ASSERT_EQ(chart.series.size(), 1u);
  EXPECT_TRUE(std::isnan(chart.series[0].points[0].y));  // no lookups in minute 0
  EXPECT_DOUBLE_EQ(chart.series[0].points[1].y, 90.0);

  ASSERT_TRUE(MetricChart("disk_bytes", samples, &chart).ok());
  EXPECT_EQ(chart.y_unit, PlotUnit::kBytes);
  EXPECT_DOUBLE_EQ(chart.series[0].points[5].y, 12000.0);

  ASSERT_TRUE(MetricChart("records", samples, &chart).ok());
  EXPECT_EQ(Names(chart), (std::vector<std::string>{"sequence"}));
  EXPECT_DOUBLE_EQ(chart.series[0].points[4].y, 11.0);

  ASSERT_TRUE(MetricChart("commit_throughput", samples, &chart).ok());
  EXPECT_EQ(chart.title, "commit throughput");
  EXPECT_NEAR(chart.series[0].points[0].y, 10.0 / 60, 1e-12);
  ASSERT_TRUE(MetricChart("commit_latency", samples, &chart).ok());
  EXPECT_NEAR(Find(chart, "p50")->points[3].y, 1e-3, 1e-3 * 0.0625);
}

TEST(MetricChartTest, EveryNameRenders) {
  const std::vector<MetricsSample> samples = History();
  EXPECT_EQ(MetricPlotNames().size(), 9u + 2 * kNumMetricOps);
  for (const std::string& name : MetricPlotNames()) {
    LineChart chart;
    ASSERT_TRUE(MetricChart(name, samples, &chart).ok()) << name;
    EXPECT_FALSE(chart.title.empty()) << name;
    std::string svg;
    ASSERT_TRUE(RenderLineChart(chart, PlotFormat::kSvg, &svg).ok()) << name;
    EXPECT_EQ(test::XmlProblem(svg), "") << name;
  }
}

TEST(MetricChartTest, UnknownNamesListTheKnownOnes) {
  for (const char* bad : {"", "bogus", "latency", "get_latency ", "fetch_latency", "_latency"}) {
    LineChart chart;
    chart.title = "untouched";
    Status s = MetricChart(bad, History(), &chart);
    EXPECT_TRUE(s.IsInvalidArgument()) << bad;
    EXPECT_EQ(chart.title, "untouched");
    EXPECT_NE(s.message().find("unknown metric '" + std::string(bad) + "'"), std::string::npos);
    EXPECT_NE(s.message().find("throughput, latency_p50,"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("verify_throughput)"), std::string::npos) << s.message();
    EXPECT_EQ(s.message(), CheckMetricPlotName(bad).message());
  }
  EXPECT_TRUE(CheckMetricPlotName("scan_latency").ok());
}

TEST_F(MetricPlotsTest, SvgHasTheSeriesAxisLabelsAndSpan) {
  StoreHistory();
  MetricPlotOptions options;
  options.metric = "read_latency";
  std::string svg;
  ASSERT_TRUE(PlotMetric(db_.get(), options, PlotFormat::kSvg, &svg).ok());
  EXPECT_EQ(test::XmlProblem(svg), "") << svg;
  EXPECT_NE(svg.find(">Read latency (get)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">6 samples, 2026-12-07 14:00:00 to 14:12:00 UTC</text>"), std::string::npos)
      << svg;
  EXPECT_NE(svg.find(">latency (\xc2\xb5s)</text>"), std::string::npos);
  EXPECT_NE(svg.find(">time (UTC), from 2026-12-07</text>"), std::string::npos);
  for (const char* legend : {">p50</text>", ">p90</text>", ">p99</text>"}) {
    EXPECT_NE(svg.find(legend), std::string::npos) << legend;
  }
  // Each of the three lines broken where the database was closed.
  EXPECT_EQ(test::Elements(svg, "polyline").size(), 6u);

  options.metric = "disk_bytes";
  options.width = 640;
  options.height = 300;
  std::string png;
  ASSERT_TRUE(PlotMetric(db_.get(), options, PlotFormat::kPng, &png).ok());
  plot::Raster r;
  ASSERT_TRUE(test::DecodePng(png, &r));
  EXPECT_EQ(r.width, 640);
  EXPECT_EQ(r.height, 300);
}

TEST_F(MetricPlotsTest, RangeAndResolutionSelectTheSamples) {
  StoreHistory();
  MetricPlotOptions options;
  options.metric = "throughput";
  options.history.from_us = kT0 + 5 * kMinute;
  std::string svg;
  ASSERT_TRUE(PlotMetric(db_.get(), options, PlotFormat::kSvg, &svg).ok());
  EXPECT_NE(svg.find(">2 samples, 2026-12-07 14:10:00 to 14:12:00 UTC</text>"), std::string::npos);
  options.history.from_us = 0;
  options.history.resolution = MetricsResolution::kHour;
  ASSERT_TRUE(PlotMetric(db_.get(), options, PlotFormat::kSvg, &svg).ok());
  EXPECT_NE(svg.find(">1 sample, 2026-12-07 14:00:00 to 14:12:00 UTC</text>"), std::string::npos);
}

TEST_F(MetricPlotsTest, ASpanOverDaysNamesBothDates) {
  ASSERT_TRUE(StoreMetricsSample(db_.get(), Minute(0)).ok());
  ASSERT_TRUE(StoreMetricsSample(db_.get(), Minute(26 * 60)).ok());
  MetricPlotOptions options;
  options.metric = "records";
  std::string svg;
  ASSERT_TRUE(PlotMetric(db_.get(), options, PlotFormat::kSvg, &svg).ok());
  EXPECT_NE(svg.find(">2 samples, 2026-12-07 14:00 to 2026-12-08 16:01 UTC</text>"),
            std::string::npos);
}

TEST_F(MetricPlotsTest, NoHistoryIsNotFoundAndWritesNothing) {
  MetricPlotOptions options;
  options.metric = "read_latency";
  std::string out = "before";
  Status s = PlotMetric(db_.get(), options, PlotFormat::kSvg, &out);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(s.message().find("no metrics history"), std::string::npos);
  EXPECT_EQ(out, "before");
  const std::string path = dir_.Sub("chart.svg");
  EXPECT_TRUE(PlotMetricToFile(db_.get(), options, path).IsNotFound());
  StoreHistory();
  options.history.from_us = kT0 + 20 * kMinute;  // after the last sample
  EXPECT_TRUE(PlotMetricToFile(db_.get(), options, path).IsNotFound());
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(MetricPlotsTest, ToFileTakesTheFormatOfItsExtension) {
  StoreHistory();
  MetricPlotOptions options;
  options.metric = "write_latency";
  ASSERT_TRUE(PlotMetricToFile(db_.get(), options, dir_.Sub("w.svg")).ok());
  std::ifstream in(dir_.Sub("w.svg"));
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str().rfind("<?xml", 0), 0u);
  EXPECT_NE(text.str().find(">Write latency</text>"), std::string::npos);
  EXPECT_TRUE(PlotMetricToFile(db_.get(), options, dir_.Sub("w.jpg")).IsInvalidArgument());
  options.metric = "nope";
  EXPECT_TRUE(PlotMetricToFile(db_.get(), options, dir_.Sub("n.svg")).IsInvalidArgument());
  options.metric = "errors";
  options.width = 100;
  EXPECT_TRUE(PlotMetricToFile(db_.get(), options, dir_.Sub("n.svg")).IsInvalidArgument());
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("w.jpg")));
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("n.svg")));
}

}  // namespace
}  // namespace spirapi
