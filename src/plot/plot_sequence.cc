// PlotSequence and the plot file helpers (include/spirapi/plot.h).

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "plot/chart_frame.h"
#include "plot/pi_plots.h"
#include "spirapi/plot.h"

namespace spirapi {
namespace {

bool EndsWithNoCase(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i) {
    const char c = s[s.size() - suffix.size() + i];
    if (std::tolower(static_cast<unsigned char>(c)) != suffix[i]) return false;
  }
  return true;
}

Status IoError(const std::string& what, const std::string& path, int err) {
  return Status::IOError(what + " '" + path + "': " + std::strerror(err));
}

}  // namespace

Status ParsePlotKind(std::string_view name, PlotKind* kind) {
  if (name == "distribution") {
    *kind = PlotKind::kDistribution;
  } else if (name == "spiral") {
    *kind = PlotKind::kSpiral;
  } else if (name == "runs") {
    *kind = PlotKind::kRuns;
  } else {
    return Status::InvalidArgument("unknown plot kind '" + std::string(name) +
                                   "' (distribution, spiral or runs)");
  }
  return Status::OK();
}

const char* PlotKindName(PlotKind kind) {
  switch (kind) {
    case PlotKind::kDistribution:
      return "distribution";
    case PlotKind::kSpiral:
      return "spiral";
    case PlotKind::kRuns:
      return "runs";
  }
  return "?";
}

Status ParsePlotFormat(std::string_view name, PlotFormat* format) {
  if (name == "svg") {
    *format = PlotFormat::kSvg;
  } else if (name == "png") {
    *format = PlotFormat::kPng;
  } else {
    return Status::InvalidArgument("unknown plot format '" + std::string(name) + "' (svg or png)");
  }
  return Status::OK();
}

Status PlotFormatForPath(std::string_view path, PlotFormat* format) {
  if (EndsWithNoCase(path, ".svg")) {
    *format = PlotFormat::kSvg;
  } else if (EndsWithNoCase(path, ".png")) {
    *format = PlotFormat::kPng;
  } else {
    return Status::InvalidArgument("'" + std::string(path) +
                                   "': a plot file name must end in .svg or .png");
  }
  return Status::OK();
}

Status PlotSequence(PiStore* store, std::string_view id, PlotKind kind, PlotFormat format,
                    const PlotOptions& options, std::string* out) {
  if (store == nullptr) return Status::InvalidArgument("no π store");
  if (kind == PlotKind::kSpiral && options.max_digits > kMaxSpiralPlotDigits) {
    return Status::InvalidArgument("a spiral plot shows at most " +
                                   std::to_string(kMaxSpiralPlotDigits) + " digits");
  }
  SequenceInfo info;
  Status s = store->RetrieveSequence(id, &info);
  if (!s.ok()) return s;
  uint64_t limit = options.max_digits;
  if (limit == 0) {
    limit = kind == PlotKind::kSpiral ? kDefaultSpiralPlotDigits : kDefaultPlotDigits;
  }
  plot::SequenceExtent extent{info.id, info.precision, std::min(info.precision, limit)};
  plot::Scene scene;
  if (kind == PlotKind::kSpiral) {
    std::string digits;
    s = store->ReadDigits(id, 1, extent.shown, &digits);
    if (!s.ok()) return s;
    scene = plot::SpiralScene(extent, digits);
  } else {
    // A chunk at a time: the tally keeps no digits.
    plot::DigitTally tally;
    std::string piece;
    for (uint64_t first = 1; first <= extent.shown; first += kSequenceChunkDigits) {
      const uint64_t count = std::min(kSequenceChunkDigits, extent.shown - first + 1);
      s = store->ReadDigits(id, first, count, &piece);
      if (!s.ok()) return s;
      tally.Add(piece);
    }
    tally.Finish();
    scene = kind == PlotKind::kDistribution ? plot::DistributionScene(extent, tally)
                                            : plot::RunsScene(extent, tally);
  }
  return plot::RenderScene(scene, format, out);
}

Status WritePlotFile(const std::string& path, std::string_view data) {
  // A name no other writer uses, beside the target so the rename stays on
  // one file system; O_EXCL never follows a planted link.
  static std::atomic<uint64_t> counter{0};
  const std::string tmp =
      path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return IoError("cannot write", path, errno);
  size_t done = 0;
  int err = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    return IoError("cannot write", path, err);
  }
  return Status::OK();
}

Status PlotSequenceToFile(PiStore* store, std::string_view id, PlotKind kind,
                          const std::string& path, const PlotOptions& options) {
  PlotFormat format;
  Status s = PlotFormatForPath(path, &format);
  if (!s.ok()) return s;
  std::string data;
  s = PlotSequence(store, id, kind, format, options, &data);
  if (!s.ok()) return s;
  return WritePlotFile(path, data);
}

}  // namespace spirapi
