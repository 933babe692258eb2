// `spirapi pi plot DB ID --kind K --out FILE.svg|FILE.png`: a picture of a
// π sequence as a file (include/spirapi/plot.h, docs/PLOTS.md). Part of the
// `pi` commands (cli_pi.h); CheckPlotOut and WritePlotOut serve `spirapi
// plot` too (cli_plot_metric.h).

#ifndef SPIRAPI_TOOLS_CLI_PLOT_H_
#define SPIRAPI_TOOLS_CLI_PLOT_H_

#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>

#include "CLI/CLI.hpp"
#include "cli_parse_error.h"
#include "cli_util.h"
#include "spirapi/pi.h"
#include "spirapi/plot.h"

namespace spirapi::cli {

// The checks of --out that need no database: its extension gives *format,
// its directory exists and it is none. kExitUsage (one error line starting
// with `command`) if not.
inline int CheckPlotOut(const std::string& command, const std::string& out, PlotFormat* format) {
  Status s = PlotFormatForPath(out, format);
  if (!s.ok()) return Fail(kExitUsage, command + ": " + s.message());
  std::error_code ec;
  const std::filesystem::path path(out);
  if (std::filesystem::is_directory(path, ec)) {
    return Fail(kExitUsage, command + ": '" + out + "' is a directory");
  }
  const std::filesystem::path parent = path.has_parent_path() ? path.parent_path() : ".";
  if (!std::filesystem::is_directory(parent, ec)) {
    return Fail(kExitUsage, command + ": directory '" + parent.string() + "' does not exist");
  }
  return kExitOk;
}

// Writes the picture to --out (atomically) and says so on stdout.
inline int WritePlotOut(const std::string& command, const std::string& out,
                        const std::string& data) {
  Status s = WritePlotFile(out, data);
  if (!s.ok()) return FailStatus(command, s);
  std::printf("wrote %s (%zu bytes)\n", EscapeControls(out).c_str(), data.size());
  return kExitOk;
}

class PiPlotCommand {
 public:
  void Add(CLI::App* pi, const std::function<void(CLI::App*)>& add_db) {
    plot_ = pi->add_subcommand("plot", "Draw a stored sequence as an SVG or PNG file");
    add_db(plot_);
    plot_->add_option("ID", id_, "Sequence id")->required();
    plot_->add_option("--kind", kind_name_, "distribution, spiral or runs")->required();
    plot_->add_option("--out", out_, "The file to write: FILE.svg or FILE.png")->required();
    max_digits_option_ =
        plot_
            ->add_option("--max-digits", max_digits_,
                         "Plot the first N digits (default 10000000; spiral 65536, at most "
                         "4194304)")
            ->transform(DecimalNumber());
  }

  bool parsed() const { return plot_ != nullptr && plot_->parsed(); }

  // The checks that need no database, made before it is opened, so bad
  // input neither opens it nor writes anything.
  int Check() {
    Status s = ParsePlotKind(kind_name_, &kind_);
    if (s.ok() && max_digits_option_->count() > 0 && max_digits_ == 0) {
      s = Status::InvalidArgument("--max-digits must be at least 1");
    }
    if (s.ok() && kind_ == PlotKind::kSpiral && max_digits_ > kMaxSpiralPlotDigits) {
      s = Status::InvalidArgument("--max-digits: a spiral shows at most " +
                                  std::to_string(kMaxSpiralPlotDigits) + " digits");
    }
    if (!s.ok()) return Fail(kExitUsage, "pi plot: " + s.message());
    return CheckPlotOut("pi plot", out_, &format_);
  }

  int Run(PiStore* store) {
    PlotOptions options;
    options.max_digits = max_digits_;
    std::string data;
    Status s = PlotSequence(store, id_, kind_, format_, options, &data);
    // An unknown id is bad input, as for the other pi commands.
    if (s.IsNotFound()) return Fail(kExitUsage, "pi plot: " + s.message());
    if (!s.ok()) return FailStatus("pi plot", s);
    return WritePlotOut("pi plot", out_, data);
  }

 private:
  CLI::App* plot_ = nullptr;
  CLI::Option* max_digits_option_ = nullptr;
  std::string id_;
  std::string kind_name_;
  std::string out_;
  uint64_t max_digits_ = 0;
  PlotKind kind_ = PlotKind::kDistribution;
  PlotFormat format_ = PlotFormat::kSvg;
};

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_PLOT_H_
