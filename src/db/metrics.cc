// Metrics: names, the recorder's totals, and the JSON and Prometheus forms
// (include/spirapi/metrics.h, docs/MONITORING.md).

#include "spirapi/metrics.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <string>

#include "db/metrics_recorder.h"

namespace spirapi {
namespace {

constexpr const char* kOpNames[kNumMetricOps] = {
    "get", "put", "delete", "commit", "scan", "query", "flush", "compaction", "backup", "verify"};

// Shortest round-trippable form, as Prometheus and JSON both accept it.
std::string Num(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

std::string Num(uint64_t v) { return std::to_string(v); }

// Builds the exposition text: each family's HELP and TYPE, then its samples.
class Exposition {
 public:
  void Family(const std::string& name, const char* type, const char* help) {
    out_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void Sample(const std::string& name, const std::string& labels, const std::string& value) {
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += " " + value + "\n";
  }
  // A family of one sample without labels.
  void Single(const std::string& name, const char* type, const char* help,
              const std::string& value) {
    Family(name, type, help);
    Sample(name, "", value);
  }
  // One sample per op kind.
  template <typename Fn>
  void PerOp(const std::string& name, const char* type, const char* help, Fn value) {
    Family(name, type, help);
    for (int i = 0; i < kNumMetricOps; ++i) {
      Sample(name, std::string("op=\"") + kOpNames[i] + "\"", value(i));
    }
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

void AppendOpJson(const OpMetrics& m, std::string* out) {
  *out += "{\"count\":" + Num(m.count) + ",\"errors\":" + Num(m.errors) +
          ",\"not_found\":" + Num(m.not_found) + ",\"bytes_read\":" + Num(m.bytes_read) +
          ",\"bytes_written\":" + Num(m.bytes_written) + ",\"p50_seconds\":" + Num(m.p50_seconds) +
          ",\"p90_seconds\":" + Num(m.p90_seconds) + ",\"p99_seconds\":" + Num(m.p99_seconds) +
          ",\"p999_seconds\":" + Num(m.p999_seconds) + ",\"max_seconds\":" + Num(m.max_seconds) +
          ",\"mean_seconds\":" + Num(m.mean_seconds) + ",\"sum_seconds\":" + Num(m.sum_seconds) +
          ",\"ops_per_second\":" + Num(m.ops_per_second) + "}";
}

void AppendRecordsJson(const uint64_t (&records)[kNumComponents], std::string* out) {
  *out += "\"records\":{";
  for (Component c : kAllComponents) {
    if (c != Component::kSequence) *out += ",";
    *out += std::string("\"") + ComponentName(c) + "\":" + Num(records[static_cast<int>(c)]);
  }
  *out += "}";
}

// The latency summary of one family: quantiles, _sum and _count per op.
void LatencySummary(Exposition* e, const std::string& name, const char* help,
                    const OpMetrics (&ops)[kNumMetricOps], bool with_sum_count) {
  e->Family(name, with_sum_count ? "summary" : "gauge", help);
  for (int i = 0; i < kNumMetricOps; ++i) {
    const OpMetrics& m = ops[i];
    const std::string op = std::string("op=\"") + kOpNames[i] + "\"";
    const std::pair<const char*, double> q[] = {{"0.5", m.p50_seconds},
                                                {"0.9", m.p90_seconds},
                                                {"0.99", m.p99_seconds},
                                                {"0.999", m.p999_seconds}};
    for (const auto& [label, v] : q) e->Sample(name, op + ",quantile=\"" + label + "\"", Num(v));
    if (with_sum_count) {
      e->Sample(name + "_sum", op, Num(m.sum_seconds));
      e->Sample(name + "_count", op, Num(m.count));
    }
  }
}

void RecordsFamily(Exposition* e, const std::string& name, const char* help,
                   const uint64_t (&records)[kNumComponents]) {
  e->Family(name, "gauge", help);
  for (Component c : kAllComponents) {
    e->Sample(name, std::string("component=\"") + ComponentName(c) + "\"",
              Num(records[static_cast<int>(c)]));
  }
}

}  // namespace

thread_local int MetricsRecorder::paused_ = 0;

void MetricsRecorder::Read(MetricOp op, OpMetrics* out, HistogramData* latency) const {
  const Kind& k = kinds_[static_cast<int>(op)];
  *latency = k.latency.Snapshot();
  *out = OpMetrics();
  for (const Counters& c : k.counters) {
    out->errors += c.errors.load(std::memory_order_relaxed);
    out->not_found += c.not_found.load(std::memory_order_relaxed);
    out->bytes_read += c.bytes_read.load(std::memory_order_relaxed);
    out->bytes_written += c.bytes_written.load(std::memory_order_relaxed);
  }
  FillLatency(*latency, out);
}

void FillLatency(const HistogramData& h, OpMetrics* out) {
  constexpr double kSecondsPerNano = 1e-9;
  out->count = h.count;
  out->p50_seconds = h.Percentile(0.5) * kSecondsPerNano;
  out->p90_seconds = h.Percentile(0.9) * kSecondsPerNano;
  out->p99_seconds = h.Percentile(0.99) * kSecondsPerNano;
  out->p999_seconds = h.Percentile(0.999) * kSecondsPerNano;
  out->max_seconds = static_cast<double>(h.max) * kSecondsPerNano;
  out->mean_seconds = h.Mean() * kSecondsPerNano;
  out->sum_seconds = static_cast<double>(h.sum) * kSecondsPerNano;
}

const char* MetricOpName(MetricOp op) {
  const int i = static_cast<int>(op);
  return i >= 0 && i < kNumMetricOps ? kOpNames[i] : "unknown";
}

bool ParseMetricOp(std::string_view name, MetricOp* op) {
  for (int i = 0; i < kNumMetricOps; ++i) {
    if (name == kOpNames[i]) {
      *op = static_cast<MetricOp>(i);
      return true;
    }
  }
  return false;
}

std::string Metrics::ToJson() const {
  std::string out = "{\"time_us\":" + std::to_string(time_us) +
                    ",\"uptime_seconds\":" + Num(uptime_seconds) +
                    ",\"recording\":" + (recording ? "true" : "false") + ",\"ops\":{";
  for (int i = 0; i < kNumMetricOps; ++i) {
    out += std::string(i > 0 ? "," : "") + "\"" + kOpNames[i] + "\":";
    AppendOpJson(ops[i], &out);
  }
  out += "},\"block_cache\":{\"hits\":" + Num(block_cache_hits) +
         ",\"misses\":" + Num(block_cache_misses) +
         ",\"capacity_bytes\":" + Num(block_cache_capacity_bytes) + "}";
  out += ",\"memory_bytes\":{\"index\":" + Num(index_memory_bytes) +
         ",\"block_cache\":" + Num(block_cache_memory_bytes) + "}";
  out += ",\"open_files\":{\"process\":" + Num(open_files_process) +
         ",\"database\":" + Num(open_files_database) + "}";
  out += ",\"background\":{\"journals_to_flush\":" + Num(queue.journals_to_flush) +
         ",\"journal_bytes_to_flush\":" + Num(queue.journal_bytes_to_flush) +
         ",\"journals_to_archive\":" + Num(queue.journals_to_archive) +
         ",\"index_builds\":" + Num(queue.index_builds) +
         ",\"compaction_debt_bytes\":" + Num(queue.compaction_debt_bytes) + "}";
  out += ",\"total_disk_bytes\":" + Num(total_disk_bytes) + ",";
  AppendRecordsJson(records, &out);
  return out + "}";
}

std::string Metrics::ToPrometheus() const {
  Exposition e;
  e.PerOp("spirapi_operations_total", "counter", "Operations completed since open, by kind.",
          [&](int i) { return Num(ops[i].count); });
  e.PerOp("spirapi_operation_errors_total", "counter",
          "Operations that returned an error (NotFound excluded), by kind.",
          [&](int i) { return Num(ops[i].errors); });
  e.PerOp("spirapi_operation_not_found_total", "counter",
          "Reads and deletes of records that did not exist, by kind.",
          [&](int i) { return Num(ops[i].not_found); });
  e.PerOp("spirapi_read_bytes_total", "counter", "Record bytes returned by operations, by kind.",
          [&](int i) { return Num(ops[i].bytes_read); });
  e.PerOp("spirapi_written_bytes_total", "counter", "Record bytes given to be written, by kind.",
          [&](int i) { return Num(ops[i].bytes_written); });
  LatencySummary(&e, "spirapi_operation_duration_seconds",
                 "Latency of operations since open, by kind.", ops, true);
  e.PerOp("spirapi_operation_duration_max_seconds", "gauge",
          "Slowest operation since open, by kind.", [&](int i) { return Num(ops[i].max_seconds); });
  e.PerOp("spirapi_operations_per_second", "gauge", "Operations per second since open, by kind.",
          [&](int i) { return Num(ops[i].ops_per_second); });
  e.Single("spirapi_uptime_seconds", "gauge", "Seconds since the database was opened.",
           Num(uptime_seconds));
  e.Single("spirapi_block_cache_hits_total", "counter", "Block cache hits since open.",
           Num(block_cache_hits));
  e.Single("spirapi_block_cache_misses_total", "counter", "Block cache misses since open.",
           Num(block_cache_misses));
  e.Single("spirapi_block_cache_capacity_bytes", "gauge", "Block cache capacity.",
           Num(block_cache_capacity_bytes));
  e.Family("spirapi_memory_bytes", "gauge", "Memory in use, by part (estimates).");
  e.Sample("spirapi_memory_bytes", "part=\"index\"", Num(index_memory_bytes));
  e.Sample("spirapi_memory_bytes", "part=\"block_cache\"", Num(block_cache_memory_bytes));
  e.Family("spirapi_open_files", "gauge",
           "Open files: the process's descriptors, and the data files the database holds.");
  e.Sample("spirapi_open_files", "scope=\"process\"", Num(open_files_process));
  e.Sample("spirapi_open_files", "scope=\"database\"", Num(open_files_database));
  e.Family("spirapi_background_queue", "gauge", "Background work waiting, by kind.");
  e.Sample("spirapi_background_queue", "work=\"journals_to_flush\"", Num(queue.journals_to_flush));
  e.Sample("spirapi_background_queue", "work=\"journals_to_archive\"",
           Num(queue.journals_to_archive));
  e.Sample("spirapi_background_queue", "work=\"index_builds\"", Num(queue.index_builds));
  e.Single("spirapi_journal_bytes_to_flush", "gauge", "Journal bytes not yet in segments.",
           Num(queue.journal_bytes_to_flush));
  e.Single("spirapi_compaction_debt_bytes", "gauge", "Bytes compaction would free (estimate).",
           Num(queue.compaction_debt_bytes));
  e.Single("spirapi_disk_bytes", "gauge", "Bytes of journal and segment files.",
           Num(total_disk_bytes));
  RecordsFamily(&e, "spirapi_records", "Live records, by component.", records);
  return e.Take();
}

std::string MetricsSample::ToPrometheus() const {
  Exposition e;
  e.Family("spirapi_sample_end_timestamp_seconds", "gauge",
           "End of the newest stored metrics sample (Unix time).");
  e.Sample("spirapi_sample_end_timestamp_seconds", "", Num(end_us / 1e6));
  e.Single("spirapi_sample_interval_seconds", "gauge", "Length of that sample's interval.",
           Num((end_us - start_us) / 1e6));
  e.PerOp("spirapi_sample_operations", "gauge", "Operations in the sample's interval, by kind.",
          [&](int i) { return Num(ops[i].count); });
  e.PerOp("spirapi_sample_operation_errors", "gauge", "Errors in the sample's interval, by kind.",
          [&](int i) { return Num(ops[i].errors); });
  e.PerOp("spirapi_sample_operations_per_second", "gauge",
          "Operations per second in the sample's interval, by kind.",
          [&](int i) { return Num(ops[i].ops_per_second); });
  LatencySummary(&e, "spirapi_sample_operation_duration_seconds",
                 "Latency in the sample's interval, by kind.", ops, false);
  e.Single("spirapi_sample_block_cache_hits", "gauge", "Block cache hits in the interval.",
           Num(block_cache_hits));
  e.Single("spirapi_sample_block_cache_misses", "gauge", "Block cache misses in the interval.",
           Num(block_cache_misses));
  e.Single("spirapi_sample_disk_bytes", "gauge", "Bytes on disk at the interval's end.",
           Num(total_disk_bytes));
  RecordsFamily(&e, "spirapi_sample_records", "Live records at the interval's end, by component.",
                records);
  return e.Take();
}

}  // namespace spirapi
