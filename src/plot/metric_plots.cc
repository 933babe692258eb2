// Charts of the metrics history by name (include/spirapi/plot.h): MetricChart
// builds the series, PlotMetric reads the history and renders them. The
// dashboard's performance page (src/dashboard/performance_page.cc) draws its
// charts with MetricChart too.

#include <algorithm>
#include <cmath>
#include <ctime>
#include <functional>
#include <iterator>
#include <limits>
#include <utility>

#include "db/metrics_history.h"
#include "db/metrics_recorder.h"
#include "spirapi/plot.h"

namespace spirapi {
namespace {

// The operations a client asks for; flush .. verify are the database's own
// work, shown by their own <op>_ names only.
constexpr MetricOp kClientOps[] = {MetricOp::kGet,    MetricOp::kPut,  MetricOp::kDelete,
                                   MetricOp::kCommit, MetricOp::kScan, MetricOp::kQuery};
constexpr MetricOp kWriteOps[] = {MetricOp::kPut, MetricOp::kDelete, MetricOp::kCommit};

using Samples = std::vector<MetricsSample>;
using Value = std::function<double(const MetricsSample&)>;

double Missing() { return std::numeric_limits<double>::quiet_NaN(); }

// One line of the values the samples give; x is each interval's end.
PlotSeries SeriesOf(std::string name, const Samples& samples, const Value& value) {
  PlotSeries series;
  series.name = std::move(name);
  for (const MetricsSample& s : samples) {
    series.points.push_back({static_cast<double>(s.end_us), value(s)});
  }
  return series;
}

bool Active(const Samples& samples, MetricOp op) {
  for (const MetricsSample& s : samples) {
    if (s.op(op).count > 0) return true;
  }
  return false;
}

// A latency line: no operation in an interval is no latency to draw (a gap,
// not 0).
double LatencyOf(const OpMetrics& m, double OpMetrics::*field) {
  return m.count > 0 ? m.*field : Missing();
}

// The p50, p90 and p99 lines of the latencies `of` gives per sample.
void AddPercentiles(const Samples& samples,
                    const std::function<OpMetrics(const MetricsSample&)>& of, LineChart* chart) {
  static constexpr std::pair<const char*, double OpMetrics::*> kLines[] = {
      {"p50", &OpMetrics::p50_seconds},
      {"p90", &OpMetrics::p90_seconds},
      {"p99", &OpMetrics::p99_seconds}};
  for (const auto& [name, field] : kLines) {
    chart->series.push_back(SeriesOf(name, samples, [&, field = field](const MetricsSample& s) {
      return LatencyOf(of(s), field);
    }));
  }
}

// Latency percentiles of several kinds together, from their merged
// histograms (exact, as merging samples is).
OpMetrics Combined(const MetricsSample& s, const MetricOp* ops, size_t n) {
  HistogramData merged;
  for (size_t i = 0; i < n; ++i) merged.Merge(ToHistogram(s.latency[static_cast<int>(ops[i])]));
  OpMetrics m;
  FillLatency(merged, &m);
  return m;
}

void LatencyChart(LineChart* chart) {
  chart->y_label = "latency";
  chart->y_unit = PlotUnit::kSeconds;
}

// One line per client operation seen in the samples.
void PerClientOp(const Samples& samples, const std::function<double(const OpMetrics&)>& value,
                 LineChart* chart) {
  for (MetricOp op : kClientOps) {
    if (!Active(samples, op)) continue;
    chart->series.push_back(SeriesOf(MetricOpName(op), samples,
                                     [&, op](const MetricsSample& s) { return value(s.op(op)); }));
  }
}

double ErrorsPerMinute(const MetricsSample& s, uint64_t errors) {
  const double minutes = std::max<int64_t>(1, s.end_us - s.start_us) / 60e6;
  return static_cast<double>(errors) / minutes;
}

// The named charts that are not per kind. False if `metric` is none of them.
bool FixedChart(std::string_view metric, const Samples& samples, LineChart* chart) {
  if (metric == "throughput") {
    chart->title = "Throughput";
    chart->y_label = "operations";
    chart->y_unit = PlotUnit::kOpsPerSecond;
    PerClientOp(
        samples, [](const OpMetrics& m) { return m.ops_per_second; }, chart);
  } else if (metric == "latency_p50" || metric == "latency_p99") {
    const bool median = metric == "latency_p50";
    chart->title = median ? "Latency, median" : "Latency, 99th percentile";
    LatencyChart(chart);
    const auto field = median ? &OpMetrics::p50_seconds : &OpMetrics::p99_seconds;
    PerClientOp(
        samples, [field](const OpMetrics& m) { return LatencyOf(m, field); }, chart);
  } else if (metric == "read_latency") {
    chart->title = "Read latency (get)";
    LatencyChart(chart);
    AddPercentiles(
        samples, [](const MetricsSample& s) { return s.op(MetricOp::kGet); }, chart);
  } else if (metric == "write_latency") {
    chart->title = "Write latency";
    chart->subtitle = "put, delete and commit together";
    LatencyChart(chart);
    AddPercentiles(
        samples,
        [](const MetricsSample& s) { return Combined(s, kWriteOps, std::size(kWriteOps)); }, chart);
  } else if (metric == "errors") {
    chart->title = "Errors";
    chart->y_label = "errors per minute";
    chart->series.push_back(SeriesOf("all", samples, [](const MetricsSample& s) {
      uint64_t errors = 0;
      for (const OpMetrics& o : s.ops) errors += o.errors;
      return ErrorsPerMinute(s, errors);
    }));
    for (int i = 0; i < kNumMetricOps; ++i) {
      bool any = false;
      for (const MetricsSample& s : samples) any = any || s.ops[i].errors > 0;
      if (!any) continue;
      chart->series.push_back(
          SeriesOf(MetricOpName(static_cast<MetricOp>(i)), samples,
                   [i](const MetricsSample& s) { return ErrorsPerMinute(s, s.ops[i].errors); }));
    }
  } else if (metric == "cache_hit_rate") {
    chart->title = "Block cache hit rate";
    chart->y_label = "hits (%)";
    chart->series.push_back(SeriesOf("hit rate", samples, [](const MetricsSample& s) {
      const uint64_t lookups = s.block_cache_hits + s.block_cache_misses;
      return lookups == 0 ? Missing() : 100.0 * static_cast<double>(s.block_cache_hits) / lookups;
    }));
  } else if (metric == "disk_bytes") {
    chart->title = "Disk use";
    chart->y_label = "database size";
    chart->y_unit = PlotUnit::kBytes;
    chart->series.push_back(SeriesOf("on disk", samples, [](const MetricsSample& s) {
      return static_cast<double>(s.total_disk_bytes);
    }));
  } else if (metric == "records") {
    chart->title = "Live records";
    chart->y_label = "records";
    for (int c = 0; c < kNumComponents; ++c) {
      bool any = false;
      for (const MetricsSample& s : samples) any = any || s.records[c] > 0;
      if (!any) continue;
      chart->series.push_back(
          SeriesOf(ComponentName(kAllComponents[c]), samples,
                   [c](const MetricsSample& s) { return static_cast<double>(s.records[c]); }));
    }
  } else {
    return false;
  }
  return true;
}

// <op>_latency and <op>_throughput. False if `metric` is neither.
bool PerOpChart(std::string_view metric, const Samples& samples, LineChart* chart) {
  static constexpr std::string_view kLatency = "_latency", kThroughput = "_throughput";
  MetricOp op;
  const bool latency = metric.ends_with(kLatency);
  if (!latency && !metric.ends_with(kThroughput)) return false;
  const std::string_view name =
      metric.substr(0, metric.size() - (latency ? kLatency : kThroughput).size());
  if (!ParseMetricOp(name, &op)) return false;
  if (latency) {
    chart->title = std::string(name) + " latency";
    LatencyChart(chart);
    AddPercentiles(
        samples, [op](const MetricsSample& s) { return s.op(op); }, chart);
  } else {
    chart->title = std::string(name) + " throughput";
    chart->y_label = "operations";
    chart->y_unit = PlotUnit::kOpsPerSecond;
    chart->series.push_back(SeriesOf(std::string(name), samples, [op](const MetricsSample& s) {
      return s.op(op).ops_per_second;
    }));
  }
  return true;
}

// "2026-12-08 14:05 to 16:30 UTC": the date once if both are on it, seconds
// if the span is under an hour.
std::string UtcSpan(int64_t from_us, int64_t to_us) {
  const bool short_span = to_us - from_us < int64_t{3600} * 1000000;
  auto format = [&](int64_t us, bool date) {
    const time_t t = static_cast<time_t>(us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof(buf),
                  date ? (short_span ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M")
                       : (short_span ? "%H:%M:%S" : "%H:%M"),
                  &tm);
    return std::string(buf);
  };
  const int64_t kDayUs = int64_t{86400} * 1000000;
  return format(from_us, true) + " to " + format(to_us, from_us / kDayUs != to_us / kDayUs) +
         " UTC";
}

}  // namespace

const std::vector<std::string>& MetricPlotNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v = {"throughput",     "latency_p50",   "latency_p99",
                                  "read_latency",   "write_latency", "errors",
                                  "cache_hit_rate", "disk_bytes",    "records"};
    for (int i = 0; i < kNumMetricOps; ++i) {
      const std::string op = MetricOpName(static_cast<MetricOp>(i));
      v.push_back(op + "_latency");
      v.push_back(op + "_throughput");
    }
    return v;
  }();
  return names;
}

