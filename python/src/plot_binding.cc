// spirapi._spirapi plot functions (include/spirapi/plot.h): pictures of π
// sequences, line charts and charts of the metrics history, as bytes or
// written to a file. The public, documented API is spirapi/plot.py and
// SpiraPiDatabase.plot_metric (spirapi/_operations.py).

#include <pybind11/stl.h>

#include <cmath>
#include <utility>
#include <vector>

#include "lazy_store.h"
#include "spirapi/plot.h"

namespace spirapi::python {
namespace {

void RaiseUnless(const Status& s) { RaiseIfError(s); }

PlotKind KindArgument(std::string_view name) {
  PlotKind kind;
  RaiseUnless(ParsePlotKind(name, &kind));
  return kind;
}

PlotFormat FormatArgument(std::string_view name) {
  PlotFormat format;
  RaiseUnless(ParsePlotFormat(name, &format));
  return format;
}

// The picture's bytes; the engine runs without the GIL.
py::bytes PlotSequenceBytes(const py::object& database, std::string_view id, std::string_view kind,
                            std::string_view format, uint64_t max_digits) {
  std::shared_ptr<DbHandle> h = DatabaseArgument(database);
  const PlotKind k = KindArgument(kind);
  const PlotFormat f = FormatArgument(format);
  PlotOptions options;
  options.max_digits = max_digits;
  std::string out;
  CallEngine(*h, [&](DB*) {
    PiStore* pi = nullptr;
    Status s = LazyStore(*h, &h->pi, &pi);
    return s.ok() ? PlotSequence(pi, id, k, f, options, &out) : s;
  });
  return py::bytes(out);
}

void PlotSequenceFile(const py::object& database, std::string_view id, std::string_view kind,
                      const std::string& path, uint64_t max_digits) {
  std::shared_ptr<DbHandle> h = DatabaseArgument(database);
  const PlotKind k = KindArgument(kind);
  PlotOptions options;
  options.max_digits = max_digits;
  CallEngine(*h, [&](DB*) {
    PiStore* pi = nullptr;
    Status s = LazyStore(*h, &h->pi, &pi);
    return s.ok() ? PlotSequenceToFile(pi, id, k, path, options) : s;
  });
}

MetricPlotOptions MetricArguments(const std::string& metric, int64_t from_us, int64_t to_us,
                                  const std::string& resolution, int width, int height) {
  MetricPlotOptions options;
  options.metric = metric;
  options.history.from_us = from_us;
  options.history.to_us = to_us;
  if (!ParseMetricsResolution(resolution, &options.history.resolution)) {
    RaiseUnless(Status::InvalidArgument("plot_metric: resolution '" + resolution +
                                        "' is not one of any, minute, hour, day"));
  }
  options.width = width;
  options.height = height;
  return options;
}

py::bytes PlotMetricBytes(const py::object& database, const std::string& metric, int64_t from_us,
                          int64_t to_us, const std::string& resolution, int width, int height,
                          std::string_view format) {
  std::shared_ptr<DbHandle> h = DatabaseArgument(database);
  const MetricPlotOptions options =
      MetricArguments(metric, from_us, to_us, resolution, width, height);
  const PlotFormat f = FormatArgument(format);
  std::string out;
  CallEngine(*h, [&](DB* db) { return PlotMetric(db, options, f, &out); });
  return py::bytes(out);
}

void PlotMetricFile(const py::object& database, const std::string& metric, int64_t from_us,
                    int64_t to_us, const std::string& resolution, int width, int height,
                    const std::string& path) {
  std::shared_ptr<DbHandle> h = DatabaseArgument(database);
  const MetricPlotOptions options =
      MetricArguments(metric, from_us, to_us, resolution, width, height);
  CallEngine(*h, [&](DB* db) { return PlotMetricToFile(db, options, path); });
}

PlotUnit UnitArgument(std::string_view name) {
  if (name == "" || name == "none") return PlotUnit::kNone;
  if (name == "seconds") return PlotUnit::kSeconds;
  if (name == "bytes") return PlotUnit::kBytes;
  if (name == "ops") return PlotUnit::kOpsPerSecond;
  RaiseUnless(Status::InvalidArgument("unknown y unit '" + std::string(name) +
                                      "' (none, seconds, bytes or ops)"));
  return PlotUnit::kNone;
}

PlotXAxis AxisArgument(std::string_view name) {
  if (name == "number") return PlotXAxis::kNumber;
  if (name == "time") return PlotXAxis::kUnixMicros;
  RaiseUnless(
      Status::InvalidArgument("unknown x axis '" + std::string(name) + "' (number or time)"));
  return PlotXAxis::kNumber;
}

// series: [(name, [(x, y or None), ...]), ...]; a None y is a missing sample.
py::bytes LineChartBytes(
    const std::vector<
        std::pair<std::string, std::vector<std::pair<double, std::optional<double>>>>>& series,
    const std::string& title, const std::string& subtitle, const std::string& x_label,
    const std::string& y_label, std::string_view x_axis, std::string_view y_unit, double max_gap_x,
    int width, int height, std::string_view format) {
  LineChart chart;
  chart.title = title;
  chart.subtitle = subtitle;
  chart.x_label = x_label;
  chart.y_label = y_label;
  chart.x_axis = AxisArgument(x_axis);
  chart.y_unit = UnitArgument(y_unit);
  chart.max_gap_x = max_gap_x;
  chart.width = width;
  chart.height = height;
  const PlotFormat f = FormatArgument(format);
  for (const auto& [name, points] : series) {
    PlotSeries s;
    s.name = name;
    for (const auto& [x, y] : points) s.points.push_back({x, y ? *y : std::nan("")});
    chart.series.push_back(std::move(s));
  }
  std::string out;
  Status s;
  {
    py::gil_scoped_release release;
    s = RenderLineChart(chart, f, &out);
  }
  RaiseUnless(s);
  return py::bytes(out);
}

void WriteFile(const std::string& path, std::string_view data) {
  Status s;
  {
    py::gil_scoped_release release;
    s = WritePlotFile(path, data);
  }
  RaiseUnless(s);
}

}  // namespace

void BindPlot(py::module_& m) {
  m.def("plot_sequence", &PlotSequenceBytes, py::arg("database"), py::arg("id"), py::arg("kind"),
        py::arg("format"), py::arg("max_digits") = 0);
  m.def("plot_sequence_file", &PlotSequenceFile, py::arg("database"), py::arg("id"),
        py::arg("kind"), py::arg("path"), py::arg("max_digits") = 0);
  m.def("plot_metric", &PlotMetricBytes, py::arg("database"), py::arg("metric"), py::arg("from_us"),
        py::arg("to_us"), py::arg("resolution"), py::arg("width"), py::arg("height"),
        py::arg("format"));
  m.def("plot_metric_file", &PlotMetricFile, py::arg("database"), py::arg("metric"),
        py::arg("from_us"), py::arg("to_us"), py::arg("resolution"), py::arg("width"),
        py::arg("height"), py::arg("path"));
  m.attr("METRIC_PLOT_NAMES") = py::tuple(py::cast(MetricPlotNames()));
  m.def("render_line_chart", &LineChartBytes, py::arg("series"), py::arg("title"),
        py::arg("subtitle"), py::arg("x_label"), py::arg("y_label"), py::arg("x_axis"),
        py::arg("y_unit"), py::arg("max_gap_x"), py::arg("width"), py::arg("height"),
        py::arg("format"));
  m.def("write_plot_file", &WriteFile, py::arg("path"), py::arg("data"));
  m.attr("MAX_SPIRAL_PLOT_DIGITS") = kMaxSpiralPlotDigits;
}

}  // namespace spirapi::python
