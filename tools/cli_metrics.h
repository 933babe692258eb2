// `spirapi metrics DB [--json]`: the operation metrics in the Prometheus
// text format (or JSON); `spirapi metrics DB --history [--since AGE]
// [--resolution R] [--json]`: their stored history. Also the metrics parts
// of `spirapi stats`. Included by cli_main.cc only.
//
// The command opens the database read-only, beside any process that has it
// open: its own instance's counters cover only the command itself, so it
// also prints the newest sample the database stored (spirapi_sample_*,
// written every metrics_interval_seconds by the process that has it open
// for writing, and at its close). docs/MONITORING.md says more.

#ifndef SPIRAPI_TOOLS_CLI_METRICS_H_
#define SPIRAPI_TOOLS_CLI_METRICS_H_

#include <cinttypes>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli_util.h"
#include "spirapi/db.h"
#include "spirapi/metrics.h"
#include "spirapi/query_log.h"

namespace spirapi::cli {

// The newest stored sample; false if there is none (or on error, in *s).
inline bool NewestMetricsSample(DB* db, MetricsSample* newest, Status* s) {
  std::vector<MetricsSample> samples;
  *s = ReadMetricsHistory(db, MetricsHistoryQuery(), &samples);
  if (!s->ok() || samples.empty()) return false;
  *newest = samples.back();
  for (const MetricsSample& m : samples) {
    if (m.end_us > newest->end_us) *newest = m;
  }
  return true;
}

// "1.23 ms", "456 µs": latencies for people.
inline std::string FormatSeconds(double s) {
  char buf[32];
  if (s >= 1) std::snprintf(buf, sizeof(buf), "%.2f s", s);
  else if (s >= 1e-3) std::snprintf(buf, sizeof(buf), "%.2f ms", s * 1e3);
  else std::snprintf(buf, sizeof(buf), "%.1f us", s * 1e6);
  return buf;
}

// The latency lines `spirapi stats` prints: the newest stored sample's
// (the process that has the database open), else nothing.
inline bool PrintLatencyTable(DB* db) {
  MetricsSample sample;
  Status s;
  if (!NewestMetricsSample(db, &sample, &s)) {
    return WriteLine(s.ok() ? "latency: no stored metrics sample yet" : "latency: " + s.ToString());
  }
  char line[160];
  std::snprintf(line, sizeof(line), "latency (stored sample ending %s, %.0f s long):",
                FormatQueryLogTime(sample.end_us).c_str(),
                (sample.end_us - sample.start_us) / 1e6);
  if (!WriteLine(line)) return false;
  std::snprintf(line, sizeof(line), "  %-11s %10s %8s %11s %11s %11s %11s", "operation", "count",
                "errors", "p50", "p99", "max", "ops/s");
  if (!WriteLine(line)) return false;
  bool any = false;
  for (int i = 0; i < kNumMetricOps; ++i) {
    const OpMetrics& o = sample.ops[i];
    if (o.count == 0) continue;
    any = true;
    std::snprintf(line, sizeof(line), "  %-11s %10" PRIu64 " %8" PRIu64 " %11s %11s %11s %11.1f",
                  MetricOpName(static_cast<MetricOp>(i)), o.count, o.errors,
                  FormatSeconds(o.p50_seconds).c_str(), FormatSeconds(o.p99_seconds).c_str(),
                  FormatSeconds(o.max_seconds).c_str(), o.ops_per_second);
    if (!WriteLine(line)) return false;
  }
  return any || WriteLine("  (no operations in that interval)");
}

// The "metrics" members `spirapi stats --json` adds: this instance's, and
// the newest stored sample (null if none).
inline Status MetricsStatsJson(DB* db, std::string* json) {
  Metrics m;
  Status s = db->GetMetrics(&m);
  if (!s.ok()) return s;
  MetricsSample sample;
  const bool have = NewestMetricsSample(db, &sample, &s);
  if (!s.ok()) return s;
  *json = "\"metrics\":" + m.ToJson() + ",\"metrics_last_sample\":" +
          (have ? sample.ToJson() : std::string("null"));
  return Status::OK();
}

class MetricsCommand {
 public:
  using OpenFn = std::function<int(std::unique_ptr<DB>*)>;
  using AddDbFn = std::function<void(CLI::App*)>;

  void Add(CLI::App* app, const AddDbFn& add_db) {
    cmd_ = app->add_subcommand(
        "metrics", "Print operation metrics (Prometheus text) or their history "
                   "(docs/MONITORING.md)");
    add_db(cmd_);
    cmd_->add_flag("--json", json_, "Print JSON instead (one object; with --history one per line)");
    cmd_->add_flag("--history", history_, "Print the stored samples, oldest first");
    since_opt_ = cmd_->add_option("--since", since_,
                                  "With --history: only the last AGE (e.g. 90s, 30m, 6h, 7d)");
    res_opt_ = cmd_->add_option("--resolution", resolution_,
                                "With --history: any (as stored), minute, hour or day");
  }

