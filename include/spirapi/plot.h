// Plots as files: SVG and PNG pictures rendered by SpiraPi itself (no
// network, no scripts, no other libraries than libpng). An SVG is one
// self-contained document (inline styles, viewBox, width/height, <title>
// and <desc>), so a web page can embed it as it is; a PNG carries the same
// title and description as text chunks. docs/PLOTS.md shows each plot.
//
// Thread safety: all functions may be called from several threads at once.

#ifndef SPIRAPI_PLOT_H_
#define SPIRAPI_PLOT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "spirapi/export.h"
#include "spirapi/metrics.h"
#include "spirapi/pi.h"
#include "spirapi/status.h"

namespace spirapi {

enum class PlotFormat { kSvg, kPng };

enum class PlotKind {
  // Bar chart of the digit counts 0..9, the uniform expectation as a line,
  // and the chi-square test of uniformity in the subtitle.
  kDistribution,
  // The digits on the Ulam spiral (docs/PI.md), one coloured cell each,
  // with a legend of the ten colours.
  kSpiral,
  // How many maximal runs of k equal digits occur, for each k, against the
  // number expected of uniform random digits (logarithmic scale).
  kRuns,
};

// "distribution", "spiral", "runs". InvalidArgument for anything else.
SPIRAPI_EXPORT Status ParsePlotKind(std::string_view name, PlotKind* kind);
SPIRAPI_EXPORT const char* PlotKindName(PlotKind kind);
// "svg", "png". InvalidArgument for anything else.
SPIRAPI_EXPORT Status ParsePlotFormat(std::string_view name, PlotFormat* format);
// The format a file name asks for by its extension (.svg or .png, any
// case). InvalidArgument for any other name.
SPIRAPI_EXPORT Status PlotFormatForPath(std::string_view path, PlotFormat* format);

// Digits plotted when PlotOptions::max_digits is 0: the first 10^7 for the
// distribution and the runs (about 0.1 s to read and count), the first
// 65,536 (256 x 256 cells) for the spiral. A spiral is at most
// kMaxSpiralPlotDigits (2048 x 2048 cells). The picture says when it shows
// fewer digits than the sequence holds.
inline constexpr uint64_t kDefaultPlotDigits = 10'000'000;
inline constexpr uint64_t kDefaultSpiralPlotDigits = 65'536;
inline constexpr uint64_t kMaxSpiralPlotDigits = 2048 * 2048;

struct PlotOptions {
  // Plot the first max_digits digits of the sequence (0: the default
  // above). A spiral asked for more than kMaxSpiralPlotDigits is
  // InvalidArgument.
  uint64_t max_digits = 0;
};

// The picture of sequence `id` of `store`. Errors: NotFound (no such
// sequence), InvalidArgument (max_digits beyond the spiral's limit).
SPIRAPI_EXPORT Status PlotSequence(PiStore* store, std::string_view id, PlotKind kind,
                                   PlotFormat format, const PlotOptions& options, std::string* out);

// PlotSequence in the format `path`'s extension names, written to `path`
// atomically (a temporary file beside it, synced, then renamed over it):
// `path` is the whole new picture or untouched. Errors: InvalidArgument (bad
// extension, checked before anything is read), IOError (cannot write), and
// PlotSequence's.
SPIRAPI_EXPORT Status PlotSequenceToFile(PiStore* store, std::string_view id, PlotKind kind,
                                         const std::string& path, const PlotOptions& options);

// Writes `data` to `path` atomically, as PlotSequenceToFile does.
SPIRAPI_EXPORT Status WritePlotFile(const std::string& path, std::string_view data);

// ---------------------------------------------------------------------------
// Line charts of time series (e.g. the metrics history).

// The unit of the y values; the axis picks a readable scale for them.
enum class PlotUnit {
  kNone,          // plain numbers, k/M/G for large ones
  kSeconds,       // ns, µs, ms or s
  kBytes,         // B, KiB, MiB, GiB, TiB
  kOpsPerSecond,  // ops/s, k ops/s, M ops/s
};

enum class PlotXAxis {
  kNumber,     // x is a plain number (an index, a count)
  kUnixMicros  // x is a time, microseconds since the Unix epoch; labels in UTC
};

struct PlotPoint {
  double x = 0;
  double y = 0;  // NaN: a missing sample; the line breaks there
};

struct PlotSeries {
  std::string name;               // in the legend
  std::vector<PlotPoint> points;  // in increasing x
};

struct LineChart {
  std::string title;
  std::string subtitle;  // optional, under the title
  std::string x_label;   // empty: "time (UTC)" on a time axis
  std::string y_label;   // the unit is added to it: "read latency (ms)"
  PlotXAxis x_axis = PlotXAxis::kNumber;
  PlotUnit y_unit = PlotUnit::kNone;
  std::vector<PlotSeries> series;
  // Consecutive points further apart than this in x break the line, as a
  // NaN does (0: only NaN breaks it). For a history sampled every minute,
  // e.g. 3 minutes, so a stopped process shows as a gap.
  double max_gap_x = 0;
  int width = 800;   // pixels, 200..4000
  int height = 400;  // pixels, 150..4000
};

// Renders the chart. Series without a finite point are listed in the legend
// only; a chart without any finite point says "no data". Errors:
// InvalidArgument (size out of range, more than 100 series, a non-finite x).
SPIRAPI_EXPORT Status RenderLineChart(const LineChart& chart, PlotFormat format, std::string* out);

// ---------------------------------------------------------------------------
// Charts of the metrics history (include/spirapi/metrics.h), by name; the
// dashboard's performance page draws the same ones. docs/PLOTS.md, "The
// metrics history", says what each shows:
//   throughput, latency_p50, latency_p99  one line per kind of client
//                                         operation (get .. query) seen
//   read_latency                          get's p50, p90 and p99
//   write_latency                         the same of put, delete and commit
//                                         together (their histograms merged)
//   errors                                errors per minute, all and by kind
//   cache_hit_rate, disk_bytes, records   (records: live ones by component)
//   <op>_latency, <op>_throughput         for each MetricOpName: p50, p90 and
//                                         p99; operations per second

// Every name above, in that order (per-kind names last).
SPIRAPI_EXPORT const std::vector<std::string>& MetricPlotNames();
// OK if `metric` is one of them, else InvalidArgument listing them all.
SPIRAPI_EXPORT Status CheckMetricPlotName(std::string_view metric);

// The chart of `metric` over `samples` (as ReadMetricsHistory returns them):
// a time axis (each sample at its interval's end), lines broken where the
// database was closed. Errors: InvalidArgument for an unknown name, its
// message listing the known ones.
SPIRAPI_EXPORT Status MetricChart(std::string_view metric,
                                  const std::vector<MetricsSample>& samples, LineChart* chart);

struct MetricPlotOptions {
  std::string metric;  // one of MetricPlotNames()
  // The samples read: ReadMetricsHistory's query (range and resolution).
  MetricsHistoryQuery history;
  int width = 800;   // pixels, as for LineChart
  int height = 400;
};

// MetricChart of the stored samples, its subtitle saying how many and over
// what time. Works on read-only instances. Errors: InvalidArgument (unknown
// metric or size, checked before anything is read), NotFound (no sample in
// the range: no empty picture), ReadMetricsHistory's.
SPIRAPI_EXPORT Status PlotMetric(DB* db, const MetricPlotOptions& options, PlotFormat format,
                                 std::string* out);
// PlotMetric in the format `path`'s extension names, written to `path` as
// PlotSequenceToFile writes (atomically; untouched on any error).
SPIRAPI_EXPORT Status PlotMetricToFile(DB* db, const MetricPlotOptions& options,
                                       const std::string& path);

}  // namespace spirapi

#endif  // SPIRAPI_PLOT_H_