Status CheckMetricPlotName(std::string_view metric) {
  std::string names;
  for (const std::string& n : MetricPlotNames()) {
    if (n == metric) return Status::OK();
    names += (names.empty() ? "" : ", ") + n;
  }
  return Status::InvalidArgument("unknown metric '" + std::string(metric) + "' (one of " + names +
                                 ")");
}

Status MetricChart(std::string_view metric, const std::vector<MetricsSample>& samples,
                   LineChart* chart) {
  LineChart built;
  if (!FixedChart(metric, samples, &built) && !PerOpChart(metric, samples, &built)) {
    return CheckMetricPlotName(metric);
  }
  built.x_axis = PlotXAxis::kUnixMicros;
  // Samples are a minute apart (or an hour, when merged): a longer silence is
  // a time the database was closed, shown as a gap.
  int64_t step = 0;
  for (size_t i = 1; i < samples.size(); ++i) {
    const int64_t d = samples[i].end_us - samples[i - 1].end_us;
    if (d > 0 && (step == 0 || d < step)) step = d;
  }
  built.max_gap_x = step > 0 ? 3.0 * static_cast<double>(step) : 0;
  *chart = std::move(built);
  return Status::OK();
}

Status PlotMetric(DB* db, const MetricPlotOptions& options, PlotFormat format, std::string* out) {
  Status s = CheckMetricPlotName(options.metric);
  if (!s.ok()) return s;
  if (options.width < 200 || options.width > 4000 || options.height < 150 ||
      options.height > 4000) {
    return Status::InvalidArgument("a line chart is 200..4000 by 150..4000 pixels");
  }
  std::vector<MetricsSample> samples;
  s = ReadMetricsHistory(db, options.history, &samples);
  if (!s.ok()) return s;
  if (samples.empty()) {
    return Status::NotFound(
        "no metrics history in that time range: a writable instance stores a sample every "
        "metrics_interval_seconds (default 60) and when it closes (docs/MONITORING.md)");
  }
  LineChart chart;
  s = MetricChart(options.metric, samples, &chart);
  if (!s.ok()) return s;
  chart.width = options.width;
  chart.height = options.height;
  int64_t from = samples.front().start_us, to = samples.front().end_us;
  for (const MetricsSample& m : samples) {
    from = std::min(from, m.start_us);
    to = std::max(to, m.end_us);
  }
  const std::string span = std::to_string(samples.size()) +
                           (samples.size() == 1 ? " sample, " : " samples, ") + UtcSpan(from, to);
  chart.subtitle = chart.subtitle.empty() ? span : chart.subtitle + "; " + span;
  return RenderLineChart(chart, format, out);
}

Status PlotMetricToFile(DB* db, const MetricPlotOptions& options, const std::string& path) {
  PlotFormat format;
  Status s = PlotFormatForPath(path, &format);
  if (!s.ok()) return s;
  std::string data;
  s = PlotMetric(db, options, format, &data);
  if (!s.ok()) return s;
  return WritePlotFile(path, data);
}

}  // namespace spirapi
