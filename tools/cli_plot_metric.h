// `spirapi plot DB --metric NAME --out FILE.svg|FILE.png [--since AGE]
// [--resolution R] [--width W] [--height H]`: a chart of the metrics history
// as a file (PlotMetric, include/spirapi/plot.h; docs/PLOTS.md). Opens the
// database read-only, as `spirapi metrics` does. Included by cli_main.cc only.

#ifndef SPIRAPI_TOOLS_CLI_PLOT_METRIC_H_
#define SPIRAPI_TOOLS_CLI_PLOT_METRIC_H_

#include <functional>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "cli_plot.h"
#include "cli_util.h"
#include "spirapi/db.h"
#include "spirapi/metrics.h"
#include "spirapi/plot.h"

namespace spirapi::cli {

class PlotMetricCommand {
 public:
  using OpenFn = std::function<int(std::unique_ptr<DB>*)>;

  void Add(CLI::App* app, const std::function<void(CLI::App*)>& add_db) {
    cmd_ = app->add_subcommand("plot", "Draw the metrics history as an SVG or PNG file");
    add_db(cmd_);
    cmd_->add_option("--metric", options_.metric,
                     "throughput, latency_p50, latency_p99, read_latency, write_latency, errors, "
                     "cache_hit_rate, disk_bytes, records, <op>_latency or <op>_throughput "
                     "(docs/PLOTS.md)")
        ->required();
    cmd_->add_option("--out", out_, "The file to write: FILE.svg or FILE.png")->required();
    since_opt_ = cmd_->add_option("--since", since_, "Only the last AGE (e.g. 90s, 30m, 6h, 7d)");
    res_opt_ = cmd_->add_option("--resolution", resolution_,
                                "any (as stored, the default), minute, hour or day");
    cmd_->add_option("--width", options_.width, "Pixels, 200..4000 (default 800)")
        ->transform(DecimalNumber());
    cmd_->add_option("--height", options_.height, "Pixels, 150..4000 (default 400)")
        ->transform(DecimalNumber());
  }

  bool parsed() const { return cmd_ != nullptr && cmd_->parsed(); }

  int Run(const OpenFn& open) {
    // Everything that needs no database first: bad input opens nothing.
    if (Status s = CheckMetricPlotName(options_.metric); !s.ok()) {
      return Fail(kExitUsage, "plot: " + s.message());
    }
    if (res_opt_->count() > 0 &&
        !ParseMetricsResolution(resolution_, &options_.history.resolution)) {
      return Fail(kExitUsage, "plot: --resolution must be any, minute, hour or day, not '" +
                                  OneLine(resolution_) + "'");
    }
    if (since_opt_->count() > 0 && !ParseSince(since_, &options_.history.from_us)) {
      return Fail(kExitUsage, "plot: --since needs an age such as 90s, 30m, 6h or 7d, not '" +
                                  OneLine(since_) + "'");
    }
    PlotFormat format;
    if (int rc = CheckPlotOut("plot", out_, &format); rc != kExitOk) return rc;
    std::unique_ptr<DB> db;
    if (int rc = open(&db); rc != kExitOk) return rc;
    std::string data;
    // No history is NotFound (exit 1), a bad size InvalidArgument (exit 2).
    Status s = PlotMetric(db.get(), options_, format, &data);
    if (!s.ok()) return FailStatus("plot", s);
    return WritePlotOut("plot", out_, data);
  }

 private:
  CLI::App* cmd_ = nullptr;
  CLI::Option* since_opt_ = nullptr;
  CLI::Option* res_opt_ = nullptr;
  MetricPlotOptions options_;
  std::string out_;
  std::string since_;
  std::string resolution_;
};

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_PLOT_METRIC_H_
