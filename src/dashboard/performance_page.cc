// The performance page (pages.h): throughput, latency, cache hit rate and
// disk use over time from the metrics history (include/spirapi/metrics.h),
// and this process's figures since it opened the database.

#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include "dashboard/html.h"
#include "dashboard/pages.h"
#include "spirapi/metrics.h"
#include "spirapi/plot.h"

namespace spirapi::dashboard {

namespace {

constexpr int64_t kDayMicros = int64_t{86400} * 1000000;

// One line per value the samples give; x is each interval's end.
PlotSeries SeriesOf(const std::string& name, const std::vector<MetricsSample>& samples,
                    double (*value)(const MetricsSample&)) {
  PlotSeries series;
  series.name = name;
  for (const MetricsSample& s : samples) {
    series.points.push_back({static_cast<double>(s.end_us), value(s)});
  }
  return series;
}

bool Active(const std::vector<MetricsSample>& samples, MetricOp op) {
  for (const MetricsSample& s : samples) {
    if (s.op(op).count > 0) return true;
  }
  return false;
}

Status Chart(LineChart chart, const std::vector<MetricsSample>& samples, std::string* html) {
  chart.x_axis = PlotXAxis::kUnixMicros;
  // Samples are a minute apart (or an hour, when merged): a longer silence is
  // a time the database was closed, shown as a gap.
  int64_t step = 0;
  for (size_t i = 1; i < samples.size(); ++i) {
    int64_t d = samples[i].end_us - samples[i - 1].end_us;
    if (step == 0 || (d > 0 && d < step)) step = d;
  }
  chart.max_gap_x = step > 0 ? 3.0 * static_cast<double>(step) : 0;
  chart.width = 640;
  chart.height = 300;
  std::string svg;
  Status s = RenderLineChart(chart, PlotFormat::kSvg, &svg);
  if (s.ok()) *html += "<div class=\"chart\">" + svg + "</div>";
  return s;
}

Status Charts(const std::vector<MetricsSample>& samples, std::string* html) {
  static constexpr MetricOp kShown[] = {MetricOp::kGet,    MetricOp::kPut,  MetricOp::kDelete,
                                        MetricOp::kCommit, MetricOp::kScan, MetricOp::kQuery};
  LineChart throughput;
  throughput.title = "Throughput";
  throughput.y_label = "operations";
  throughput.y_unit = PlotUnit::kOpsPerSecond;
  LineChart latency;
  latency.title = "Latency, 99th percentile";
  latency.y_label = "latency";
  latency.y_unit = PlotUnit::kSeconds;
  LineChart median = latency;
  median.title = "Latency, median";
  for (MetricOp op : kShown) {
    if (!Active(samples, op)) continue;
    PlotSeries rate, p99, p50;
    rate.name = p99.name = p50.name = MetricOpName(op);
    for (const MetricsSample& s : samples) {
      const double x = static_cast<double>(s.end_us);
      const OpMetrics& m = s.op(op);
      rate.points.push_back({x, m.ops_per_second});
      // No operation in the interval: no latency to draw (a gap, not 0).
      p99.points.push_back({x, m.count > 0 ? m.p99_seconds : std::nan("")});
      p50.points.push_back({x, m.count > 0 ? m.p50_seconds : std::nan("")});
    }
    throughput.series.push_back(std::move(rate));
    latency.series.push_back(std::move(p99));
    median.series.push_back(std::move(p50));
  }
  LineChart cache;
  cache.title = "Block cache hit rate";
  cache.y_label = "hits (%)";
  cache.series.push_back(SeriesOf("hit rate", samples, [](const MetricsSample& s) {
    const uint64_t lookups = s.block_cache_hits + s.block_cache_misses;
    return lookups == 0 ? std::nan("") : 100.0 * static_cast<double>(s.block_cache_hits) / lookups;
  }));
  LineChart disk;
  disk.title = "Disk use";
  disk.y_label = "database size";
  disk.y_unit = PlotUnit::kBytes;
  disk.series.push_back(SeriesOf("on disk", samples, [](const MetricsSample& s) {
    return static_cast<double>(s.total_disk_bytes);
  }));
  *html += "<div class=\"charts\">";
  for (LineChart* chart : {&throughput, &latency, &median, &cache, &disk}) {
    Status s = Chart(*chart, samples, html);
    if (!s.ok()) return s;
  }
  *html += "</div>";
  return Status::OK();
}

}  // namespace

Status PerformancePage(Sources& src, std::string* html) {
  const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  MetricsHistoryQuery query;
  query.from_us = now_us - kDayMicros;
  std::vector<MetricsSample> samples;
  Status s = ReadMetricsHistory(src.db, query, &samples);
  if (!s.ok()) return s;
  std::string charts;
  if (samples.empty()) {
    charts =
        "<p class=\"muted\">no history in the last 24 hours: a writable instance stores a sample "
        "every Options::metrics_interval_seconds (default 60) and when it closes "
        "(docs/MONITORING.md)</p>";
  } else {
    s = Charts(samples, &charts);
    if (!s.ok()) return s;
  }
  *html += Card("The last 24 hours (" + std::to_string(samples.size()) + " samples)", charts);

  Metrics metrics;
  s = src.db->GetMetrics(&metrics);
  if (!s.ok()) return s;
  Table t({"operation", "#count", "#errors", "#ops/s", "#median", "#99th", "#99.9th", "#max"});
  for (int i = 0; i < kNumMetricOps; ++i) {
    const OpMetrics& m = metrics.ops[i];
    if (m.count == 0) continue;
    char rate[32];
    std::snprintf(rate, sizeof(rate), "%.1f", m.ops_per_second);
    t.Cell(MetricOpName(static_cast<MetricOp>(i))).Cell(m.count).Cell(m.errors).Cell(rate);
    t.Cell(FormatSeconds(m.p50_seconds))
        .Cell(FormatSeconds(m.p99_seconds))
        .Cell(FormatSeconds(m.p999_seconds));
    t.Cell(FormatSeconds(m.max_seconds));
    t.EndRow();
  }
  char heading[96];
  std::snprintf(heading, sizeof(heading), "This process, since it opened the database (%.0f s)",
                metrics.uptime_seconds);
  *html += Card(heading, t.empty() ? "<p class=\"muted\">no operations yet</p>" : t.Html());
  return Status::OK();
}

// Prometheus's text format: this process's metrics, and the newest sample the
// database stored (another process's figures, when that process writes it).
Status PrometheusText(Sources& src, std::string* text) {
  Metrics metrics;
  Status s = src.db->GetMetrics(&metrics);
  if (!s.ok()) return s;
  *text = metrics.ToPrometheus();
  MetricsHistoryQuery query;
  query.from_us = metrics.time_us - kDayMicros;
  std::vector<MetricsSample> samples;
  s = ReadMetricsHistory(src.db, query, &samples);
  if (!s.ok()) return s;
  const MetricsSample* newest = nullptr;
  for (const MetricsSample& sample : samples) {
    if (newest == nullptr || sample.end_us > newest->end_us) newest = &sample;
  }
  if (newest != nullptr) *text += newest->ToPrometheus();
  return Status::OK();
}

}  // namespace spirapi::dashboard