  bool parsed() const { return cmd_ != nullptr && cmd_->parsed(); }

  int Run(const OpenFn& open) {
    MetricsHistoryQuery q;
    if (!history_ && (since_opt_->count() > 0 || res_opt_->count() > 0)) {
      return Fail(kExitUsage, "metrics: --since and --resolution go with --history");
    }
    if (res_opt_->count() > 0 && !ParseMetricsResolution(resolution_, &q.resolution)) {
      return Fail(kExitUsage, "metrics: --resolution must be any, minute, hour or day, not '" +
                                  OneLine(resolution_) + "'");
    }
    if (since_opt_->count() > 0 && !ParseSince(since_, &q.from_us)) {
      return Fail(kExitUsage, "metrics: --since needs an age such as 90s, 30m, 6h or 7d, not '" +
                                  OneLine(since_) + "'");
    }
    std::unique_ptr<DB> db;
    if (int rc = open(&db); rc != kExitOk) return rc;
    return history_ ? PrintHistory(db.get(), q) : PrintCurrent(db.get());
  }

 private:
  int PrintCurrent(DB* db) {
    Metrics m;
    Status s = db->GetMetrics(&m);
    MetricsSample sample;
    bool have = false;
    if (s.ok()) have = NewestMetricsSample(db, &sample, &s);
    if (!s.ok()) return FailStatus("metrics", s);
    if (json_) {
      return WriteLine("{\"this_process\":" + m.ToJson() + ",\"last_sample\":" +
                       (have ? sample.ToJson() : std::string("null")) + "}")
                 ? kExitOk
                 : kExitIoError;
    }
    std::string out =
        "# spirapi_* below: this command's own read-only instance (its operations only; the\n"
        "# gauges - records, disk, background work - are the database's now).\n";
    out += m.ToPrometheus();
    if (have) {
      out += "# spirapi_sample_* below: the newest stored sample (" +
             FormatQueryLogTime(sample.start_us) + " to " + FormatQueryLogTime(sample.end_us) +
             "), the figures of the process that had the database open for writing.\n";
      out += sample.ToPrometheus();
    } else {
      out += "# no stored metrics sample: no writable instance has stored one yet.\n";
    }
    return std::fwrite(out.data(), 1, out.size(), stdout) == out.size() ? kExitOk : kExitIoError;
  }

  int PrintHistory(DB* db, const MetricsHistoryQuery& q) {
    std::vector<MetricsSample> samples;
    Status s = ReadMetricsHistory(db, q, &samples);
    if (!s.ok()) return FailStatus("metrics --history", s);
    if (json_) {
      for (const MetricsSample& m : samples) {
        if (!WriteLine(m.ToJson())) return kExitIoError;
      }
      return kExitOk;
    }
    if (samples.empty()) return WriteLine("no stored metrics samples") ? kExitOk : kExitIoError;
    char line[200];
    std::snprintf(line, sizeof(line), "%-24s %-6s %9s %10s %10s %10s %7s %12s", "start (UTC)",
                  "res", "ops/s", "get p50", "get p99", "put p99", "errors", "disk bytes");
    if (!WriteLine(line)) return kExitIoError;
    for (const MetricsSample& m : samples) {
      std::string time = FormatQueryLogTime(m.start_us);
      if (time.size() > 19) time.resize(19);
      uint64_t errors = 0;
      for (const OpMetrics& o : m.ops) errors += o.errors;
      std::snprintf(line, sizeof(line), "%-24s %-6s %9.1f %10s %10s %10s %7" PRIu64 " %12" PRIu64,
                    time.c_str(), MetricsResolutionName(m.resolution), m.ops_per_second,
                    FormatSeconds(m.op(MetricOp::kGet).p50_seconds).c_str(),
                    FormatSeconds(m.op(MetricOp::kGet).p99_seconds).c_str(),
                    FormatSeconds(m.op(MetricOp::kPut).p99_seconds).c_str(), errors,
                    m.total_disk_bytes);
      if (!WriteLine(line)) return kExitIoError;
    }
    return kExitOk;
  }

  CLI::App* cmd_ = nullptr;
  CLI::Option* since_opt_ = nullptr;
  CLI::Option* res_opt_ = nullptr;
  bool json_ = false;
  bool history_ = false;
  std::string since_;
  std::string resolution_;
};

}  // namespace spirapi::cli

#endif  // SPIRAPI_TOOLS_CLI_METRICS_H_
