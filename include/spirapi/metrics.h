// Operation metrics of an open database (docs/MONITORING.md): per kind of
// operation, counts, errors, bytes and latency percentiles; cache, memory,
// open files and background work; and their history, a sample per minute
// kept in METADATA and downsampled with age.
//
// Thread safety: every function may be called from any number of threads
// while others read and write the database.

#ifndef SPIRAPI_METRICS_H_
#define SPIRAPI_METRICS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "spirapi/export.h"
#include "spirapi/record.h"
#include "spirapi/status.h"

namespace spirapi {

class DB;

// The kinds of operation timed. kGet covers Get, GetPinned, GetVersion and
// Exists; kPut Put and PutWithBlob; kCommit transaction commits; kScan a
// whole DB::Scan; kQuery a whole RunQuery; kFlush, kCompaction, kBackup and
// kVerify the DB calls of those names.
enum class MetricOp {
  kGet,
  kPut,
  kDelete,
  kCommit,
  kScan,
  kQuery,
  kFlush,
  kCompaction,
  kBackup,
  kVerify,
};
inline constexpr int kNumMetricOps = 10;

// "get", "put", "delete", "commit", "scan", "query", "flush", "compaction",
// "backup" or "verify".
SPIRAPI_EXPORT const char* MetricOpName(MetricOp op);
SPIRAPI_EXPORT bool ParseMetricOp(std::string_view name, MetricOp* op);

struct OpMetrics {
  uint64_t count = 0;
  // Operations that returned an error. NotFound from a read or a delete is
  // no error: it is counted in not_found (a miss, not a failure).
  uint64_t errors = 0;
  uint64_t not_found = 0;
  // Record bytes (id, data, metadata, blob) returned to the caller / given
  // to be written; for a query, the bytes of its result rows.
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  // Latency in seconds: percentiles within 6.25% (log-scaled buckets).
  double p50_seconds = 0;
  double p90_seconds = 0;
  double p99_seconds = 0;
  double p999_seconds = 0;
  double max_seconds = 0;
  double mean_seconds = 0;
  double sum_seconds = 0;
  double ops_per_second = 0;  // count over the time covered
};

// What background work waits.
struct BackgroundQueue {
  uint64_t journals_to_flush = 0;    // sealed journals not yet in segments
  uint64_t journal_bytes_to_flush = 0;  // journal bytes (sealed and active) not in segments
  uint64_t journals_to_archive = 0;  // flushed, kept for the journal archive
  uint64_t index_builds = 0;         // secondary indexes still building
  uint64_t compaction_debt_bytes = 0;  // sum of ComponentStats::garbage_bytes
};

struct SPIRAPI_EXPORT Metrics {
  int64_t time_us = 0;          // when taken (microseconds since the epoch)
  double uptime_seconds = 0;    // since the database was opened
  bool recording = true;        // Options::record_metrics
  OpMetrics ops[kNumMetricOps];  // indexed by MetricOp; since open
  uint64_t block_cache_hits = 0;
  uint64_t block_cache_misses = 0;
  uint64_t block_cache_capacity_bytes = 0;
  // Memory in use, by part (estimates). Records are read from the journal
  // or segments, never buffered, so the index and the cache are the parts.
  uint64_t index_memory_bytes = 0;
  uint64_t block_cache_memory_bytes = 0;  // 0 where the cache cannot tell
  uint64_t open_files_process = 0;    // file descriptors of the process (Linux), else 0
  uint64_t open_files_database = 0;   // journal and segment files this instance holds
  BackgroundQueue queue;
  uint64_t total_disk_bytes = 0;
  uint64_t records[kNumComponents] = {};  // live records per component

  const OpMetrics& op(MetricOp o) const { return ops[static_cast<int>(o)]; }
  // One JSON object; docs/MONITORING.md lists the members.
  std::string ToJson() const;
  // The Prometheus text exposition format 0.0.4: names prefixed spirapi_,
  // seconds and bytes, counters ending in _total, latencies as summaries
  // with quantile labels, the operation kind as label op.
  std::string ToPrometheus() const;
};

// How finely history is kept: a sample per minute for a day, merged into a
// sample per hour (UTC) for 30 days, then into one per day, kept for good.
enum class MetricsResolution { kAny, kMinute, kHour, kDay };
SPIRAPI_EXPORT const char* MetricsResolutionName(MetricsResolution r);
SPIRAPI_EXPORT bool ParseMetricsResolution(std::string_view name, MetricsResolution* r);

// One stored interval of the history.
struct SPIRAPI_EXPORT MetricsSample {
  int64_t start_us = 0;  // the interval [start_us, end_us)
  int64_t end_us = 0;
  MetricsResolution resolution = MetricsResolution::kMinute;
  // Per kind, for the interval only; ops_per_second over its length.
  OpMetrics ops[kNumMetricOps];
  double ops_per_second = 0;  // all kinds together
  uint64_t block_cache_hits = 0;
  uint64_t block_cache_misses = 0;
  // At the interval's end (a merged sample: the last of its parts).
  uint64_t total_disk_bytes = 0;
  uint64_t records[kNumComponents] = {};
  // Latency histograms behind the percentiles, so that merging is exact:
  // per kind, pairs of (bucket, count) and the sum and max in nanoseconds.
  struct Histogram {
    std::vector<std::pair<int, uint64_t>> buckets;
    uint64_t sum_ns = 0;
    uint64_t max_ns = 0;
  };
  Histogram latency[kNumMetricOps];

  const OpMetrics& op(MetricOp o) const { return ops[static_cast<int>(o)]; }
  std::string ToJson() const;
  // The sample as Prometheus gauges prefixed spirapi_sample_ (the figures
  // another process last stored; see docs/MONITORING.md).
  std::string ToPrometheus() const;
};

struct MetricsHistoryQuery {
  int64_t from_us = 0;          // samples ending after this
  int64_t to_us = INT64_MAX;    // and starting before this
  // kAny: every stored sample at its own resolution. Otherwise finer
  // samples are merged into intervals of this one (UTC-aligned); coarser
  // ones are returned as they are.
  MetricsResolution resolution = MetricsResolution::kAny;
};

// The stored samples that overlap the range, oldest first. Works on
// read-only instances. Errors: InvalidArgument (from_us > to_us),
// Corruption (a sample record that does not parse), IOError.
SPIRAPI_EXPORT Status ReadMetricsHistory(DB* db, const MetricsHistoryQuery& query,
                                         std::vector<MetricsSample>* samples);

}  // namespace spirapi

#endif  // SPIRAPI_METRICS_H_
