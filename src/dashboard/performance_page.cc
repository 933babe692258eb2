// The performance page (pages.h): throughput, latency, cache hit rate and
// disk use over time from the metrics history (include/spirapi/metrics.h),
// and this process's figures since it opened the database.

#include <chrono>
#include <cstdio>
#include <vector>

#include "dashboard/html.h"
#include "dashboard/pages.h"
#include "spirapi/metrics.h"
#include "spirapi/plot.h"

namespace spirapi::dashboard {

namespace {

constexpr int64_t kDayMicros = int64_t{86400} * 1000000;

// The charts of the history, as MetricChart (include/spirapi/plot.h) builds
// them for `spirapi plot`, smaller.
Status Charts(const std::vector<MetricsSample>& samples, std::string* html) {
  *html += "<div class=\"charts\">";
  for (const char* metric :
       {"throughput", "latency_p99", "latency_p50", "cache_hit_rate", "disk_bytes"}) {
    LineChart chart;
    Status s = MetricChart(metric, samples, &chart);
    chart.width = 640;
    chart.height = 300;
    std::string svg;
    if (s.ok()) s = RenderLineChart(chart, PlotFormat::kSvg, &svg);
    if (!s.ok()) return s;
    *html += "<div class=\"chart\">" + svg + "</div>";
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
